"""Shared plumbing of the detectors that score rows with a fitted model."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler

from ..base import BaseTorchEstimator, OutlierDetectorMixin
from ..utils._sklearn_compat import _fit_context, check_is_fitted, validate_data

__all__ = ["ModelOutlierDetector"]


class ModelOutlierDetector(OutlierDetectorMixin, BaseEstimator):
    """Base (not public): standardise, fit ``model_``, score rows by ``_normality``.

    Subclasses implement ``_make_model(n_features)`` (an unfitted estimator) and
    ``_normality(model, X)`` (higher = more normal).
    """

    def _code_width(self, n_features):
        """``n_components``, or ``max(1, min(8, n_features // 2))`` when it is None."""
        return self.n_components or max(1, min(8, n_features // 2))

    def _torch_params(self):
        return {k: getattr(self, k) for k in BaseTorchEstimator._parameter_constraints}

    def _fit_prep(self, X):
        """Fit the preprocessing of the model's input (here: the optional scaler)."""
        self.scaler_ = StandardScaler().fit(X) if self.standardize else None

    def _prep(self, X):
        return self.scaler_.transform(X) if self.scaler_ is not None else X

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
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._fit_prep(X)
        Xs = self._prep(X)
        self.model_ = self._make_model(Xs.shape[1]).fit(Xs)
        self._set_offset(self._normality(self.model_, Xs))
        return self

    def partial_fit(self, X, y=None):
        """One pass of training over X, continuing from the current state.

        The first call fits the preprocessing (scaling, and a detector's
        projection if it has one) and builds the model from X (one epoch);
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
        if first:
            self._fit_prep(X)
        Xs = self._prep(X)
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
        return np.asarray(self._normality(self.model_, self._prep(X)), dtype=np.float64)
