"""The outlier-detector conventions (torch-free: importing them does not import torch).

The torch estimator base is private, in :mod:`sklearn_unsup._torch`.
"""

import numpy as np
from sklearn.base import OutlierMixin

from .utils._sklearn_compat import Interval, Real, StrOptions

__all__ = ["OutlierDetectorMixin"]


class OutlierDetectorMixin(OutlierMixin):
    """scikit-learn's outlier conventions, shared by every detector here.

    The detector implements ``score_samples(X)`` (higher = more normal) and
    calls :meth:`_set_offset` on its training scores at the end of ``fit``.
    Then ``decision_function = score_samples - offset_`` (negative for
    outliers) and ``predict`` returns +1 for inliers and -1 for outliers, as
    in :class:`sklearn.ensemble.IsolationForest`.

    ``contamination``: a float in (0, 0.5] puts ``offset_`` at that
    quantile of the training scores, so that fraction of the training rows is
    flagged. ``"auto"`` uses Tukey's lower fence of the training scores,
    ``Q1 - 1.5 * IQR``: rows far below the bulk of the data are flagged, and no
    prior guess of the outlier fraction is needed.
    """

    _parameter_constraints: dict = {
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
    }

    def _set_offset(self, train_scores):
        train_scores = np.asarray(train_scores, dtype=np.float64)
        if self.contamination == "auto":
            q1, q3 = np.percentile(train_scores, [25.0, 75.0])
            self.offset_ = float(q1 - 1.5 * (q3 - q1))
        else:
            self.offset_ = float(np.percentile(train_scores, 100.0 * self.contamination))
        return self

    def fit_predict(self, X, y=None, **kwargs):
        """Fit on X (and y, for the detectors that use class labels) and label X: +1 inlier, -1 outlier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or None
            Passed on to ``fit`` (scikit-learn's ``OutlierMixin`` drops it).
        **kwargs : dict
            Passed on to ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,) of int
        """
        return self.fit(X, y, **kwargs).predict(X)

    def decision_function(self, X):
        """Signed normality: ``score_samples(X) - offset_``; negative means outlier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Return +1 for inliers and -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,) of int
        """
        decision = self.decision_function(X)
        labels = np.ones(decision.shape[0], dtype=int)
        labels[decision < 0] = -1
        return labels
