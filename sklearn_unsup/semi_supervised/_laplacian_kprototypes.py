"""Transductive few-shot classification by Laplacian-regularised k-prototypes (SLK): clustering seeded by the labels."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, ClusterMixin
from sklearn.utils import check_random_state

from .._kernels import kmeans_plusplus
from ..base import BaseEstimator
from ..neighbors._mining import ALGORITHMS, mine_neighbors
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
from ._labels import labelled_accuracy, split_partial_labels
from ._slk_bound import bound_update, mode, softmax, sq_distances

__all__ = ["LaplacianKPrototypes"]

class LaplacianKPrototypes(ClassifierMixin, ClusterMixin, BaseEstimator):
    """Few labels per class: k-prototypes clustering seeded by the labels and regularised by a kNN-graph Laplacian.

    The transductive few-shot method of Ziko et al. [1]_ (SLK, the Laplacian
    K-modes of [2]_ seeded by labelled rows). Every row ``p`` gets a soft
    assignment ``y_p`` over the clusters, one per labelled class, and the
    method minimises

    ``E(Y, m) = sum_p a_p(m) . y_p - (lambda / 2) sum_k Y_k^T W Y_k``

    where ``a_pk`` is the cost of putting row ``p`` in cluster ``k`` (the
    squared distance to its prototype ``m_k`` for ``prototype="kmeans"``;
    ``-exp(-||x_p - m_k||^2 / (2 sigma^2))`` for ``"kmodes"``) and W is the
    kNN graph of the rows, so that neighbours are pushed into the same
    cluster. Prototypes start at the labelled class means. The outer loop
    alternates (1) the prototypes of the current hard assignments (means, or
    the cluster's density mode found by mean-shift with ``sigma`` from the
    kNN graph) and (2) bound updates ``Y <- softmax(-a + lambda W Y)``, each
    the minimiser of an upper bound of the energy (with an entropy term), so
    every row is updated independently; it stops when the energy changes by
    less than ``tol`` (relative) or no row changes cluster.

    With ``y`` None or all ``-1`` it is plain Laplacian K-means/K-modes
    clustering of ``n_clusters`` clusters started by k-means++ [2]_.

    Differences from the official code (imtiazziko/SLK-few-shot), all
    deliberate: labelled rows stay clamped to their class by default (the
    official code initialises them at their labels and then lets the bound
    updates move them; ``clamp_labelled=False`` does the same); the kNN graph
    is symmetrised, ``(A + A^T) / 2`` (the bound's gradient of ``Y^T W Y`` is
    ``(W + W^T) Y``); the bound iterations start from the previous outer
    iteration's assignments and never take a step that raises the energy;
    ``sigma^2`` is the mean squared length of the graph's edges. The paper's
    episodes (5 classes, 15 queries each, support-to-query mean shift) become
    a whole table with a few labelled rows per class here.

    The graph term acts only inside ``fit``: ``predict`` and ``predict_proba``
    give a new row the assignment of a row without graph edges,
    ``softmax(-a)`` (nearest prototype), so a row's output does not depend on
    the other rows passed with it. The training rows' answers, graph
    included, are ``transduction_`` and ``label_distributions_``.

    Parameters
    ----------
    n_clusters : int or None, default=None
        Number of clusters when no row is labelled (``y`` None or all -1);
        required then. Ignored when rows are labelled: the clusters are then
        the labelled classes.
    prototype : {"kmodes", "kmeans"}, default="kmodes"
        ``"kmeans"``: prototypes are the clusters' means and the unary cost
        the squared distance. ``"kmodes"``: prototypes are the modes of each
        cluster's Gaussian kernel density (mean-shift) and the unary cost
        minus the kernel value.
    laplacian_weight : float, default=0.5
        ``lambda``, the weight of the graph (Laplacian) term against the unary
        cost. 0 gives seeded k-means/k-modes. It is relative to the unary
        cost's scale: with ``normalize=None`` and ``"kmeans"`` it must grow
        with the squared distances of the data.
    n_neighbors : int, default=10
        Neighbours of each row in the kNN graph (capped at ``n_samples - 1``).
    normalize : {"cl2n", "l2"} or None, default=None
        Feature normalisation before everything else: ``"cl2n"`` subtracts
        the training rows' mean and scales rows to unit L2 norm (as [1]_ does
        for network features), ``"l2"`` only scales, None uses X as given
        (K-modes is scale-free: ``sigma`` follows the data's scale).
    clamp_labelled : bool, default=True
        Keep the labelled rows in their class cluster throughout (the
        official code does not).
    max_iter : int, default=100
        Maximum outer iterations (prototype update + bound updates).
    bound_max_iter : int, default=600
        Maximum bound updates per outer iteration.
    tol : float, default=1e-5
        Relative change of the energy that ends the outer loop.
    algorithm : {"auto", "exact", "ivf", "nndescent"}, default="auto"
        Neighbour search for the graph (``"auto"``: exact up to 200,000 rows,
        the IVF index above; see :func:`~sklearn_unsup.neighbors.mine_neighbors`).
    random_state : int, RandomState instance or None, default=None
        Seeds k-means++ (used when no row is labelled) and the approximate
        neighbour search.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labelled classes; cluster ``k`` is class ``classes_[k]``. With no
        labelled row, ``0 .. n_clusters - 1``.
    transduction_ : ndarray of shape (n_samples,)
        Class of each training row.
    labels_ : ndarray of shape (n_samples,)
        Same as ``transduction_``: the class of each training row (with no
        labelled row, the cluster index), as ``predict`` returns for it.
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Soft assignments ``Y`` of the training rows after the last bound
        updates (graph term included).
    cluster_centers_ : ndarray of shape (n_classes, n_features)
        Prototypes, in the normalised feature space.
    bandwidth_ : float or None
        ``sigma`` of the K-modes kernel (None for ``prototype="kmeans"``).
    feature_mean_ : ndarray of shape (n_features,) or None
        Mean subtracted by ``normalize="cl2n"`` (None otherwise).
    energy_ : float
        Final energy ``E`` (without the bound's entropy term).
    n_iter_ : int
        Outer iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.semi_supervised.LabelSpreading : Label propagation on a graph,
        without prototypes.
    sklearn.semi_supervised.SelfTrainingClassifier : A classifier retrained
        on its own confident predictions.

    References
    ----------
    .. [1] I. Ziko, M. Boudiaf, J. Dolz, E. Granger and I. Ben Ayed,
       "Transductive Few-Shot Learning: Clustering is All You Need?",
       arXiv 2106.09516, 2021.
    .. [2] I. Ziko, E. Granger and I. Ben Ayed, "Scalable Laplacian K-modes",
       NeurIPS 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.semi_supervised import LaplacianKPrototypes
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal([3, 0], 0.5, (30, 2)), rng.normal([0, 3], 0.5, (30, 2))]
    >>> y = np.full(60, -1)
    >>> y[[0, 30]] = [0, 1]  # one label per class
    >>> model = LaplacianKPrototypes(n_neighbors=5).fit(X, y)
    >>> model.transduction_[[5, 45]].tolist()
    [0, 1]
    >>> model.predict([[2.5, 0.5], [0.0, 2.0]]).tolist()
    [0, 1]
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), None],
        "prototype": [StrOptions({"kmodes", "kmeans"})],
        "laplacian_weight": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "normalize": [StrOptions({"cl2n", "l2"}), None],
        "clamp_labelled": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "bound_max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters=None, *, prototype="kmodes", laplacian_weight=0.5, n_neighbors=10,
                 normalize=None, clamp_labelled=True, max_iter=100, bound_max_iter=600, tol=1e-5,
                 algorithm="auto", random_state=None):
        self.n_clusters = n_clusters
        self.prototype = prototype
        self.laplacian_weight = laplacian_weight
        self.n_neighbors = n_neighbors
        self.normalize = normalize
        self.clamp_labelled = clamp_labelled
        self.max_iter = max_iter
        self.bound_max_iter = bound_max_iter
        self.tol = tol
        self.algorithm = algorithm
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"  # with all rows labelled it is a nearest-prototype classifier
        tags.target_tags.required = False  # y=None: clustering
        return tags

    def _features(self, X):
        Z = np.asarray(X, dtype=np.float64)
        if self.normalize == "cl2n":
            Z = Z - self.feature_mean_
        if self.normalize is not None:
            # scale by the largest entry first: the squares of huge finite values stay finite
            peak = np.maximum(np.abs(Z).max(axis=1, keepdims=True), 1e-300)
            Zs = Z / peak
            Z = Zs / np.maximum(np.linalg.norm(Zs, axis=1, keepdims=True), 1e-12)
        return Z

    def _graph(self, Z, k):
        n = Z.shape[0]
        if k == 0:  # one row: no edge, and a unit kernel width
            self.bandwidth_ = None if self.prototype == "kmeans" else 1.0
            return sp.csr_matrix((n, n))
        ind = mine_neighbors(Z / max(np.abs(Z).max(), 1e-300), k, algorithm=self.algorithm,
                             random_state=self.random_state)
        A = sp.csr_matrix((np.ones(ind.size), ind.ravel(), np.arange(0, ind.size + 1, k)), shape=(n, n))
        A.data[:] = 1.0  # duplicates summed by the constructor
        if self.prototype == "kmodes":
            sq = sum(float(((Z - Z[ind[:, j]]) ** 2).sum()) for j in range(k)) / ind.size
            self.bandwidth_ = float(np.sqrt(sq)) if sq > 0 else 1.0
        return sp.csr_matrix((A + A.T) * 0.5)

    def _unary(self, Z, C):
        d = sq_distances(Z, C)
        if self.prototype == "kmeans":
            return d
        return -np.exp(-d / (2.0 * self.bandwidth_ ** 2))

    def _prototypes(self, Z, labels, C):
        C = C.copy()
        for k in range(C.shape[0]):
            members = Z[labels == k]
            if len(members) == 0:
                continue  # an empty cluster keeps its prototype
            C[k] = members.mean(axis=0) if self.prototype == "kmeans" else mode(members, C[k], self.bandwidth_ ** 2)
        return C

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cluster the rows, seeded and (by default) constrained by the labelled ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, labelled and unlabelled.
        y : array-like of shape (n_samples,) or None, default=None
            Class of each row, -1 for unlabelled rows (scikit-learn's
            semi-supervised convention). None or all -1: clustering into
            ``n_clusters`` clusters.

        Returns
        -------
        self : LaplacianKPrototypes
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        n = X.shape[0]
        classes, row_codes = split_partial_labels(y, n)
        labelled = np.flatnonzero(row_codes >= 0)
        codes = row_codes[labelled]
        rng = check_random_state(self.random_state)
        self.feature_mean_ = X.mean(axis=0, dtype=np.float64) if self.normalize == "cl2n" else None
        Z = self._features(X)
        self.bandwidth_ = None
        W = self._graph(Z, min(self.n_neighbors, n - 1))
        if labelled.size == 0:
            if self.n_clusters is None:
                raise ValueError("n_clusters must be given when no sample is labelled (y is None or all -1).")
            check_n_clusters(self.n_clusters, n)
            classes = np.arange(self.n_clusters)
            C = kmeans_plusplus(Z, self.n_clusters, rng)[0]
        else:
            C = np.array([Z[labelled[codes == k]].mean(axis=0) for k in range(len(classes))])
        lam = float(self.laplacian_weight)
        clamped, cols = (labelled, codes) if self.clamp_labelled else (labelled[:0], codes[:0])
        labels = sq_distances(Z, C).argmin(axis=1)
        labels[labelled] = codes  # the official initialisation: nearest prototype, labelled rows at their label
        Y = None
        energy_old = None
        for it in range(self.max_iter):
            C = self._prototypes(Z, labels, C)
            a = self._unary(Z, C)
            if Y is None:  # bound iterations start from the unary assignment, then from the previous outer step
                Y = softmax(-a)
                Y[labelled] = 0.0
                Y[labelled, codes] = 1.0
            Y, _, _ = bound_update(a, W, lam, Y, clamped, cols, self.bound_max_iter)
            new_labels = Y.argmax(axis=1)
            energy = float(np.sum(Y * a)) - 0.5 * lam * float(np.sum(Y * (W @ Y)))
            unchanged = np.array_equal(new_labels, labels)
            labels = new_labels
            if unchanged or (energy_old is not None and abs(energy - energy_old) <= self.tol * abs(energy_old)):
                break
            energy_old = energy
        self.n_iter_ = it + 1
        self.energy_ = energy
        self.classes_ = classes
        self.transduction_ = classes[labels]
        self.labels_ = self.transduction_
        self.label_distributions_ = Y
        self.cluster_centers_ = C
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``, the class of each training row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or None, default=None
            Class of each row, -1 for unlabelled rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Class of each row (with no labelled row, its cluster index).
        """
        return self.fit(X, y).labels_

    def score(self, X, y, sample_weight=None):
        """Accuracy of ``predict`` on the labelled rows of X (rows with ``y == -1`` are left out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : array-like of shape (n_samples,)
            Their classes, -1 for unlabelled rows.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Row weights.

        Returns
        -------
        score : float
            Share of the labelled rows predicted right (weighted).
        """
        return labelled_accuracy(self, X, y, sample_weight)

    def predict_proba(self, X):
        """Soft assignment of new rows from the prototypes alone, ``softmax(-a)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return softmax(-self._unary(self._features(X), self.cluster_centers_))

    def predict(self, X):
        """Class of new rows: the class of the nearest prototype (the graph term acts only in fit).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New rows.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted classes (elements of ``classes_``).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        # the nearest prototype: the argmin of the unary cost for both prototypes, and no ties where
        # the K-modes kernel underflows far from every mode
        return self.classes_[sq_distances(self._features(X), self.cluster_centers_).argmin(axis=1)]
