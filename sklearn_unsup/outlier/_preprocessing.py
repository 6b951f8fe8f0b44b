"""The one preprocessing step of the model-based detectors: optional projection of wide data, then scaling.

Torch-free. Used by the outlier detectors (AutoEncoder, VAE, flow, Deep SVDD)
and the unsupervised OOD detectors (invariants, score matching).
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from ..utils._sklearn_compat import Integral, Interval, StrOptions
from ..utils._validation import finite_scores

__all__ = ["BoundedInputMixin", "StandardizeMixin", "WideDataProjectionMixin"]


class StandardizeMixin:
    """``standardize``: z-score the rows with the training rows' mean and scale before the model (sets ``scaler_``).

    :meth:`_fit_preprocessing` on the training rows, :meth:`_preprocess` on any
    other rows; both return the rows the model sees.
    """

    def _fit_preprocessing(self, X):
        self.scaler_ = StandardScaler().fit(X) if self.standardize else None
        return self._scale(X)

    def _preprocess(self, X):
        return self._scale(X)

    def _scale(self, X):
        return X if self.scaler_ is None else self.scaler_.transform(X)


class WideDataProjectionMixin(StandardizeMixin):
    """Projection of wide data onto its leading principal axes (``input_pca_components``), then scaling.

    With fewer training rows than features (a few hundred embedding vectors
    of 512 dimensions, say) the rows span a thin subspace; a deep detector
    then fits its noise directions. ``"auto"`` projects the centred rows onto
    ``n_samples // 5`` principal axes in that case and leaves other data as
    they are; an int sets the number of axes; None never projects. Sets
    ``pca_`` (a fitted PCA, or None) and ``scaler_``.
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

    def _fit_preprocessing(self, X):
        width = self._projection_width(*X.shape)
        self.pca_ = None if width is None else PCA(width, random_state=self.random_state).fit(X)
        return super()._fit_preprocessing(self._project(X))

    def _preprocess(self, X):
        return super()._preprocess(self._project(X))

    def _project(self, X):
        return X if self.pca_ is None else self.pca_.transform(X)


class BoundedInputMixin(WideDataProjectionMixin):
    """Projection, ``scaling``, then rows clipped to the scaled training range with their excess penalised.

    For the contrastive detectors (ICL, NeuTraL) whose bias-free networks and
    unit-normalised embeddings make the loss blind to a row's scale: the
    network sees each scaled row clipped to the training rows' range
    (``input_range_``) and the row's total excess over that range is
    subtracted from its score. A subclass defines ``_row_loss(module, xb)``
    (one loss per row); ``_scores`` is minus that loss minus the excess.
    """

    _scaling_constraints: dict = {"scaling": [StrOptions({"minmax", "standard"}), None]}

    def _fit_preprocessing(self, X):
        width = self._projection_width(*X.shape)
        self.pca_ = None if width is None else PCA(width, random_state=self.random_state).fit(X)
        Xp = self._project(X)
        scalers = {"minmax": MinMaxScaler, "standard": StandardScaler}
        self.scaler_ = None if self.scaling is None else scalers[self.scaling]().fit(Xp)
        Xs = self._scale(Xp)
        self.input_range_ = np.vstack([Xs.min(axis=0), Xs.max(axis=0)]).astype(np.float64)
        return Xs

    def _bounded(self, Xs):
        """The scaled rows clipped to ``input_range_``, and each row's total excess over that range."""
        low, high = self.input_range_
        wide = np.asarray(Xs, dtype=np.float64)
        excess = (np.clip(low - wide, 0.0, None) + np.clip(wide - high, 0.0, None)).sum(axis=1)
        return np.clip(wide, low, high).astype(Xs.dtype, copy=False), excess

    def _training_rows(self, X):
        return self._bounded(self._preprocess(X))[0]

    def _after_partial_fit(self, Xs):
        self._set_offset(self._scores(Xs))

    def _scores(self, Xs):
        Xc, excess = self._bounded(Xs)
        loss = self._forward(self._row_loss, Xc).astype(np.float64)
        return finite_scores(-loss - excess)
