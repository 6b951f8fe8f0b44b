"""The one preprocessing step of the model-based detectors: optional projection of wide data, then scaling.

Torch-free. Used by the outlier detectors (AutoEncoder, VAE, flow, Deep SVDD)
and the unsupervised OOD detectors (invariants, score matching).
"""

from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from ..utils._sklearn_compat import Integral, Interval, StrOptions

__all__ = ["StandardizeMixin", "WideDataProjectionMixin"]


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
