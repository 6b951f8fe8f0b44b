import os

# Lets scikit-learn's array-API common check run (with NumPy inputs) instead of
# skipping; must be set before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

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
