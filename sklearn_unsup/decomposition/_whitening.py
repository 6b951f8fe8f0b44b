"""WhiteningBERT-style whitening of embedding vectors."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.utils import check_array

from ..base import BaseEstimator
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["Whitening", "fit_whitening", "whiten"]


def _floored_scale(explained_variance):
    """Standard deviations of the components, floored so that the whitening stays finite.

    A component of (near) zero variance would be divided by zero. Scales below
    ``eps`` times the largest are raised to it (a relative floor, so the result
    does not depend on the data's units); data with no variance at all is only
    centred and rotated.
    """
    scale = np.sqrt(explained_variance)
    top = scale.max() if scale.size else 0.0
    floor = np.finfo(scale.dtype).eps * top if top > 0 else 1.0
    return np.maximum(scale, floor)


def fit_whitening(X, n_components=None):
    """PCA-whitening of X: ``(mean, W)`` with ``W = components.T / floored std`` (the one whitening here).

    ``n_components`` is clipped to ``min(n_samples - 1, n_features)`` (at least
    1); None keeps them all. Used by :class:`Whitening` and by DeepCluster's
    features before k-means.
    """
    n, d = X.shape
    k = min(d, max(1, n - 1)) if n_components is None else int(min(n_components, d, max(1, n - 1)))
    pca = PCA(k, svd_solver="full").fit(X)
    return pca.mean_, pca.components_.T / _floored_scale(pca.explained_variance_)


def whiten(X, mean, W, *, normalize=True):
    """``(X - mean) @ W``, each row then scaled to unit L2 norm (a zero row stays zero) when ``normalize``."""
    Z = (X - mean) @ W
    if normalize:
        norms = np.linalg.norm(Z, axis=1, keepdims=True)
        Z = Z / np.where(norms == 0, 1, norms)
    return Z


class Whitening(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Whitening of embedding vectors: centre, decorrelate, unit variance, optionally L2-normalise.

    Sentence and image embeddings are anisotropic (a few directions dominate
    every cosine similarity). Whitening maps them to zero mean and identity
    covariance, ``z = (x - mean) U S^(-1/2)`` over the top ``n_components``
    principal directions, and then, as WhiteningBERT does before cosine
    retrieval, optionally rescales each vector to unit L2 norm. The PCA part
    is scikit-learn's :class:`~sklearn.decomposition.PCA` with
    ``whiten=True`` (kept as ``pca_``). Components of (near) zero variance
    are scaled by ``eps`` times the largest standard deviation instead of
    their own, so constant or rank-deficient data gives finite output.

    Parameters
    ----------
    n_components : int or None, default=None
        Dimensions kept (None keeps ``min(n_samples, n_features)``); fewer
        also reduces the embedding, as in WhiteningBERT's 256-d variant.
    normalize : bool, default=True
        L2-normalise the whitened vectors (for cosine / inner-product search).

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
        The fitted whitening PCA (``mean_``, ``components_``,
        ``explained_variance_``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : ``whiten=True`` without the normalisation.

    References
    ----------
    .. [1] J. Huang, D. Tang, W. Zhong, S. Lu, L. Shou, M. Gong, D. Jiang and N. Duan,
       "WhiteningBERT: an easy unsupervised sentence embedding approach",
       Findings of EMNLP 2021.
    .. [2] J. Su, J. Cao, W. Liu and Y. Ou, "Whitening sentence representations for
       better semantics and faster retrieval", 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.decomposition import Whitening
    >>> X = np.random.RandomState(0).normal(size=(100, 5)) @ np.diag([10, 1, 1, 1, 0.1])
    >>> Z = Whitening(normalize=False).fit_transform(X)
    >>> np.allclose(np.cov(Z.T), np.eye(5), atol=1e-6)
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "normalize": ["boolean"],
    }

    def __init__(self, n_components=None, *, normalize=True):
        self.n_components = n_components
        self.normalize = normalize

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Estimate the mean and the whitening directions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings.
        y : None
            Ignored.

        Returns
        -------
        self : Whitening
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if self.n_components is not None and self.n_components > min(X.shape):
            raise ValueError(
                f"n_components={self.n_components} must be <= min(n_samples, n_features)={min(X.shape)}."
            )
        self.pca_ = PCA(self.n_components, whiten=True, svd_solver="full").fit(X)
        self._n_features_out = self.pca_.n_components_
        return self

    def transform(self, X):
        """Whiten (and normalise) rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        # computed here, not with pca_.transform, whose output container is its own
        W = self.pca_.components_.T / self._scale()
        return whiten(X, self.pca_.mean_, W, normalize=self.normalize).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Map whitened vectors back to the input space.

        Exact when ``normalize=False``; with normalisation the norm of each
        whitened vector is lost, so the result has the right direction in the
        whitened space but unit whitened norm.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)
            Whitened vectors.

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects "
                f"n_components_={self._n_features_out} whitened columns."
            )
        pca = self.pca_
        X_original = (Z * self._scale()) @ pca.components_ + pca.mean_
        return X_original.astype(Z.dtype, copy=False)

    def _scale(self):
        return _floored_scale(self.pca_.explained_variance_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
