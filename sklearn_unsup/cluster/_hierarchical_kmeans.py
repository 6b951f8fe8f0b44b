"""Hierarchical k-means with resampling (the clustering behind automatic data curation).

The balanced sampling over its hierarchy is :func:`~sklearn_unsup.cluster.balanced_subsample` (``_curation.py``).
"""

import math
from numbers import Integral as _Int

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state

from .._kernels import assign_labels, kmeans_plusplus, lloyd, pairwise_sq_euclidean
from .._kernels._minibatch_kmeans import minibatch_steps
from ..base import BaseEstimator
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["HierarchicalKMeans"]


def _kmeans(X, k, rng, max_iter, batch_size=None):
    """Greedy k-means++ then Lloyd (numba kernels); returns the centres and the iterations (or mini-batch steps).

    With a ``batch_size``, k-means++ runs on ``max(3 * batch_size, 3 * k)`` random rows (as scikit-learn's
    MiniBatchKMeans seeds) and mini-batch steps follow, ``8 * max_iter`` rows per centre on average.
    """
    if batch_size is None:
        centers, _ = kmeans_plusplus(X, k, rng)
        centers, _, _, n_iter = lloyd(X, centers, max_iter=max_iter)
        return centers, n_iter
    n = len(X)
    init = np.sort(rng.choice(n, min(n, max(3 * batch_size, 3 * k)), replace=False))
    centers, _ = kmeans_plusplus(np.ascontiguousarray(X[init]), k, rng)
    return minibatch_steps(X, centers, rng, batch_size=batch_size, max_steps=-(-8 * max_iter * k // batch_size))


def _nearest_center(X, centers, block=1 << 16):
    """Nearest centre and squared distance, ``block`` rows at a time (the kernel copies its input twice)."""
    if len(X) <= block:
        return assign_labels(X, centers)
    labels, sq = np.empty(len(X), dtype=np.int64), np.empty(len(X))
    for start in range(0, len(X), block):
        labels[start:start + block], sq[start:start + block] = assign_labels(X[start:start + block], centers)
    return labels, sq


def _closest_first(labels, sq_dist, k):
    """Row indices grouped by cluster (each group sorted by distance to its centre) and the group offsets."""
    order = np.lexsort((sq_dist, labels))
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return order, bounds


class HierarchicalKMeans(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Multi-level k-means with resampling steps (the clustering behind automatic data curation).

    Level 1 clusters the rows; level ``l`` clusters the centres of level
    ``l - 1``. At each level, after a first k-means (greedy k-means++ and
    Lloyd), ``n_resamples`` resampling steps follow: take the
    ``sample_sizes[l]`` points of each cluster closest to its centre (or a
    random sample of them), run k-means from scratch on that sample only, and
    reassign all the level's points to the new centres. Dense regions of the
    space then no longer attract most of the centres: the centres spread more
    uniformly over the concepts, which is what :func:`balanced_subsample` needs
    to draw a subset balanced across concepts from a long-tailed pool.

    ``predict`` and ``transform`` use the level-1 centres (the nearest centre,
    and the Euclidean distances to all of them), so a row's output never
    depends on the other rows of the call.

    Parameters
    ----------
    n_clusters : "auto", int or tuple of int, default="auto"
        Clusters per level, level 1 (the rows) first; strictly decreasing. An
        int is a single level. ``"auto"``: ``k1 = round(sqrt(n_samples))``,
        then levels of a fifth of the one below (the ratio of the authors'
        two-level configuration) as long as they keep at least 100 clusters:
        one level below 250,000 rows (141 clusters for 20,000), 1,000 / 200
        for 10^6. A top level coarser than the concepts of the data spreads
        the budget of :func:`balanced_subsample` over topics that mix them
        (the authors' top levels have 300 to 10,000 clusters): on a
        long-tailed pool of 2,287 sentence embeddings, the former default
        (48, 7) gave a subset whose kNN classifier did worse than a random
        subset's, one level of 48 better (figures in the benchmarks).
    n_resamples : int, default=5
        Resampling steps per level (the authors use 10). 0 is plain
        hierarchical k-means.
    sample_sizes : "auto", int or tuple of int, default="auto"
        Points taken from each cluster in a resampling step, per level (an int
        applies to every level). ``"auto"`` is half the level's average cluster
        size (the authors' rule of thumb), at least 1. A level whose sample
        size is 1 is not resampled (k-means on one point per cluster would
        return that sample).
    resample_strategy : {"closest", "random"}, default="closest"
        Which points of each cluster make the resampling sample: those closest
        to its centre, or a random subset.
    max_iter : int, default=50
        Lloyd iterations of every k-means run (they stop earlier at
        scikit-learn's tolerance, ``1e-4`` of the mean feature variance). A
        mini-batch run draws batches until it has seen ``8 * max_iter`` rows
        per centre on average.
    minibatch_threshold : int or None, default=50_000
        A level with more rows than this (in practice level 1 of a large data
        set) runs mini-batch k-means (Sculley 2010) instead of Lloyd, for its
        first k-means and its resampling steps: k-means++ on
        ``max(3 * batch_size, 3 * k)`` random rows, then mini-batch updates,
        then one pass assigning all rows. Each run then costs about two
        passes over the rows instead of up to ``max_iter`` plus k-means++
        over all of them. ``None``: always Lloyd.
    batch_size : int, default=4096
        Rows per mini-batch step.
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means++ draws and the random resampling.

    Attributes
    ----------
    n_clusters_per_level_ : tuple of int
        Clusters at each level (resolved from ``"auto"``).
    sample_sizes_ : tuple of int
        Resampling sample size used at each level.
    cluster_centers_ : ndarray of shape (n_clusters_per_level_[0], n_features)
        Level-1 centres (used by ``predict`` and ``transform``).
    cluster_centers_per_level_ : list of ndarray
        Centres of each level; level ``l`` has shape
        ``(n_clusters_per_level_[l], n_features)``.
    labels_ : ndarray of shape (n_samples,)
        Level-1 cluster of each training row.
    labels_per_level_ : list of ndarray of shape (n_samples,)
        Cluster of each training row at each level (a row's level-``l``
        cluster is the level-``l`` cluster of its level-``l - 1`` centre).
    parents_per_level_ : list of ndarray
        ``parents_per_level_[l][j]`` is the level-``l + 1`` cluster of the
        level-``l`` centre ``j`` (one entry fewer than the levels).
    inertia_ : float
        Sum of squared distances of the training rows to their level-1 centres.
    n_iter_ : int
        Lloyd iterations (mini-batch steps on a mini-batch level) summed over
        every k-means run (first runs and resampling steps) of every level.
    minibatch_per_level_ : tuple of bool
        Whether each level ran mini-batch k-means (more rows than
        ``minibatch_threshold``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    balanced_subsample : Row indices balanced across the fitted hierarchy.
    sklearn.cluster.KMeans : One level, no resampling.

    References
    ----------
    .. [1] H. V. Vo, V. Khalidov, T. Darcet, T. Moutakanni, N. Smetanin,
       M. Szafraniec, H. Touvron, C. Couprie, M. Oquab, A. Joulin, H. Jégou,
       P. Labatut and P. Bojanowski, "Automatic Data Curation for
       Self-Supervised Learning: A Clustering-Based Approach", TMLR 2024,
       arXiv:2405.15613.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.cluster import HierarchicalKMeans
    >>> X = np.random.RandomState(0).normal(size=(500, 4))
    >>> hkm = HierarchicalKMeans(n_clusters=(20, 4), random_state=0).fit(X)
    >>> [c.shape for c in hkm.cluster_centers_per_level_]
    [(20, 4), (4, 4)]
    >>> bool(np.all(hkm.predict(X) == hkm.labels_))
    True
    """

    _parameter_constraints: dict = {
        "n_clusters": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), tuple, list],
        "n_resamples": [Interval(Integral, 0, None, closed="left")],
        "sample_sizes": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), tuple, list],
        "resample_strategy": [StrOptions({"closest", "random"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "minibatch_threshold": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters="auto", *, n_resamples=5, sample_sizes="auto", resample_strategy="closest",
                 max_iter=50, minibatch_threshold=50_000, batch_size=4096, random_state=None):
        self.n_clusters = n_clusters
        self.n_resamples = n_resamples
        self.sample_sizes = sample_sizes
        self.resample_strategy = resample_strategy
        self.max_iter = max_iter
        self.minibatch_threshold = minibatch_threshold
        self.batch_size = batch_size
        self.random_state = random_state

    def _levels(self, n):
        if isinstance(self.n_clusters, str):
            ks = [max(1, round(math.sqrt(n)))]
            while ks[-1] // 5 >= 100:
                ks.append(ks[-1] // 5)
            ks = tuple(ks)
        else:
            ks = (self.n_clusters,) if isinstance(self.n_clusters, _Int) else tuple(self.n_clusters)
            if not ks or not all(isinstance(k, _Int) and not isinstance(k, bool) and k >= 1 for k in ks):
                raise ValueError(
                    f"n_clusters must be 'auto', a positive int or a tuple of them, got {self.n_clusters!r}.")
            ks = tuple(int(k) for k in ks)
            if any(b >= a for a, b in zip(ks, ks[1:])):
                raise ValueError(f"n_clusters must strictly decrease from level 1 upwards, got {ks}.")
            if ks[0] > n:
                raise ValueError(f"n_samples={n} should be >= n_clusters={ks[0]} (the first level).")
        sizes = [n] + list(ks[:-1])  # points clustered at each level
        if isinstance(self.sample_sizes, str):
            ss = tuple(max(1, (m // k) // 2) for m, k in zip(sizes, ks))
        else:
            ss = (self.sample_sizes,) * len(ks) if isinstance(self.sample_sizes, _Int) else tuple(self.sample_sizes)
            if len(ss) != len(ks) or not all(isinstance(s, _Int) and not isinstance(s, bool) and s >= 1
                                             for s in ss):
                raise ValueError(f"sample_sizes must be 'auto', a positive int or one positive int per level "
                                 f"({len(ks)} levels), got {self.sample_sizes!r}.")
            ss = tuple(int(s) for s in ss)
        return ks, ss

    def _fit_level(self, X, k, sample_size, rng):
        mb = self.minibatch_threshold is not None and len(X) > self.minibatch_threshold
        batch = self.batch_size if mb else None
        centers, n_iter = _kmeans(X, k, rng, self.max_iter, batch)
        labels, sq = _nearest_center(X, centers)
        if sample_size <= 1:
            return centers, labels, sq, n_iter
        for _ in range(self.n_resamples):
            key = sq if self.resample_strategy == "closest" else rng.random_sample(len(labels))
            order, bounds = _closest_first(labels, key, k)
            take = np.concatenate([order[bounds[j]: min(bounds[j + 1], bounds[j] + sample_size)] for j in range(k)])
            if len(take) < k:  # clusters emptied by the last reassignment: too few points to resample
                break
            centers, it = _kmeans(np.ascontiguousarray(X[np.sort(take)]), k, rng, self.max_iter, batch)
            n_iter += it
            labels, sq = _nearest_center(X, centers)
        return centers, labels, sq, n_iter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cluster the rows, then the centres, level by level, with resampling.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : HierarchicalKMeans
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C")
        ks, ss = self._levels(X.shape[0])
        rng = check_random_state(self.random_state)
        points = X
        centers_per_level, labels_per_level, parents = [], [], []
        self.n_iter_ = 0
        for level, (k, s) in enumerate(zip(ks, ss)):
            centers, labels, sq, n_iter = self._fit_level(points, k, s, rng)
            self.n_iter_ += n_iter
            if level == 0:
                row_labels, self._row_sq_dist = labels, sq
            else:
                parents.append(labels)
                row_labels = labels[labels_per_level[-1]]
            centers_per_level.append(centers)
            labels_per_level.append(row_labels)
            points = centers
        self.n_clusters_per_level_ = tuple(len(c) for c in centers_per_level)
        self.minibatch_per_level_ = tuple(self.minibatch_threshold is not None and m > self.minibatch_threshold
                                          for m in (X.shape[0], *ks[:-1]))
        self.sample_sizes_ = ss
        self.cluster_centers_per_level_ = centers_per_level
        self.cluster_centers_ = centers_per_level[0]
        self.labels_per_level_ = labels_per_level
        self.labels_ = labels_per_level[0]
        self.parents_per_level_ = parents
        self.inertia_ = float(self._row_sq_dist.sum())
        self._n_features_out = self.n_clusters_per_level_[0]
        return self

    def predict(self, X):
        """Nearest level-1 centre of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        return _nearest_center(X, self.cluster_centers_.astype(X.dtype, copy=False))[0]

    def transform(self, X):
        """Euclidean distance of each row to each level-1 centre.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters_per_level_[0])
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        return np.sqrt(pairwise_sq_euclidean(X, self.cluster_centers_.astype(X.dtype)))

    def fit_predict(self, X, y=None):
        """Fit and return the level-1 labels of the training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X).labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
