"""Balanced subsampling over a hierarchical k-means clustering (automatic data curation).

The pool may be a NumPy array or a dask array larger than memory: the hierarchy is then fitted on a sample and the
pool's rows are assigned to it block by block, so only one label and one distance per row are ever held.
"""

from numbers import Integral as _Int

import numpy as np
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import check_is_fitted
from ._hierarchical_kmeans import HierarchicalKMeans, _closest_first, _nearest_center

__all__ = ["balanced_subsample"]


def _water_fill(sizes, budget, rng):
    """Split ``budget`` over groups of the given sizes as evenly as they allow.

    ``t`` is the largest integer with ``sum(min(t, sizes)) <= budget``; each
    group gets ``min(t, size)`` and the remainder goes, one each, to randomly
    chosen groups larger than ``t``. Requires ``budget <= sum(sizes)``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if budget >= sizes.sum():
        return sizes.copy()
    s = np.sort(sizes)
    # sum(min(t, s)) for t = s[i]: prefix sum below plus t times the groups at or above
    below = np.concatenate([[0], np.cumsum(s)[:-1]])
    at = below + s * (len(s) - np.arange(len(s)))
    i = int(np.searchsorted(at, budget, side="right"))  # groups s[:i] are filled whole
    base = int(below[i]) if i < len(s) else int(s.sum())
    t = (budget - base) // (len(s) - i)
    out = np.minimum(sizes, t)
    remainder = int(budget - out.sum())
    if remainder:
        out[rng.choice(np.flatnonzero(sizes > t), remainder, replace=False)] += 1
    return out


def _is_dask_array(X):
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "map_blocks")


def _assign_pool(X, hkm):
    """Level-1 labels and squared distances of the pool's rows under a fitted hierarchy (dask: block by block)."""
    n_features = hkm.n_features_in_
    if not _is_dask_array(X):
        X = check_array(X, dtype=[np.float64, np.float32])
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1] if X.ndim == 2 else 'no'} features per row, but the "
                         f"hierarchy was fitted on {n_features}.")
    centers = hkm.cluster_centers_

    def assign(block):
        block = check_array(block, dtype=[np.float64, np.float32], order="C")
        labels, sq = _nearest_center(block, centers.astype(block.dtype, copy=False))
        # one float64 array per block so that the assignment runs once; labels < 2**53 stay exact
        return np.column_stack([labels.astype(np.float64), sq])

    if _is_dask_array(X):
        if X.chunks[1] != (n_features,):
            X = X.rechunk({1: -1})
        out = X.map_blocks(assign, chunks=(X.chunks[0], (2,)), dtype=np.float64).compute()
    else:
        out = assign(X)
    return out[:, 0].astype(np.int64), out[:, 1]


def balanced_subsample(X, n_samples, *, hierarchy=None, strategy="random", random_state=None):
    """Row indices of a subset balanced across a hierarchical k-means clustering.

    The budget is split top-down: over the top-level clusters by water-filling
    on their row counts (every cluster gets ``min(t, size)`` rows for the
    largest such ``t`` that fits, the remainder goes one row each to random
    clusters larger than ``t``), then each cluster's share over its child
    clusters the same way, down to level 1, where the rows are drawn at random
    or closest to their centre. Small clusters (rare concepts) are kept whole
    and large ones (dominant concepts) are capped, so the subset is more
    balanced across concepts than a uniform sample of the pool.

    Parameters
    ----------
    X : fitted HierarchicalKMeans, array-like or dask array of shape (n_samples_pool, n_features)
        The pool. A fitted :class:`HierarchicalKMeans` samples from the rows
        it was fitted on. Rows without ``hierarchy`` are first clustered by
        ``HierarchicalKMeans`` with its defaults and ``random_state``. Rows
        with ``hierarchy`` are assigned to that fitted hierarchy (nearest
        level-1 centre, then its parents); a dask array is assigned block by
        block on its scheduler, so the pool need not fit in memory.
    n_samples : int
        Size of the subset, at most the number of rows (no row is repeated).
    hierarchy : fitted HierarchicalKMeans, default=None
        A hierarchy fitted beforehand, typically on a random sample of a pool
        too large to cluster whole (the paper fits its levels on the pool;
        on a 100,000-row pool a 10% sample, about 32 rows per level-1
        cluster, gave subsets as balanced with the default levels and
        slightly less balanced with two levels). Only with rows as ``X``.
    strategy : {"random", "closest"}, default="random"
        How the rows are picked inside each level-1 cluster.
    random_state : int, RandomState instance or None, default=None
        Seeds the remainder spreading, the random picks (and the clustering
        when ``X`` is an array and ``hierarchy`` is None).

    Returns
    -------
    indices : ndarray of shape (n_samples,)
        Sorted row indices of the subset, into the pool's rows.

    References
    ----------
    .. [1] H. V. Vo et al., "Automatic Data Curation for Self-Supervised
       Learning: A Clustering-Based Approach", TMLR 2024, arXiv:2405.15613.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.cluster import HierarchicalKMeans, balanced_subsample
    >>> X = np.random.RandomState(0).normal(size=(400, 3))
    >>> balanced_subsample(X, 50, random_state=0).shape
    (50,)

    A pool too large to cluster whole: fit the hierarchy on a sample, then
    assign the pool (a dask array works the same way, block by block).

    >>> hkm = HierarchicalKMeans(10, random_state=0).fit(X[:200])
    >>> balanced_subsample(X, 50, hierarchy=hkm, random_state=0).shape
    (50,)
    """
    if strategy not in ("random", "closest"):
        raise ValueError(f"strategy must be 'random' or 'closest', got {strategy!r}.")
    rng = check_random_state(random_state)
    if isinstance(X, HierarchicalKMeans):
        if hierarchy is not None:
            raise ValueError("Pass either a fitted HierarchicalKMeans as X or rows with hierarchy=, not both.")
        check_is_fitted(X)
        hkm = X
        row_labels, row_sq = hkm.labels_, hkm._row_sq_dist
    elif hierarchy is not None:
        if not isinstance(hierarchy, HierarchicalKMeans):
            raise TypeError(f"hierarchy must be a fitted HierarchicalKMeans, got {type(hierarchy).__name__}.")
        check_is_fitted(hierarchy)
        hkm = hierarchy
        row_labels, row_sq = _assign_pool(X, hkm)
    else:
        if _is_dask_array(X):
            raise ValueError("A dask array needs a hierarchy fitted beforehand (hierarchy=), e.g. on a sample of "
                             "its rows: clustering the whole pool would load it into memory.")
        hkm = HierarchicalKMeans(random_state=rng).fit(X)
        row_labels, row_sq = hkm.labels_, hkm._row_sq_dist
    n = len(row_labels)
    if isinstance(n_samples, bool) or not isinstance(n_samples, _Int) or not 0 <= n_samples <= n:
        raise ValueError(f"n_samples must be an int in [0, {n}] (the number of clustered rows), got {n_samples!r}.")
    levels = [row_labels]
    for parent in hkm.parents_per_level_:
        levels.append(parent[levels[-1]])
    # budget per cluster, top level first: the root's budget over all top-level clusters
    top = len(levels) - 1
    budget = _water_fill(np.bincount(levels[top], minlength=hkm.n_clusters_per_level_[top]), int(n_samples), rng)
    for level in range(top - 1, -1, -1):
        sizes = np.bincount(levels[level], minlength=hkm.n_clusters_per_level_[level])
        parent = hkm.parents_per_level_[level]
        child = np.zeros(len(sizes), dtype=np.int64)
        for p in np.flatnonzero(budget):
            members = np.flatnonzero(parent == p)
            child[members] = _water_fill(sizes[members], int(budget[p]), rng)
        budget = child
    key = row_sq if strategy == "closest" else rng.random_sample(n)
    order, bounds = _closest_first(levels[0], key, len(budget))
    picked = [order[bounds[j]: bounds[j] + budget[j]] for j in np.flatnonzero(budget)]
    return np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.int64)
