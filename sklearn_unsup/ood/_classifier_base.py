"""Shared machinery of the detectors built on a classifier's outputs (MSP, energy, max-logit, ViM)."""

from abc import ABCMeta, abstractmethod

import numpy as np
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets

from ..base import BaseEstimator, OutlierDetectorMixin
from ..utils._sklearn_compat import HasMethods, StrOptions, _fit_context, check_is_fitted, validate_data

__all__ = ["BaseClassifierDetector", "as_logits"]


def as_logits(decision):
    """Turn ``decision_function`` output into a logit matrix.

    A binary classifier returns one column ``d`` (the log-odds of the second
    class); it becomes the symmetric pair ``[-d/2, d/2]``, whose softmax is the
    classifier's probabilities and whose energy and maximum do not depend on
    which class was called positive.
    """
    decision = np.asarray(decision, dtype=np.float64)
    if decision.ndim == 1:
        decision = decision[:, None]
    if decision.shape[1] == 1:
        decision = np.hstack([-decision / 2.0, decision / 2.0])
    return decision


class BaseClassifierDetector(OutlierDetectorMixin, BaseEstimator, metaclass=ABCMeta):
    """Base of the OOD detectors that read a classifier's logits or probabilities.

    ``estimator`` is a classifier that is cloned and fitted on ``(X, y)``; a
    classifier that is already trained is passed wrapped in
    :class:`sklearn.frozen.FrozenEstimator` (then ``y`` is not needed); the
    string ``"passthrough"`` says that ``X`` already holds the logits (for
    example the last layer's outputs of a torch model). ``None`` uses
    :class:`~sklearn.linear_model.LogisticRegression`.

    Subclasses set ``_needs`` (the classifier method they read, for the
    TypeError a classifier without it gets) and implement ``_score_outputs``.
    """

    _needs = "decision_function"
    _parameter_constraints: dict = {
        "estimator": [None, StrOptions({"passthrough"}), HasMethods(["fit"])],
        **OutlierDetectorMixin._parameter_constraints,
    }

    @abstractmethod
    def _score_outputs(self, outputs):
        """Normality (higher = more normal) of each row from the classifier's outputs (logits or probabilities)."""

    def _default_estimator(self):
        return LogisticRegression(max_iter=1000)

    def _check_estimator_methods(self, est):
        if not hasattr(est, self._needs):
            raise TypeError(
                f"{type(self).__name__} needs the classifier's {self._needs}; "
                f"{type(est).__name__} has no {self._needs} method."
            )

    def _fit_estimator(self, X, y):
        if self.estimator == "passthrough":
            self.estimator_ = None
            self.classes_ = None
            return
        est = self._default_estimator() if self.estimator is None else clone(self.estimator)
        self._check_estimator_methods(est)
        if y is None and not isinstance(est, FrozenEstimator):
            raise ValueError(
                f"{type(self).__name__} fits its classifier on (X, y) and needs the class labels y; "
                "pass y, a trained classifier wrapped in sklearn.frozen.FrozenEstimator, or "
                "estimator='passthrough' with logits as X."
            )
        if y is not None:
            check_classification_targets(y)
        self.estimator_ = est.fit(X, y)
        self.classes_ = getattr(self.estimator_, "classes_", None)

    def _outputs(self, X):
        """Logits (or probabilities, for ``_needs == 'predict_proba'``) of X."""
        if self.estimator_ is None:
            return as_logits(X)
        out = getattr(self.estimator_, self._needs)(X)
        return np.asarray(out, dtype=np.float64) if self._needs == "predict_proba" else as_logits(out)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the classifier (unless frozen or passthrough) and set the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            In-distribution rows (features, or logits with ``estimator='passthrough'``).
        y : array-like of shape (n_samples,) or None
            In-distribution class labels; needed unless the classifier is frozen
            or ``estimator='passthrough'``.

        Returns
        -------
        self : object
            The fitted detector.
        """
        if y is None:
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        else:
            X, y = validate_data(self, X, y, dtype=np.float64, ensure_min_samples=2)
        self._fit_estimator(X, y)
        self._fit_extra(X)
        self._set_offset(self._scores(X))
        return self

    def _fit_extra(self, X):
        """Hook for detectors that learn more than the classifier (ViM)."""

    def _scores(self, X):
        return self._score_outputs(self._outputs(X))

    def score_samples(self, X):
        """In-distribution score of each row (higher = more in-distribution).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows (features, or logits with ``estimator='passthrough'``).

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


def energy(logits, temperature=1.0):
    """``T * logsumexp(logits / T)`` per row (minus the free energy)."""
    return temperature * logsumexp(logits / temperature, axis=1)
