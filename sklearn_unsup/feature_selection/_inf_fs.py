"""Infinite Feature Selection (unsupervised)."""

import numpy as np
from scipy.stats import rankdata
from sklearn.feature_selection import SelectorMixin

from ..base import BaseEstimator
from ..utils._sklearn_compat import Interval, Real, _fit_context, validate_data
from ._base import N_FEATURES_TO_SELECT_CONSTRAINT, ScoreSelectorMixin

__all__ = ["InfFS"]


class InfFS(ScoreSelectorMixin, SelectorMixin, BaseEstimator):
    """Infinite Feature Selection: rank features by all paths through a feature graph.

    Features are the nodes of a complete graph whose edge weights mix two
    statistics: ``a_ij = alpha * max(sigma_i, sigma_j) + (1 - alpha) * (1 - |rho_ij|)``
    with ``sigma`` the standard deviations (divided by their maximum) and
    ``rho`` Spearman's rank correlation. A feature scores high when it lies on
    many heavy paths, i.e. it varies and is not redundant with the others.
    Summing over paths of every length has a closed form:
    ``S = (I - r A)^(-1) - I`` with ``r = path_decay / rho(A)`` below the
    inverse spectral radius; a feature's score is its row sum of ``S``.
    Unsupervised: ``y`` is ignored. Scale the features first if their units
    differ (the variance term compares them).

    Parameters
    ----------
    n_features_to_select : int, float or None, default=None
        Number of features kept (int), fraction of them (float in (0, 1]), or
        half of them (None).
    alpha : float in [0, 1], default=0.5
        Mix of the variance term (1) and the non-redundancy term (0).
    path_decay : float in (0, 1), default=0.9
        ``r`` as a fraction of ``1 / rho(A)``; longer paths weigh more as it
        approaches 1.

    Attributes
    ----------
    scores_ : ndarray of shape (`n_features_in_`,)
        Infinite-path score of each feature (higher = more relevant).
    ranking_ : ndarray of shape (`n_features_in_`,)
        Rank of each feature (1 = best).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.feature_selection.VarianceThreshold : The variance term alone.

    References
    ----------
    .. [1] G. Roffo, S. Melzi and M. Cristani, "Infinite feature selection",
       ICCV 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.feature_selection import InfFS
    >>> rng = np.random.RandomState(0)
    >>> a = rng.normal(size=200)
    >>> X = np.c_[a, a + 1e-3 * rng.normal(size=200), rng.normal(size=200), 0.01 * rng.normal(size=200)]
    >>> support = InfFS(n_features_to_select=2).fit(X).get_support()
    >>> int(support[:2].sum()), bool(support[2]), bool(support[3])  # one of the twins, the independent one
    (1, True, False)
    """

    _parameter_constraints: dict = {
        "n_features_to_select": N_FEATURES_TO_SELECT_CONSTRAINT,
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "path_decay": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, n_features_to_select=None, *, alpha=0.5, path_decay=0.9):
        self.n_features_to_select = n_features_to_select
        self.alpha = alpha
        self.path_decay = path_decay

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Score the features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        self : InfFS
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=np.float64)
        self._n_selected()  # a count above n_features is refused here, not first at transform
        n_features = X.shape[1]
        std = X.std(axis=0)
        sigma = std / std.max() if std.max() > 0 else std
        if X.shape[0] > 1:
            ranks = np.apply_along_axis(rankdata, 0, X)
            ranks -= ranks.mean(axis=0)
            denom = np.sqrt((ranks**2).sum(axis=0))
            denom[denom == 0] = 1.0
            rho = (ranks.T @ ranks) / np.outer(denom, denom)
        else:
            rho = np.zeros((n_features, n_features))
        A = self.alpha * np.maximum.outer(sigma, sigma) + (1 - self.alpha) * (1 - np.abs(rho))
        radius = np.max(np.abs(np.linalg.eigvalsh(A)))
        if radius > 0:
            r = self.path_decay / radius
            S = np.linalg.inv(np.eye(n_features) - r * A) - np.eye(n_features)
            self._set_scores(S.sum(axis=1))
        else:
            self._set_scores(np.zeros(n_features))
        return self
