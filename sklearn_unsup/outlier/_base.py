"""Shared plumbing of the detectors that score rows with a fitted model."""

from abc import ABCMeta, abstractmethod

import numpy as np

from .._torch import BaseTorchEstimator
from ..base import BaseEstimator, OutlierDetectorMixin
from ..utils._sklearn_compat import _fit_context, check_is_fitted, validate_data
from ..utils._validation import check_float32_range, finite_scores
from ._preprocessing import WideDataProjectionMixin

__all__ = ["ModelOutlierDetector"]


class ModelOutlierDetector(WideDataProjectionMixin, OutlierDetectorMixin, BaseEstimator, metaclass=ABCMeta):
    """Base (not public): project wide data, standardise, fit ``model_``, score rows by ``_normality``.

    Subclasses implement :meth:`_make_model` and :meth:`_normality`.
    """

    @abstractmethod
    def _make_model(self, n_features):
        """The unfitted model (an estimator with ``fit`` and ``partial_fit``) for ``n_features`` inputs."""

    @abstractmethod
    def _normality(self, model, X):
        """Normality of the prepared rows ``X`` under the fitted ``model`` (higher = more normal)."""

    def _code_width(self, n_features):
        """``n_components``, or ``max(1, min(8, n_features // 2))`` when it is None."""
        return self.n_components or max(1, min(8, n_features // 2))

    def _torch_params(self):
        return {k: getattr(self, k) for k in BaseTorchEstimator._parameter_constraints}

    _parameter_constraints: dict = {
        **WideDataProjectionMixin._projection_constraints,
        **OutlierDetectorMixin._parameter_constraints,
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model on X and set the decision threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows (may contain the outliers: the unsupervised setting).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted detector.
        """
        X = check_float32_range(validate_data(self, X, dtype=[np.float64, np.float32]), type(self).__name__)
        Xs = self._fit_preprocessing(X)
        self.model_ = self._make_model(Xs.shape[1]).fit(Xs)
        self._set_offset(self._normality(self.model_, Xs))
        return self

    def partial_fit(self, X, y=None):
        """One pass of training over X, continuing from the current state.

        The first call fits the preprocessing (projection of wide data,
        scaling) and builds the model from X (one epoch);
        each later call trains the model one more epoch on its rows (the
        preprocessing stays that of the first block). The decision threshold
        ``offset_`` is reset from the scores of the latest block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of training rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated detector.
        """
        first = not hasattr(self, "model_")
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        check_float32_range(X, type(self).__name__)
        Xs = self._fit_preprocessing(X) if first else self._preprocess(X)
        if first:
            self.model_ = self._make_model(Xs.shape[1])
        self.model_.partial_fit(Xs)
        self._set_offset(self._normality(self.model_, Xs))
        return self

    def score_samples(self, X):
        """Normality of each row (higher = more normal, scikit-learn's convention).

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
        check_float32_range(X, type(self).__name__)
        return finite_scores(self._normality(self.model_, self._preprocess(X)))
