"""Clustering from must-link / cannot-link pairs with a kNN graph as side information (agglomerative, no k)."""

import heapq

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClusterMixin

from ..base import BaseEstimator
from ..neighbors import kneighbors
from ..neighbors._graph import KNNGraph
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from ..utils._validation import check_n_clusters
from ._pairs import balanced_pair_accuracy, balanced_pair_accuracy_from_classes, read_pairs

__all__ = ["PairwiseConstrainedClustering"]


class PairwiseConstrainedClustering(ClusterMixin, BaseEstimator):
    """Cluster every row from a sample of must-link / cannot-link pairs, with the kNN graph of X as side information.

    The setting of Pasteris et al. [1]_: the clustering is hidden, the learner
    sees the labels of a random sample of item pairs (+1 same cluster, -1
    different clusters) and a side-information graph, and must put every
    item in a cluster; the number of clusters is not given. Here the side
    information is the symmetrised ``n_neighbors``-NN graph of X.

    **An adaptation, not the paper's algorithms.** Only the abstract and the
    introduction of [1]_ could be retrieved, not the description of its two
    algorithms (SACA, agglomerative, near-linear; RGCA, which uses the side
    information). This estimator is built on what the abstract states (an
    agglomerative algorithm; side information as the inductive bias):

    1. Rows joined by must-link pairs form the first clusters (transitive
       closure); a cannot-link pair inside one of them is a contradiction and
       raises ``ValueError``.
    2. Clusters joined by graph edges are merged greedily, the pair with the
       largest average linkage ``w(A, B) / (|A| |B|)`` first (``w`` counts the
       graph edges between them), never two clusters with a cannot-link pair
       between them (as constrained agglomerative clustering [2]_).
    3. Merging stops at ``n_clusters`` when it is given. Otherwise it stops
       before the first merge that would make the share of row pairs in the
       same cluster, ``sum_c |c| (|c| - 1) / (n (n - 1))``, exceed the
       must-link rate: ``(n_must_link + 1/2) / (n_pairs + 1)`` of the pairs
       (the Krichevsky-Trofimov estimate, unbiased in the limit for pairs drawn
       at random, as in [1]_), or ``must_link_rate`` when it is a number. It
       also stops when every remaining merge is blocked by a cannot-link or
       no graph edge joins two clusters.

    The merging is greedy and never undone, so it relies on a side-information
    graph that mostly joins rows of the same cluster: on a noisy kNN graph
    (sentence embeddings of 20 StackOverflow topics) rows misplaced early carry
    cannot-links that block merges within a cluster, and more pairs lowered
    the ARI (see ``benchmarks/results/semi_supervised_pairwise.md``).

    With no pairs (``fit(X)``) it is average-linkage agglomerative clustering
    on the kNN graph, stopped at ``n_clusters`` or, by the rule above with no
    pair, when half of the row pairs share a cluster.

    Pairs in cross-validation: ``pairs``, ``pair_labels`` and ``sample_ids``
    are arguments of ``fit`` (routed by scikit-learn's metadata routing in a
    ``Pipeline``; ``GridSearchCV`` and ``cross_validate`` pass them on).
    Cross-validation slices only the arguments with one entry per row, so row
    *positions* in ``pairs`` would point at the wrong rows inside a fold; give
    each row an id in ``sample_ids`` (sliced with X) and name the pairs' ends
    by id: a fold keeps the pairs whose two ends are among its rows. (When
    ``len(pairs)`` happens to equal the number of rows, cross-validation
    slices ``pairs`` and ``pair_labels`` too: with ``sample_ids`` that only
    drops pairs, it never moves one.)

    Parameters
    ----------
    n_clusters : int or None, default=None
        Stop merging at this many clusters (more remain when cannot-links or a
        disconnected graph block the merges). None: stop by the must-link rate.
    n_neighbors : int, default=10
        Neighbours of each row in the side-information graph (capped at
        ``n_samples - 1``).
    must_link_rate : "auto" or float in [0, 1], default="auto"
        Share of all row pairs that may share a cluster when ``n_clusters`` is
        None; ``"auto"`` estimates it from the pair labels (pairs assumed drawn
        at random). Ignored when ``n_clusters`` is given.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row, ``0 .. n_clusters_ - 1``.
    n_clusters_ : int
        Number of clusters found.
    pairs_ : ndarray of shape (n_pairs_used, 2)
        Row positions (in this fit's X) of the pairs used; pairs whose ends
        are not both among the rows (by ``sample_ids``) are left out.
    pair_labels_ : ndarray of shape (n_pairs_used,)
        Their labels, +1 or -1.
    must_link_rate_ : float or None
        The must-link rate that stopped the merging (None when ``n_clusters``
        is given).
    X_fit_ : ndarray of shape (n_samples, n_features)
        Training rows; ``predict`` gives a new row the cluster of the nearest.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.AgglomerativeClustering : Agglomerative clustering with a
        connectivity graph and a given number of clusters, without pairs.

    References
    ----------
    .. [1] S. Pasteris, F. Vitale, C. Gentile and M. Herbster, "On Pairwise
       Clustering with Side Information", arXiv 1706.06474, 2017.
    .. [2] I. Davidson and S. S. Ravi, "Agglomerative Hierarchical Clustering
       with Constraints: Theoretical and Empirical Results", PKDD 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.semi_supervised import PairwiseConstrainedClustering
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 0.3, (20, 2)), rng.normal(3, 0.3, (20, 2))]
    >>> pairs = [[0, 1], [0, 25], [21, 30]]
    >>> model = PairwiseConstrainedClustering(n_neighbors=5).fit(X, pairs=pairs, pair_labels=[1, -1, 1])
    >>> model.n_clusters_
    2
    >>> bool(model.labels_[0] != model.labels_[25])
    True
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "must_link_rate": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, n_clusters=None, *, n_neighbors=10, must_link_rate="auto"):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.must_link_rate = must_link_rate

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, pairs=None, pair_labels=None, sample_ids=None):
        """Cluster the rows of X from the pairs and the kNN graph.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored (the labels here are the pairs').
        pairs : array-like of shape (n_pairs, 2) or None, default=None
            Ends of each labelled pair: row positions, or ids from
            ``sample_ids`` when it is given.
        pair_labels : array-like of shape (n_pairs,) or None, default=None
            +1 (must-link) or -1 (cannot-link) for each pair.
        sample_ids : array-like of shape (n_samples,) or None, default=None
            A unique id per row, so that pairs name rows by id (needed in
            cross-validation; see the class description).

        Returns
        -------
        self : PairwiseConstrainedClustering
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        n = X.shape[0]
        if self.n_clusters is not None:
            check_n_clusters(self.n_clusters, n)
        positions, labels = read_pairs(pairs, pair_labels, sample_ids, n)
        k = min(self.n_neighbors, n - 1)
        adjacency = KNNGraph(X, k).adjacency if k > 0 else sp.csr_matrix((n, n))
        if self.n_clusters is None:
            rate = self.must_link_rate
            if rate == "auto":
                rate = (float(np.sum(labels > 0)) + 0.5) / (len(labels) + 1.0)
            self.must_link_rate_ = float(rate)
        else:
            self.must_link_rate_ = None
        labels_ = _constrained_average_linkage(n, adjacency, positions, labels, self.n_clusters, self.must_link_rate_)
        self.labels_ = labels_
        self.n_clusters_ = int(labels_.max()) + 1
        self.pairs_ = positions
        self.pair_labels_ = labels
        self.X_fit_ = X
        return self

    def fit_predict(self, X, y=None, pairs=None, pair_labels=None, sample_ids=None):
        """Fit and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.
        pairs : array-like of shape (n_pairs, 2) or None, default=None
            Ends of each labelled pair (positions, or ids from ``sample_ids``).
        pair_labels : array-like of shape (n_pairs,) or None, default=None
            +1 (must-link) or -1 (cannot-link) for each pair.
        sample_ids : array-like of shape (n_samples,) or None, default=None
            A unique id per row.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster of each row.
        """
        return self.fit(X, pairs=pairs, pair_labels=pair_labels, sample_ids=sample_ids).labels_

    def predict(self, X):
        """Cluster of new rows: the cluster of the nearest training row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster of each row.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=self.X_fit_.dtype, reset=False)
        _, nearest = kneighbors(self.X_fit_, query=X, n_neighbors=1)
        return self.labels_[nearest[:, 0]]

    def score(self, X, y=None, pairs=None, pair_labels=None, sample_ids=None):
        """Balanced accuracy of ``predict(X)`` on pairs of the rows of X.

        The mean of two rates: the share of must-link pairs that land in one
        cluster and the share of cannot-link pairs that land in two, so that
        putting every row in one cluster, or each row alone, scores 0.5. With
        only one kind of pair it is that kind's rate alone (an
        ``UndefinedMetricWarning`` says so: one cluster, or each row alone,
        then scores 1). The pairs are ``pairs`` (those
        whose two ends are rows of X, by ``sample_ids``: in cross-validation,
        the held-out pairs), or else every pair of rows whose classes ``y``
        gives (rows with ``y == -1`` left out). Route the pairs to ``score``
        with ``set_score_request`` to let ``GridSearchCV`` choose parameters
        from pairs alone (see the user guide).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to cluster with ``predict``.
        y : array-like of shape (n_samples,) or None, default=None
            Classes of the rows, used when ``pairs`` is None.
        pairs : array-like of shape (n_pairs, 2) or None, default=None
            Ends of each labelled pair (positions in X, or ids from
            ``sample_ids``).
        pair_labels : array-like of shape (n_pairs,) or None, default=None
            +1 (must-link) or -1 (cannot-link) for each pair.
        sample_ids : array-like of shape (n_samples,) or None, default=None
            A unique id per row of X.

        Returns
        -------
        score : float
            Balanced pair accuracy in [0, 1]; higher is better.
        """
        check_is_fitted(self)
        predicted = self.predict(X)
        if pairs is not None:
            positions, labels = read_pairs(pairs, pair_labels, sample_ids, predicted.shape[0])
            if labels.size == 0:
                raise ValueError("no pair has both ends among the rows of X; score needs pairs inside X.")
            return balanced_pair_accuracy(predicted, positions, labels)
        if y is None:
            raise ValueError(
                "score needs pairs (route them with set_score_request(pairs=True, pair_labels=True, "
                "sample_ids=True) under metadata routing) or the rows' classes y."
            )
        return balanced_pair_accuracy_from_classes(predicted, y)


def _constrained_average_linkage(n, adjacency, positions, labels, n_clusters, rate):
    """Greedy average-linkage merging on the graph; must-links merged first, cannot-links never merged."""
    parent = np.arange(n)
    for a, b in positions[labels > 0]:
        ra, rb = _root(parent, a), _root(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([_root(parent, i) for i in range(n)], dtype=np.int64)
    _, comp = np.unique(roots, return_inverse=True)
    comp = comp.reshape(-1)
    c = int(comp.max()) + 1 if n else 0
    cannot = [set() for _ in range(c)]
    for a, b in positions[labels < 0]:
        ca, cb = int(comp[a]), int(comp[b])
        if ca == cb:
            raise ValueError(
                f"contradicting pairs: rows {a} and {b} are joined by must-links but labelled cannot-link."
            )
        cannot[ca].add(cb)
        cannot[cb].add(ca)
    size = np.bincount(comp, minlength=c).astype(np.float64)
    A = sp.coo_matrix(adjacency)
    links = [dict() for _ in range(c)]
    for i, j, w in zip(comp[A.row].tolist(), comp[A.col].tolist(), A.data.tolist()):
        if i != j:
            links[i][j] = links[i].get(j, 0.0) + w
    # pairs of rows in the same cluster (ordered), and the most the rate allows
    together = float(np.sum(size * (size - 1)))
    budget = None if rate is None else rate * n * (n - 1)
    version = [0] * c
    heap = [(-links[i][j] / (size[i] * size[j]), i, j, 0, 0) for i in range(c) for j in links[i] if i < j]
    heapq.heapify(heap)
    into = np.arange(c)
    alive = c
    while heap and (n_clusters is None or alive > n_clusters):
        _, i, j, vi, vj = heapq.heappop(heap)
        if into[i] != i or into[j] != j or vi != version[i] or vj != version[j] or j in cannot[i]:
            continue
        grown = together + 2.0 * size[i] * size[j]
        if budget is not None and grown > budget * (1 + 1e-12):
            break
        together = grown
        if len(links[i]) < len(links[j]):
            i, j = j, i  # keep the larger neighbour table
        for t, w in links[j].items():
            if t != i:
                links[i][t] = links[i].get(t, 0.0) + w
                links[t][i] = links[t].get(i, 0.0) + w
                del links[t][j]
        links[i].pop(j, None)
        links[j] = {}
        for t in cannot[j]:
            cannot[t].discard(j)
            cannot[t].add(i)
        cannot[i] |= cannot[j]
        cannot[j] = set()
        size[i] += size[j]
        into[j] = i
        alive -= 1
        version[i] += 1
        for t, w in links[i].items():
            a, b = min(i, t), max(i, t)
            heapq.heappush(heap, (-w / (size[i] * size[t]), a, b, version[a], version[b]))
    final = np.array([_root(into, int(g)) for g in comp], dtype=np.int64)
    return np.unique(final, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i
