"""Torch-free bases: the package's ``BaseEstimator`` (versioned pickles) and the outlier-detector conventions.

Importing this module does not import torch. The torch estimator base is
private, in :mod:`sklearn_unsup._torch`.
"""

import sys
import warnings

import numpy as np
from sklearn import base as _sklearn_base
from sklearn.base import OutlierMixin

from .exceptions import InconsistentVersionWarning
from .utils._sklearn_compat import Interval, Real, StrOptions
from .utils._thresholds import THRESHOLDS, offset_from_scores

__all__ = ["BaseEstimator", "OutlierDetectorMixin"]


def _versions():
    """This process's versions of the package and of torch (None when torch is not loaded)."""
    from . import __version__

    torch = sys.modules.get("torch")
    return __version__, (None if torch is None else torch.__version__)


class BaseEstimator(_sklearn_base.BaseEstimator):
    """scikit-learn's ``BaseEstimator`` whose pickles record the versions they were made with.

    As scikit-learn does for its own estimators: ``__getstate__`` stores
    ``sklearn_unsup.__version__`` (and torch's, for the torch estimators);
    loading a model saved with another version warns with
    :class:`~sklearn_unsup.exceptions.InconsistentVersionWarning`, since the
    fitted state of one version may not be valid in another.
    """

    #: Whether pickles also record torch's version (the torch estimators' base sets it).
    _records_torch_version = False

    def __getstate__(self):
        state = super().__getstate__()
        package, torch = _versions()
        state = dict(state, _sklearn_unsup_version=package)
        if self._records_torch_version and torch is not None:
            state["_torch_version"] = torch
        return state

    def __setstate__(self, state):
        saved_package = state.pop("_sklearn_unsup_version", None)
        saved_torch = state.pop("_torch_version", None)
        package, torch = _versions()
        if saved_package is not None and saved_package != package:
            warnings.warn(InconsistentVersionWarning(type(self).__name__, "sklearn_unsup", saved_package, package),
                          stacklevel=2)
        if saved_torch is not None and torch is not None and saved_torch != torch:
            warnings.warn(InconsistentVersionWarning(type(self).__name__, "torch", saved_torch, torch), stacklevel=2)
        super().__setstate__(state)


class OutlierDetectorMixin(OutlierMixin):
    """scikit-learn's outlier conventions, shared by every detector here.

    The detector implements ``score_samples(X)`` (higher = more normal) and
    calls :meth:`_set_offset` on its training scores at the end of ``fit``.
    Then ``decision_function = score_samples - offset_`` (negative for
    outliers) and ``predict`` returns +1 for inliers and -1 for outliers, as
    in :class:`sklearn.ensemble.IsolationForest`.

    ``contamination``: a float in (0, 0.5] puts ``offset_`` at that
    quantile of the training scores, so that fraction of the training rows is
    flagged. Without a prior guess of the outlier share, a rule on the training
    scores sets the cut (:mod:`sklearn_unsup.utils._thresholds`): ``"auto"``,
    Tukey's lower fence ``Q1 - 1.5 * IQR``; ``"zscore"``, one standard deviation
    below the mean (PyThresh's ZSCORE); ``"clf"``, PyThresh's pre-fitted rule on
    the normalised scores. ``predicted_contamination_`` is the share of
    training rows flagged.
    """

    _parameter_constraints: dict = {
        "contamination": [StrOptions(set(THRESHOLDS)), Interval(Real, 0, 0.5, closed="right")],
    }

    def _set_offset(self, train_scores):
        train_scores = np.asarray(train_scores, dtype=np.float64)
        self.offset_ = offset_from_scores(train_scores, self.contamination)
        self.predicted_contamination_ = float(np.mean(train_scores < self.offset_))
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
