"""Graph degree linkage (AGDL): agglomerative clustering on a sparse directed kNN graph, JULE's clusterer."""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.base import ClusterMixin

from .._kernels import knn_search, l2_normalize
from .._kernels._gdl import agdl_merge
from ..base import BaseEstimator
from ..utils._sklearn_compat import Integral, Interval, _fit_context, validate_data

__all__ = ["GraphDegreeLinkage"]

# JULE's code uses the K_c term of the merge score only while more than this many clusters are left
_KC_MIN_CLUSTERS = 100


class GraphDegreeLinkage(ClusterMixin, BaseEstimator):
    """Agglomerative clustering by graph degree linkage (AGDL), the clusterer inside JULE.

    Rows are the vertices of a directed k-nearest-neighbour graph with weights
    ``w_ij = exp(-d_ij^2 / sigma^2)`` for j among the ``n_neighbors`` nearest
    rows of i (squared euclidean distances, of L2-normalised rows by default;
    ``sigma^2`` is the mean squared neighbour distance, doubled while some
    row's nearest neighbour would get a weight below 1e-5, as in the authors'
    toolbox). The initial clusters are the connected components of the
    first-nearest-neighbour links. The directed affinity of cluster a to
    cluster b is the average product of in- and out-degree of b's vertices
    with respect to a, ``A(a -> b) = 1^T W_ab W_ba 1 / |a|^2``, and the linkage
    is ``A(a, b) = A(a -> b) + A(b -> a)`` [1]_. Clusters are merged until
    ``n_clusters`` are left; JULE's criterion [2]_ merges the cluster b whose
    nearest cluster a stands out most from b's other ``k_c`` nearest,
    ``A(b, a) + sum_{k=2..k_c} (A(b, a) - A(b, a_k)) / (k_c - 1)``, while
    more than 100 clusters are left (JULE's code), and the pair of largest
    linkage after that.

    The weights live in a sparse matrix (O(n n_neighbors) memory, never
    n x n) and only linkages between touching clusters are stored; a merge
    updates them exactly in a numba kernel (small-to-large, so 20,000 rows take
    seconds). The exact k-NN search is the package's tiled kernel. The method
    draws no random numbers: one fit per data set.

    If the graph falls apart into more pieces than ``n_clusters`` (no
    linkage left between them, for example far-apart groups of duplicates),
    the remaining clusters are merged by the distance between their mean
    (normalised) rows, closest first, and those merges get linkage 0 in
    ``linkages_``. If the first-neighbour components are fewer than
    ``n_clusters`` (tiny data), every row starts as its own cluster. There is
    no ``predict``: use ``fit_predict``.

    Parameters
    ----------
    n_clusters : int, default=2
        Number of clusters to find. At most ``n_samples``.
    n_neighbors : int, default=20
        Neighbours per row in the graph (``K_s`` of [2]_, ``K`` of [1]_);
        capped at ``n_samples - 1``.
    k_c : int, default=5
        Neighbouring clusters compared in JULE's merge score (``K_c``); 1
        merges the pair of largest linkage throughout (the plain AGDL of [1]_).
    normalize : bool, default=True
        Scale rows to unit L2 norm first, as JULE does with its features.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row, 0 .. ``n_clusters_ - 1`` by decreasing
        size.
    n_clusters_ : int
        Number of clusters found (always ``n_clusters``).
    initial_labels_ : ndarray of shape (n_samples,)
        Initial cluster of each row (components of the first-neighbour
        links, or the rows themselves when those are too few), 0 ..
        ``n_initial_clusters_ - 1``.
    n_initial_clusters_ : int
        Number of initial clusters.
    children_ : ndarray of shape (n_merges, 2)
        The merge history, scikit-learn's ``children_`` convention over the
        initial clusters instead of rows: ids below ``n_initial_clusters_``
        are initial clusters, and merge i creates node
        ``n_initial_clusters_ + i`` from ``children_[i]``. ``n_merges =
        n_initial_clusters_ - n_clusters_``.
    linkages_ : ndarray of shape (n_merges,)
        Linkage ``A(a, b)`` of each merged pair (0 for merges by mean rows).
    sigma2_ : float
        ``sigma^2`` of the graph weights.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.AgglomerativeClustering : Ward, average, complete and
        single linkage.
    sklearn_unsup.cluster.DenseMulticut : agglomerative clustering without a number of clusters.

    References
    ----------
    .. [1] W. Zhang, X. Wang, D. Zhao and X. Tang, "Graph Degree Linkage:
       Agglomerative Clustering on a Directed Graph", ECCV 2012.
    .. [2] J. Yang, D. Parikh and D. Batra, "Joint Unsupervised Learning of
       Deep Representations and Image Clusters", CVPR 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.cluster import GraphDegreeLinkage
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal([5, 0], 0.5, (30, 2)), rng.normal([0, 5], 0.5, (30, 2))]
    >>> gdl = GraphDegreeLinkage(n_clusters=2, n_neighbors=5).fit(X)
    >>> np.bincount(gdl.labels_).tolist()
    [30, 30]
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "k_c": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
    }

    def __init__(self, n_clusters=2, *, n_neighbors=20, k_c=5, normalize=True):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.k_c = k_c
        self.normalize = normalize

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Build the kNN graph and merge its initial clusters down to ``n_clusters``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : GraphDegreeLinkage
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C")
        n = X.shape[0]
        if self.n_clusters > n:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")
        Z = l2_normalize(np.asarray(X, dtype=np.float64)) if self.normalize else np.asarray(X, dtype=np.float64)
        if n == 1:
            self._set_result(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), 1,
                             np.empty((0, 2), dtype=np.int64), np.empty(0), 1.0)
            return self
        roots, init, n_init, children, links, sigma2 = self._agglomerate(Z)
        self._set_result(roots, init, n_init, children, links, sigma2)
        return self

    def _agglomerate(self, Z, init=None):
        """Merge the clusters ``init`` (None: the first-neighbour components) of rows Z down to ``n_clusters``.

        Z is used as given (no normalisation); JULE calls this with its current clusters on new features.
        Returns ``(roots, init, n_init, children, links, sigma2)``.
        """
        n = Z.shape[0]
        k = min(self.n_neighbors, n - 1)
        dist, ind = knn_search(Z, k, metric="sqeuclidean", exclude_self=True)
        dist = np.maximum(dist.astype(np.float64), 0.0)
        sigma2 = float(dist.mean())
        if not sigma2 > 0:
            sigma2 = 1.0  # every neighbour is a duplicate
        while np.any(np.exp(-dist[:, 0] / sigma2) < 1e-5):
            sigma2 *= 2.0
        W = sp.csr_matrix((np.exp(-dist / sigma2).ravel(), ind.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
        W.sum_duplicates()
        Wt = W.T.tocsr()
        if init is None:
            first = sp.csr_matrix((np.ones(n), ind[:, 0], np.arange(n + 1)), shape=(n, n))
            n_init, init = connected_components(first, directed=True, connection="weak")
            init = init.astype(np.int64)
            if n_init < self.n_clusters:  # too few components: every row starts alone
                n_init, init = n, np.arange(n, dtype=np.int64)
        else:
            init = np.unique(np.asarray(init), return_inverse=True)[1].reshape(-1).astype(np.int64)
            n_init = int(init.max()) + 1
        roots, children, links = agdl_merge(
            W.indptr.astype(np.int64), W.indices.astype(np.int64), W.data, Wt.indptr.astype(np.int64),
            Wt.indices.astype(np.int64), Wt.data, init, n_init, self.n_clusters, self.k_c, _KC_MIN_CLUSTERS)
        roots, children, links = self._merge_by_means(Z, roots, children, links, n_init)
        return roots, init, n_init, children, links, sigma2

    def _merge_by_means(self, Z, roots, children, links, n_init):
        """Merge clusters with no linkage left by the distance of their mean rows, closest first."""
        ids = np.unique(roots)
        if len(ids) <= self.n_clusters:
            return roots, children, links
        m = len(ids)
        inv = np.searchsorted(ids, roots)
        sizes = np.bincount(inv, minlength=m).astype(np.float64)
        means = np.zeros((m, Z.shape[1]))
        np.add.at(means, inv, Z)
        means /= sizes[:, None]
        cur_node = self._final_nodes(children, n_init, ids)
        D = ((means[:, None, :] - means[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(D, np.inf)
        alive = np.ones(m, dtype=bool)
        new_children, new_links = [children], [links]
        base = n_init + len(children)
        for _ in range(m - self.n_clusters):
            i, j = np.unravel_index(np.argmin(D), D.shape)
            i, j = min(i, j), max(i, j)
            new_children.append(np.array([[cur_node[i], cur_node[j]]], dtype=np.int64))
            new_links.append(np.zeros(1))
            cur_node[i] = base
            base += 1
            means[i] = (sizes[i] * means[i] + sizes[j] * means[j]) / (sizes[i] + sizes[j])
            sizes[i] += sizes[j]
            alive[j] = False
            inv[inv == j] = i
            d = ((means - means[i]) ** 2).sum(-1)
            d[~alive] = np.inf
            d[i] = np.inf
            D[i], D[:, i] = d, d
            D[j], D[:, j] = np.inf, np.inf
        return ids[inv], np.concatenate(new_children), np.concatenate(new_links)

    @staticmethod
    def _final_nodes(children, n_init, ids):
        """Node id (in the merge history) of each cluster whose surviving initial id is in ``ids``."""
        parent = np.arange(n_init + len(children))
        for i, (a, b) in enumerate(children):
            parent[a] = parent[b] = n_init + i
        out = []
        for r in ids:
            x = int(r)
            while parent[x] != x:
                x = int(parent[x])
            out.append(x)
        return np.array(out, dtype=np.int64)

    def _set_result(self, roots, init, n_init, children, links, sigma2):
        ids, inv = np.unique(roots, return_inverse=True)
        sizes = np.bincount(inv.reshape(-1))
        order = np.lexsort((np.arange(len(sizes)), -sizes))  # largest cluster first
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.labels_ = rank[inv.reshape(-1)]
        self.n_clusters_ = len(ids)
        self.initial_labels_ = init
        self.n_initial_clusters_ = int(n_init)
        self.children_ = children
        self.linkages_ = links
        self.sigma2_ = sigma2
