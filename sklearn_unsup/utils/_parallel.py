"""Helpers for running the estimators on engines users already have (Dask, joblib).

Nothing here starts a scheduler or a worker pool: the user's cluster does.
"""

__all__ = ["worker_thread_env"]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")


def worker_thread_env(n_threads=1):
    """Environment variables that cap each worker process at ``n_threads`` compute threads.

    torch (its OpenMP pool), the BLAS libraries and numba each start one
    thread per core in every process by default. On a machine running several
    worker processes (a ``dask.distributed.LocalCluster``, joblib's ``loky``
    workers) that oversubscribes the cores. Dask's nannies already set the
    OpenMP/MKL/OpenBLAS variables to 1; numba's ``NUMBA_NUM_THREADS`` is not
    set, and numba reads it once, when it is imported, so it must be in the
    worker's environment before the first task runs.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per worker process, typically ``threads_per_worker`` or
        ``cores // n_workers``.

    Returns
    -------
    env : dict of str to str
        ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
        ``NUMBA_NUM_THREADS``, each ``str(n_threads)``.

    Examples
    --------
    >>> from sklearn_unsup.utils import worker_thread_env
    >>> worker_thread_env(2)["NUMBA_NUM_THREADS"]
    '2'

    With Dask (the cluster is the user's; the package never starts one)::

        from dask.distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=4, threads_per_worker=1, env=worker_thread_env(1))
        client = Client(cluster)
    """
    n_threads = int(n_threads)
    if n_threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {n_threads}.")
    return {name: str(n_threads) for name in _THREAD_VARIABLES}
