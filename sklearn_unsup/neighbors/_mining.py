"""Neighbor mining (SCAN, TLDR, SwAV/SeLa/DeepCluster views): exact kNN kernel, or an IVF index for large n."""

import numpy as np
from sklearn.utils import check_random_state

from .._kernels import knn_search

__all__ = ["mine_neighbors", "AUTO_EXACT_MAX_ROWS", "ALGORITHMS"]

# Exact search costs O(n^2 d) (about 20 s at 200k x 32 on two cores); above that
# "auto" uses the IVF index (benchmarks/bench_scaling.py: recall@10 .97 at 1M x 32
# in under a minute, where pynndescent's defaults reached .47).
AUTO_EXACT_MAX_ROWS = 200_000
ALGORITHMS = ("auto", "exact", "ivf", "nndescent")

_NNDESCENT_METRIC = {"euclidean": "euclidean", "sqeuclidean": "euclidean", "cosine": "cosine",
                     "inner_product": "dot"}


def mine_neighbors(X, n_neighbors, *, metric="euclidean", algorithm="auto", random_state=None):
    """Each row's ``n_neighbors`` nearest other rows of X (the row itself left out).

    The one entry point of the estimators that train on neighbor pairs.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Rows.
    n_neighbors : int
        At most ``n - 1``.
    metric : {"euclidean", "sqeuclidean", "cosine", "inner_product"}, default="euclidean"
        Distance (or similarity) that ranks the neighbors.
    algorithm : {"auto", "exact", "ivf", "nndescent"}, default="auto"
        ``"exact"``: the tiled numba kernel (O(n^2 d) time, O(n k) memory).
        ``"ivf"``: approximate, an inverted-file index (k-means cells, each
        cell's rows compared with the rows of its nearest cells); the number
        of cells searched is chosen so that the recall@k estimated on 1,000
        sampled rows is at least 0.96 (see :func:`kneighbors`).
        ``"nndescent"``: approximate, pynndescent's NN-descent (W. Dong, M.
        Charikar and K. Li, WWW 2011); for ``"inner_product"`` it uses
        pynndescent's ``"dot"`` distance (exact ranking for L2-normalised
        rows). ``"auto"``: exact up to 200,000 rows, IVF above.
    random_state : int, RandomState instance or None, default=None
        Seeds the IVF index's k-means sample and NN-descent's random
        projections and initial graph (the exact search draws nothing).

    Returns
    -------
    indices : ndarray of shape (n, n_neighbors), int64
        Row indices of each row's neighbors, nearest first.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.neighbors import mine_neighbors
    >>> mine_neighbors(np.array([[0.0], [1.0], [3.0], [10.0]]), 1).ravel().tolist()
    [1, 0, 1, 2]
    """
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    n = X32.shape[0]
    k = int(n_neighbors)
    if not 1 <= k <= n - 1:
        raise ValueError(f"n_neighbors={n_neighbors} must be between 1 and n_samples - 1 = {n - 1}.")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(map(repr, ALGORITHMS))}, got {algorithm!r}.")
    if algorithm == "auto":
        algorithm = "exact" if n <= AUTO_EXACT_MAX_ROWS else "ivf"
    if algorithm == "exact":
        return knn_search(X32, k, metric=metric, exclude_self=True)[1]
    if algorithm == "ivf":
        from .._kernels._ivf import ivf_search

        return ivf_search(X32, k, metric=metric, exclude_self=True, random_state=check_random_state(random_state))[1]
    from pynndescent import NNDescent

    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    index = NNDescent(X32, metric=_NNDESCENT_METRIC[metric], n_neighbors=min(k + 1, n),
                      random_state=seed, low_memory=True, compressed=True)
    ind = index.neighbor_graph[0].astype(np.int64)
    # drop each row's own index (usually the first column; the last one if it was pushed out by duplicates)
    out = np.empty((n, k), dtype=np.int64)
    rows = np.arange(n)
    is_self = ind == rows[:, None]
    has_self = is_self.any(axis=1)
    keep = ~is_self
    keep[~has_self, -1] = False
    out[:] = ind[keep].reshape(n, -1)[:, :k]
    missing = np.flatnonzero((out < 0).any(axis=1))  # NN-descent left a row short of neighbours
    if missing.size:
        found = knn_search(X32, min(k + 1, n), query=X32[missing], metric=metric)[1]
        for r, i in enumerate(missing):
            out[i] = found[r][found[r] != i][:k]
    return out
