"""Anomaly detection with rejection: abstain where the prediction is not confident (ExCeeD)."""

import numpy as np
from scipy.stats import binom
from sklearn.base import MetaEstimatorMixin, OutlierMixin, clone

from ..base import BaseEstimator
from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    Interval,
    Real,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["RejectionOutlierDetector"]


class RejectionOutlierDetector(MetaEstimatorMixin, OutlierMixin, BaseEstimator):
    """Wrap an outlier detector so that it abstains on unconfident rows.

    The confidence of each prediction is ExCeeD's: with ``psi`` the fraction of
    training rows whose anomaly score is at most the row's, and
    ``p = (1 + n psi) / (2 + n)``, the probability that the row is an outlier
    is ``P = P(Binomial(n, p) > n (1 - contamination))``; a prediction's
    confidence is ``P`` for an outlier and ``1 - P`` for an inlier. Rows whose
    confidence is below ``1 - 2 exp(-rejection_tolerance)`` are rejected
    (``predict`` returns ``reject_label``), which bounds the rejection rate and the cost of the
    remaining mistakes (Perini et al., 2023). Computed for all rows at once from
    sorted training scores: O((n + m) log n), not O(n m).

    Works with any detector that follows scikit-learn's conventions
    (``score_samples``, higher = more normal): ours, ``IsolationForest``,
    ``LocalOutlierFactor(novelty=True)``, ...

    Parameters
    ----------
    detector : estimator with ``fit`` and ``score_samples``
        The detector to wrap (cloned in ``fit``).
    rejection_tolerance : float, default=32
        ExCeeD's tolerance (``T`` in Perini and Davis, 2023): a prediction is
        rejected when its confidence is below
        ``1 - 2 exp(-rejection_tolerance)``. Larger values set the confidence
        bar closer to 1 and reject more rows; values near 0 reject almost none.
    reject_label : int, default=0
        Value ``predict`` returns for rejected rows (+1 inlier, -1 outlier).
    contamination : float in (0, 0.5], default=0.1
        Expected share of outliers; sets the threshold and enters ExCeeD.

    Attributes
    ----------
    detector_ : estimator
        The fitted clone of ``detector``.
    offset_ : float
        ``decision_function = score_samples - offset_`` (the contamination
        quantile of the training scores).
    rejection_threshold_ : float
        ``1 - 2 exp(-rejection_tolerance)``.
    rejection_rate_ : float
        Share of training rows rejected.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.ensemble.IsolationForest : A detector to wrap.

    References
    ----------
    .. [1] L. Perini, V. Vercruyssen and J. Davis, "Quantifying the confidence of
       anomaly detectors in their example-wise predictions", ECML PKDD 2020.
    .. [2] L. Perini and J. Davis, "Unsupervised anomaly detection with rejection",
       NeurIPS 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.outlier import RejectionOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(300, 2)), rng.uniform(-6, 6, size=(30, 2))]
    >>> det = RejectionOutlierDetector(IsolationForest(random_state=0), contamination=0.1).fit(X)
    >>> sorted(set(det.predict(X).tolist()))
    [-1, 0, 1]
    """

    _parameter_constraints: dict = {
        "detector": [HasMethods(["fit", "score_samples"])],
        "rejection_tolerance": [Interval(Real, 0, None, closed="neither")],
        "reject_label": [Integral],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(self, detector, *, rejection_tolerance=32, reject_label=0, contamination=0.1):
        self.detector = detector
        self.rejection_tolerance = rejection_tolerance
        self.reject_label = reject_label
        self.contamination = contamination

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the detector and keep its training scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : RejectionOutlierDetector
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.detector_ = clone(self.detector).fit(X)
        train = np.asarray(self.detector_.score_samples(X), dtype=np.float64)
        self._train_anomaly_sorted = np.sort(-train)
        self.offset_ = float(np.percentile(train, 100.0 * self.contamination))
        self.rejection_threshold_ = float(1.0 - 2.0 * np.exp(-self.rejection_tolerance))
        self.rejection_rate_ = float(np.mean(self._confidence(train) < self.rejection_threshold_))
        return self

    def _outlier_probability(self, scores):
        n = self._train_anomaly_sorted.shape[0]
        psi = np.searchsorted(self._train_anomaly_sorted, -scores, side="right") / n
        p = (1.0 + n * psi) / (2.0 + n)
        return binom.sf(np.floor(n * (1.0 - self.contamination)), n, p)

    def _confidence(self, scores):
        prob = self._outlier_probability(scores)
        is_outlier = scores - self.offset_ < 0
        return np.where(is_outlier, prob, 1.0 - prob)

    def score_samples(self, X):
        """The wrapped detector's normality scores (higher = more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return np.asarray(self.detector_.score_samples(X), dtype=np.float64)

    def decision_function(self, X):
        """``score_samples - offset_``: negative for predicted outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict_confidence(self, X):
        """ExCeeD confidence of each row's prediction, in [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        confidence : ndarray of shape (n_samples,)
        """
        return self._confidence(self.score_samples(X))

    def predict(self, X):
        """+1 inlier, -1 outlier, ``reject_label`` where the prediction is not confident.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,) of int
        """
        scores = self.score_samples(X)
        labels = np.where(scores - self.offset_ < 0, -1, 1)
        labels[self._confidence(scores) < self.rejection_threshold_] = self.reject_label
        return labels
