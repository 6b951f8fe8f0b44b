"""Dense multicut clustering without k (ClusterFuG): greedy edge contraction on inner-product costs."""

import numpy as np
from sklearn.base import ClusterMixin

from .._kernels import knn_search, l2_normalize
from .._kernels._multicut import gaec_contract, most_attractive
from ..base import BaseEstimator
from ..neighbors._mining import ALGORITHMS, AUTO_EXACT_MAX_ROWS, mine_neighbors
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["DenseMulticut"]

_AUTO_EXACT_MAX_CLUSTERS = 50_000


class DenseMulticut(ClusterMixin, BaseEstimator):
    """Clustering by a multicut of the complete graph with inner-product costs: no number of clusters to set.

    Every pair of rows gets the cost ``<f_i, f_j> - offset`` (attractive when
    positive), and the clustering maximises the total cost inside clusters
    (equivalently, the multicut minimises the cost of the pairs it separates)
    over all partitions, so the number of clusters is an output. The costs
    factorise: a cluster A carries the sum ``F_A`` of its rows' features, and
    the cost of joining clusters A and B is ``<F_A, F_B> - offset |A| |B|``, so
    the complete graph is never stored. With L2-normalised rows (the default)
    two single rows attract each other when their cosine similarity exceeds
    ``offset``, and two clusters when their mean rows' inner product does.

    The solver is greedy additive edge contraction (GAEC) made dense, as in
    ClusterFuG [1]_: candidate edges come from each row's ``n_neighbors``
    most attractive rows (exact search, or the IVF index above 200,000 rows); the
    most attractive candidate pair is joined repeatedly (a numba kernel; a
    pair whose cost changed since it was queued is re-queued at its current
    cost when its old entry reaches the top), a joined cluster keeping the
    ``n_neighbors`` most attractive of its parts' candidates (the cost is
    additive, ``c(A + B, C) = c(A, C) + c(B, C)``, the incremental
    neighbour update of [1]_'s DGAECInc). When no positive candidate is left,
    the nearest neighbours of the current clusters are searched again by
    their exact joining cost (the re-check of [1]_) and contraction goes on,
    until a search finds no positive edge. Memory is O(n (n_neighbors +
    n_features)).

    ``predict`` puts a new row in the cluster it is most attracted to,
    ``argmax_A <f, F_A> - offset |A|`` (it never opens a new cluster); each
    row's label depends on that row only.

    Parameters
    ----------
    offset : float, default=0.5
        Affinity offset ``a`` subtracted from every pair's inner product.
        Higher gives more, smaller clusters. With ``normalize=True`` it is a
        cosine-similarity threshold in [-1, 1]. Choose it label-free with
        ``GridSearchCV`` and
        ``make_stability_scorer(reference="fit", subsample=0.5,
        n_resamples=4, min_cluster_size=10, max_cluster_share=0.5)`` of
        :mod:`sklearn_unsup.metrics` (agreement with refits on random halves
        times the share of rows in clusters of 10 or more; see the user
        guide); the silhouette is a poor guide here, as it favours one giant
        cluster or many singletons.
    n_neighbors : int, default=10
        Candidate neighbours per row and per cluster (``k`` and ``k_cap`` of
        [1]_); capped at ``n_samples - 1``.
    normalize : bool, default=True
        Scale rows to unit L2 norm first (embeddings compared by cosine, as
        in [1]_'s image clustering); False uses the raw inner product.
    algorithm : {"auto", "exact", "ivf", "nndescent"}, default="auto"
        Neighbour search of the rows (and of the clusters): exact tiled numba
        kernel, the approximate IVF index or NN-descent (pynndescent);
        ``"auto"`` is exact up to 200,000 rows, IVF above (clusters are
        re-searched exactly up to 50,000 clusters).
    max_iter : int, default=20
        Maximum rounds of neighbour search followed by contraction.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate neighbour search (the exact search and the contraction draw nothing).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row, 0 .. ``n_clusters_ - 1`` by decreasing
        size.
    n_clusters_ : int
        Number of clusters found.
    feature_sums_ : ndarray of shape (`n_clusters_`, n_features)
        ``F_A``, the sum of each cluster's (normalised) rows.
    cluster_sizes_ : ndarray of shape (`n_clusters_`,)
        Rows per cluster.
    cluster_centers_ : ndarray of shape (`n_clusters_`, n_features)
        Mean (normalised) row of each cluster, ``F_A / |A|``.
    multicut_cost_ : float
        Total cost of the pairs of rows in different clusters (the multicut
        objective, lower is better).
    n_iter_ : int
        Rounds of neighbour search and contraction run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.AgglomerativeClustering : Linkage clustering, with a
        ``distance_threshold`` instead of a number of clusters.
    sklearn.cluster.HDBSCAN : Density clustering without a number of clusters.

    References
    ----------
    .. [1] A. Abbas and P. Swoboda, "ClusterFuG: Clustering Fully connected
       Graphs by Multicut", ICML 2023.
    .. [2] M. Keuper, E. Levinkov, N. Bonneel, G. Lavoue, T. Brox and
       B. Andres, "Efficient decomposition of image and mesh graphs by lifted
       multicuts", ICCV 2015 (greedy additive edge contraction).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.cluster import DenseMulticut
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal([5, 0], 0.5, (20, 2)), rng.normal([0, 5], 0.5, (20, 2))]
    >>> mc = DenseMulticut(offset=0.5).fit(X)
    >>> mc.n_clusters_
    2
    >>> mc.predict([[4.0, 0.5], [0.5, 6.0]]).tolist() == mc.labels_[[0, 20]].tolist()
    True
    """

    _parameter_constraints: dict = {
        "offset": [Real],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, offset=0.5, *, n_neighbors=10, normalize=True, algorithm="auto", max_iter=20,
                 random_state=None):
        self.offset = offset
        self.n_neighbors = n_neighbors
        self.normalize = normalize
        self.algorithm = algorithm
        self.max_iter = max_iter
        self.random_state = random_state

    def _features(self, X):
        X = np.asarray(X, dtype=np.float64)
        return l2_normalize(X) if self.normalize else X

    def _cluster_neighbors(self, F, sizes, k, first, n_rows):
        """Each node's ``k`` most attractive other nodes (exact joining cost; approximate on means when large)."""
        m = F.shape[0]
        # the exact re-search of clusters costs O(m^2 d): when the rows themselves were searched approximately
        # (more than AUTO_EXACT_MAX_ROWS), "auto" keeps it to 50,000 clusters (1,000,000 blob rows left ~10^5
        # clusters after the first contraction: 99 s of a 157 s fit); below that the re-search stays exact
        limit = AUTO_EXACT_MAX_ROWS if first or n_rows <= AUTO_EXACT_MAX_ROWS else _AUTO_EXACT_MAX_CLUSTERS
        exact = self.algorithm == "exact" or (self.algorithm == "auto" and m <= limit)
        if first or not exact:
            approx = "nndescent" if self.algorithm == "nndescent" else "ivf"
            means = (F / sizes[:, None]).astype(np.float32)
            return mine_neighbors(means, k, metric="inner_product", algorithm="exact" if exact else approx,
                                  random_state=self.random_state)
        # <[F_A, -a|A|], [F_B, |B|]> is the cost of joining A and B: a maximum-inner-product search
        base = np.c_[F, sizes].astype(np.float32)
        query = np.c_[F, -float(self.offset) * sizes].astype(np.float32)
        ind = knn_search(base, min(k + 1, m), query=query, metric="inner_product")[1]
        out = np.empty((m, k), dtype=np.int64)
        for i in range(m):
            row = ind[i][ind[i] != i]
            out[i] = row[:k]
        return out

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cluster the rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : DenseMulticut
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C")
        Z = self._features(X)
        n = Z.shape[0]
        offset = float(self.offset)
        F, sizes = Z.copy(), np.ones(n)
        labels = np.arange(n)
        k = min(self.n_neighbors, n - 1)
        self.n_iter_ = 0
        for it in range(self.max_iter):
            if F.shape[0] < 2:
                break
            nbr = self._cluster_neighbors(F, sizes, min(k, F.shape[0] - 1), first=it == 0, n_rows=n)
            roots, n_merges = gaec_contract(F, sizes, nbr, offset, k, exact=False)  # lazy re-queue: O(k) per join
            self.n_iter_ = it + 1
            keep, inverse = np.unique(roots, return_inverse=True)
            labels = inverse.reshape(-1)[labels]
            F, sizes = F[keep], sizes[keep]
            if n_merges == 0 and it > 0:
                break
        order = np.lexsort((np.arange(len(sizes)), -sizes))  # largest cluster first
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.labels_ = rank[labels]
        self.feature_sums_ = F[order]
        self.cluster_sizes_ = sizes[order]
        self.cluster_centers_ = self.feature_sums_ / self.cluster_sizes_[:, None]
        self.n_clusters_ = len(order)
        self.multicut_cost_ = self._cut_cost(Z, offset)
        return self

    def _cut_cost(self, Z, offset):
        """Sum over separated pairs of ``<f_i, f_j> - offset``: all pairs minus the pairs inside clusters."""
        sq = float(np.einsum("ij,ij->", Z, Z))
        total = Z.sum(axis=0)
        n = Z.shape[0]
        all_pairs = (float(total @ total) - sq) / 2 - offset * n * (n - 1) / 2
        s = self.cluster_sizes_
        inside = (float(np.einsum("ij,ij->", self.feature_sums_, self.feature_sums_)) - sq) / 2
        inside -= offset * float(np.sum(s * (s - 1))) / 2
        return all_pairs - inside

    def predict(self, X):
        """The cluster each row is most attracted to, ``argmax_A <f, F_A> - offset |A|``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New rows (normalised like the training rows when ``normalize``).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of each row's most attractive cluster (never a new one).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        Z = self._features(X)
        return most_attractive(Z, self.feature_sums_, float(self.offset) * self.cluster_sizes_)
