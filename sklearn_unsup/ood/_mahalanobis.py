"""(Relative) Mahalanobis out-of-distribution scoring."""

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from ..base import BaseEstimator, OutlierDetectorMixin
from ..utils._sklearn_compat import Interval, Real, _fit_context, check_is_fitted, validate_data

__all__ = ["MahalanobisDetector"]


class MahalanobisDetector(OutlierDetectorMixin, BaseEstimator):
    """Out-of-distribution score from Gaussian class models with a shared covariance.

    With labels ``y``, each class ``c`` is a Gaussian ``N(mu_c, Sigma)`` with the
    pooled within-class covariance; a row's score is minus its smallest
    squared Mahalanobis distance to a class mean (Lee et al.). With
    ``relative=True`` the distance under one Gaussian fitted to all rows is
    subtracted first, which removes what every class shares (Ren et al.'s
    relative Mahalanobis, more robust on near-OOD). Without ``y`` the single
    Gaussian of all rows is used (a one-class detector).

    Parameters
    ----------
    relative : bool, default=False
        Relative Mahalanobis distance (needs ``y``; ignored without it).
    reg_covar : float, default=1e-6
        Added to the covariance diagonal (times its mean variance) before inversion.
    contamination : {"auto", "zscore", "clf", "mixmod", "filter"} or float in (0, 0.5], \
            default="auto"
        Sets ``offset_`` from the training scores: a float flags that share of
        the training rows; "auto" flags rows below Tukey's lower fence, "zscore"
        rows more than one standard deviation below the mean score, "clf"
        follows PyThresh's pre-fitted rule on the normalised scores, "mixmod"
        cuts where two-component mixtures fitted to the scores cross, "filter"
        at the peak of the smoothed scores (see the outlier user guide).

    Attributes
    ----------
    classes_ : ndarray or None
        Class labels seen in fit (None without ``y``).
    means_ : ndarray of shape (n_classes, n_features)
        Class means (one row without ``y``).
    precision_ : ndarray of shape (n_features, n_features)
        Inverse of the shared covariance.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.covariance.EllipticEnvelope : One robust Gaussian.

    References
    ----------
    .. [1] K. Lee, K. Lee, H. Lee and J. Shin, "A simple unified framework for
       detecting out-of-distribution samples and adversarial attacks", NeurIPS 2018.
    .. [2] J. Ren, S. Fort, J. Liu, A. G. Roy, S. Padhy and B. Lakshminarayanan,
       "A simple fix to Mahalanobis distance for improving near-OOD detection", 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import MahalanobisDetector
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 6]
    >>> y = np.r_[np.zeros(100), np.ones(100)]
    >>> detector = MahalanobisDetector().fit(X, y)
    >>> bool(detector.score_samples([[3.0, 3.0]])[0] < detector.score_samples([[0.0, 0.0]])[0])
    True
    """

    _parameter_constraints: dict = {
        "relative": ["boolean"],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, *, relative=False, reg_covar=1e-6, contamination="auto"):
        self.relative = relative
        self.reg_covar = reg_covar
        self.contamination = contamination

    def _precision(self, centered):
        cov = centered.T @ centered / max(centered.shape[0], 1)
        cov += self.reg_covar * (np.trace(cov) / cov.shape[0] or 1.0) * np.eye(cov.shape[0])
        return np.linalg.pinv(cov, hermitian=True)

    @staticmethod
    def _sq_dist(X, means, precision):
        """(x - mu_k)' P (x - mu_k) for all rows and means: O(n d^2 + n k d), no (n, k, d) array."""
        XP = X @ precision
        quad_x = np.einsum("nd,nd->n", XP, X)
        MP = means @ precision
        quad_m = np.einsum("kd,kd->k", MP, means)
        return np.maximum(quad_x[:, None] - 2 * XP @ means.T + quad_m[None, :], 0.0)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the class Gaussians (or one Gaussian without ``y``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            In-distribution features.
        y : array-like of shape (n_samples,) or None
            In-distribution class labels, optional.

        Returns
        -------
        self : MahalanobisDetector
            The fitted detector.
        """
        if y is None:
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
            self.classes_ = None
            self.means_ = X.mean(axis=0, keepdims=True)
            self.precision_ = self._precision(X - self.means_)
        else:
            X, y = validate_data(self, X, y, dtype=np.float64, ensure_min_samples=2)
            check_classification_targets(y)
            self.classes_, inv = np.unique(y, return_inverse=True)
            self.means_ = np.stack([X[inv == c].mean(axis=0) for c in range(len(self.classes_))])
            self.precision_ = self._precision(X - self.means_[inv])
        self._background = (X.mean(axis=0, keepdims=True), self._precision(X - X.mean(axis=0)))
        self._set_offset(self._scores(X))
        return self

    def _scores(self, X):
        d = self._sq_dist(X, self.means_, self.precision_)
        if self.relative and self.classes_ is not None:
            mean0, prec0 = self._background
            d = d - self._sq_dist(X, mean0, prec0)
        return -d.min(axis=1)

    def score_samples(self, X):
        """Minus the smallest (relative) squared Mahalanobis distance (higher = more in-distribution).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._scores(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags
