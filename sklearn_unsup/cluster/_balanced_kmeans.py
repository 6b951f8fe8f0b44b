"""k-means with equal cluster sizes (Sinkhorn-constrained assignment)."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state

from .._kernels import assign_labels as _nearest_center
from .._kernels import (
    kmeans_plusplus,
    minibatch_update,
    pairwise_sq_euclidean,
    round_balanced,
    row_sq_norms,
    sinkhorn_knopp,
)
from ..base import BaseEstimator
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["BalancedKMeans"]


class BalancedKMeans(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """k-means whose clusters all have the same size.

    Alternates two steps, like Lloyd's k-means: an *assignment* that is
    constrained to equal cluster sizes, and a *centre update* (the mean of each
    cluster). The constrained assignment solves an entropy-regularised
    optimal-transport problem with Sinkhorn-Knopp (the equipartition of SeLa
    and SwAV) on the negative squared distances, then rounds the transport plan
    to hard labels so that every cluster gets ``n // k`` or ``n // k + 1``
    rows. ``predict`` on new rows assigns each to its nearest centre, so a
    row's label never depends on the other rows in the call.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (at most ``n_samples``).
    init : {"k-means++", "random"} or ndarray of shape (n_clusters, n_features), default="k-means++"
        Initial centres: greedy k-means++, random rows, or given centres.
    n_init : int, default=1
        Runs with different initial centres; the one with the lowest balanced
        inertia is kept.
    max_iter : int, default=100
        Maximum assignment/update rounds.
    tol : float, default=1e-4
        Stop when the total squared centre shift is at most ``tol`` times the
        mean feature variance, or when the labels repeat (unchanged, or back to
        those of two rounds before).
    sinkhorn_epsilon : float, default=0.05
        Entropic regularisation of the Sinkhorn assignment, relative to the
        mean squared distance. Smaller is closer to the exact balanced
        assignment (and needs more Sinkhorn iterations).
    sinkhorn_max_iter : int, default=100
        Maximum Sinkhorn iterations per assignment (stops earlier at ``1e-3``
        tolerance).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres.
    labels_ : ndarray of shape (n_samples,)
        Balanced labels of the training rows.
    inertia_ : float
        Sum of squared distances of training rows to their (balanced) centres.
    n_iter_ : int
        Rounds run in the kept initialisation (after ``partial_fit``: the
        number of blocks seen).
    counts_ : ndarray of shape (n_clusters,)
        Rows assigned to each centre: in the training rows after ``fit``,
        summed over the blocks after ``partial_fit`` (its weight in the running
        mean).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Unconstrained cluster sizes.

    References
    ----------
    .. [1] M. Cuturi, "Sinkhorn distances: lightspeed computation of optimal
       transport", NeurIPS 2013.
    .. [2] Y. M. Asano, C. Rupprecht and A. Vedaldi, "Self-labelling via
       simultaneous clustering and representation learning", ICLR 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.cluster import BalancedKMeans
    >>> X = np.r_[np.random.RandomState(0).normal(size=(30, 2)), [[8.0, 8.0], [8.5, 8.0]]]
    >>> bkm = BalancedKMeans(n_clusters=2, random_state=0).fit(X)
    >>> np.bincount(bkm.labels_)
    array([16, 16])
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), "array-like"],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "sinkhorn_epsilon": [Interval(Real, 0, None, closed="neither")],
        "sinkhorn_max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init=1,
        max_iter=100,
        tol=1e-4,
        sinkhorn_epsilon=0.05,
        sinkhorn_max_iter=100,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.sinkhorn_epsilon = sinkhorn_epsilon
        self.sinkhorn_max_iter = sinkhorn_max_iter
        self.random_state = random_state

    def _balanced_labels(self, X, centers):
        D = pairwise_sq_euclidean(X, centers)
        scale = float(D.mean()) or 1.0
        np.multiply(D, -1.0 / scale, out=D)
        P, _ = sinkhorn_knopp(
            D, epsilon=self.sinkhorn_epsilon, n_iter=self.sinkhorn_max_iter, tol=1e-3, out=D
        )
        return round_balanced(P)

    def _initial_centers(self, X, rng, x_sq):
        if isinstance(self.init, str) and self.init == "k-means++":
            return kmeans_plusplus(X, self.n_clusters, rng, x_sq=x_sq)[0]
        if isinstance(self.init, str) and self.init == "random":
            return X[rng.choice(X.shape[0], self.n_clusters, replace=False)].copy()
        centers = np.asarray(self.init, dtype=X.dtype)
        if centers.shape != (self.n_clusters, X.shape[1]):
            raise ValueError(
                f"init has shape {centers.shape}, expected (n_clusters, n_features) = "
                f"({self.n_clusters}, {X.shape[1]})."
            )
        return centers.copy()

    def _run(self, X, centers):
        threshold = float(np.mean(np.var(X, axis=0))) * self.tol
        labels = np.full(X.shape[0], -1, dtype=np.int64)
        previous = labels
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):
            new_labels = self._balanced_labels(X, centers)
            counts = np.bincount(new_labels, minlength=self.n_clusters)
            sums = np.zeros((self.n_clusters, X.shape[1]))
            np.add.at(sums, new_labels, X)
            new_centers = (sums / np.maximum(counts, 1)[:, None]).astype(X.dtype)
            shift = float(np.sum((new_centers - centers) ** 2))
            centers = new_centers
            # stop when nothing changes, or when the greedy rounding alternates
            # between two labelings (a cycle of length two)
            unchanged = np.array_equal(new_labels, labels) or np.array_equal(new_labels, previous)
            previous, labels = labels, new_labels
            if unchanged or shift <= threshold:
                break
        inertia = float(np.sum((X - centers[labels]) ** 2))
        return centers, labels, inertia, n_iter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find balanced clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : BalancedKMeans
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C")
        if self.n_clusters > X.shape[0]:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}."
            )
        rng = check_random_state(self.random_state)
        x_sq = row_sq_norms(X)
        best = None
        for _ in range(self.n_init):
            result = self._run(X, self._initial_centers(X, rng, x_sq))
            if best is None or result[2] < best[2]:
                best = result
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best
        self.counts_ = np.bincount(self.labels_, minlength=self.n_clusters).astype(np.float64)
        self._n_features_out = self.n_clusters
        return self

    def partial_fit(self, X, y=None):
        """Update the centres with one block of rows (mini-batch balanced k-means).

        The first call seeds the centres from the block (``init``); every call
        then assigns the block's rows to the centres under the equal-size
        constraint (within the block, as SwAV's per-batch equipartition) and
        moves each centre to the running mean of all rows assigned to it so
        far (mini-batch k-means' per-centre learning rate ``1 / count``).
        ``labels_`` and ``inertia_`` then describe the latest block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of rows (at least ``n_clusters``).
        y : None
            Ignored.

        Returns
        -------
        self : BalancedKMeans
            The updated estimator.
        """
        first = not hasattr(self, "cluster_centers_")
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=first)
        if self.n_clusters > X.shape[0]:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters} in every block."
            )
        if first:
            centers = self._initial_centers(X, check_random_state(self.random_state), row_sq_norms(X))
            self.counts_ = np.zeros(self.n_clusters)
            self.n_iter_ = 0
            self._n_features_out = self.n_clusters
        else:
            centers = self.cluster_centers_
        labels = self._balanced_labels(X, centers.astype(X.dtype, copy=False))
        centers = np.array(centers, dtype=np.float64, order="C")
        minibatch_update(X, labels, centers, self.counts_)
        self.cluster_centers_ = centers.astype(X.dtype)
        self.labels_ = labels
        self.inertia_ = float(np.sum((X - self.cluster_centers_[labels]) ** 2))
        self.n_iter_ += 1
        return self

    def predict(self, X):
        """Nearest centre of each row (no balance constraint on new rows).

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
        return _nearest_center(X, self.cluster_centers_)[0]

    def transform(self, X):
        """Euclidean distance of each row to each centre.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        return np.sqrt(pairwise_sq_euclidean(X, self.cluster_centers_.astype(X.dtype)))

    def fit_predict(self, X, y=None):
        """Fit and return the balanced training labels.

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

    def score(self, X, y=None):
        """Opposite of the k-means objective on X (nearest-centre assignment).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)
        return -float(_nearest_center(X, self.cluster_centers_)[1].sum())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
