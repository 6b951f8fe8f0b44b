import os

# Lets scikit-learn's array-API common check run (with NumPy inputs) instead of
# skipping; must be set before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


def _threads_per_xdist_worker():
    """Cores per pytest-xdist worker, or None outside xdist.

    Under ``pytest -n N`` each worker process would otherwise start one torch,
    BLAS and numba thread per core, and N workers would oversubscribe the
    machine (on 2 cores, two workers with 2 torch threads each run slower than
    one process). The variables must be set before numba and the BLAS
    libraries are imported; torch's pool is set again in ``pytest_configure``.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return None
    n_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, (os.cpu_count() or 1) // n_workers)


_XDIST_THREADS = _threads_per_xdist_worker()
if _XDIST_THREADS is not None:
    # worker_thread_env's four variables, written out: importing sklearn_unsup.utils here would load NumPy's BLAS
    # before they are set
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(_name, str(_XDIST_THREADS))

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_shared(relpath):
    """Load ``X, y`` from ../shared/data, or skip when that folder is absent."""
    path = SHARED_DATA / relpath
    if not path.exists():
        pytest.skip(f"benchmark data {path} not available")
    data = np.load(path)
    return data["X"], data["y"]


@pytest.fixture(scope="session")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def pytest_configure(config):
    if _XDIST_THREADS is not None:
        import torch

        torch.set_num_threads(_XDIST_THREADS)
