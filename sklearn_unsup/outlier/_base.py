"""Shared plumbing of the detectors that score rows with a fitted model."""

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from .._torch import BaseTorchEstimator
from ..base import OutlierDetectorMixin
from ..utils._sklearn_compat import Integral, Interval, StrOptions, _fit_context, check_is_fitted, validate_data
from ..utils._validation import check_float32_range, finite_scores

__all__ = ["ModelOutlierDetector", "WideDataProjectionMixin"]


class WideDataProjectionMixin:
    """Projection of wide data onto its leading principal axes (``input_pca_components``).

    With fewer training rows than features (a few hundred embedding vectors
    of 512 dimensions, say) the rows span a thin subspace; a deep detector
    then fits its noise directions. ``"auto"`` projects the centred rows onto
    ``n_samples // 5`` principal axes in that case and leaves other data as
    they are; an int sets the number of axes; None never projects. Sets
    ``pca_`` (a fitted PCA, or None).
    """

    _projection_constraints: dict = {
        "input_pca_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
    }

    def _projection_width(self, n_samples, n_features):
        """Principal axes to keep, or None for no projection."""
        if self.input_pca_components is None:
            return None
        if self.input_pca_components == "auto" and n_samples >= n_features:
            return None
        width = n_samples // 5 if self.input_pca_components == "auto" else self.input_pca_components
        width = max(1, min(width, n_samples))
        return width if width < n_features else None

    def _fit_projection(self, X):
        """Fit ``pca_`` on the training rows; return them projected."""
        width = self._projection_width(*X.shape)
        self.pca_ = None if width is None else PCA(width, random_state=self.random_state).fit(X)
        return self._project(X)

    def _project(self, X):
        return X if self.pca_ is None else self.pca_.transform(X)


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

    def _fit_prep(self, X):
        """Fit the preprocessing of the model's input (the projection, then the optional scaler); return X prepared."""
        Z = self._fit_projection(X)
        self.scaler_ = StandardScaler().fit(Z) if self.standardize else None
        return self.scaler_.transform(Z) if self.scaler_ is not None else Z

    def _prep(self, X):
        Z = self._project(X)
        return self.scaler_.transform(Z) if self.scaler_ is not None else Z

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
        Xs = self._fit_prep(X)
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
        Xs = self._fit_prep(X) if first else self._prep(X)
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
        return finite_scores(self._normality(self.model_, self._prep(X)))
