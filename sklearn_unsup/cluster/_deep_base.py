"""What the deep clusterers share: validation, predict/predict_proba/transform/score."""

from abc import abstractmethod

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from .._torch import BaseTorchEstimator
from ..metrics import silhouette_score
from ..neighbors import mine_neighbors
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_hidden_dims, check_n_clusters, check_n_neighbors
from ..utils._warnings import warn_caller
from ._feature_kmeans import feature_kmeans

__all__ = ["BaseDeepClusterer", "EpochHook"]

# cluster_prior="auto" keeps equal sizes unless the k-means shares' entropy is below this share of log(k)
AUTO_PRIOR_MIN_ENTROPY = 0.95


class EpochHook(Callback):
    """skorch callback calling ``fn(net, dataset_train)`` at the start of every epoch.

    The deep clusterers recompute pseudo-labels, targets or phases there.
    ``fn`` must be a picklable module-level function (or ``functools.partial``
    of one) so the fitted net pickles without its estimator.
    """

    def __init__(self, fn):
        self.fn = fn

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.fn(net, dataset_train)


class BaseDeepClusterer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseTorchEstimator):
    """Base of the torch clusterers (not for direct use).

    Subclasses train ``net_`` (a module with ``encode(x)`` and a way to turn
    rows into cluster probabilities, :meth:`_proba_fn`) and call
    :meth:`_finish_fit`, which warns (``ConvergenceWarning``) when the
    training rows leave clusters empty — a degenerate solution. This class provides ``predict_proba``, ``predict``
    (argmax; a row's label depends on that row only), ``transform`` (the
    encoder's embedding) and ``score``.
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }
    _augment_constraints: dict = {
        "augment": [StrOptions({"mask", "gaussian", "scarf", "none"})],
        "corruption_rate": [Interval(Real, 0, 1, closed="neither")],
        "noise_scale": [Interval(Real, 0, None, closed="neither")],
    }

    _prior_constraints: dict = {
        "cluster_prior": [StrOptions({"auto", "uniform", "kmeans"}), "array-like"],
    }

    # ----------------------------------------------------------------- fit helpers
    def _validate_clustering_data(self, X, min_samples=2):
        X = self._validate_fit_data(X, ensure_min_samples=min_samples)
        check_n_clusters(self.n_clusters, X.shape[0])
        return X

    def _clustering_net_kwargs(self, n_features, *, n_heads):
        """Arguments of a ``ClusteringNet`` from the shared parameters (SCAN, SeLa, DeepCluster)."""
        return dict(n_features=n_features, n_clusters=self.n_clusters, hidden_dims=check_hidden_dims(self.hidden_dims),
                    n_components=self.n_components, n_heads=n_heads, augment=self.augment, rate=self.corruption_rate,
                    scale=self.noise_scale)

    def _mine_neighbors(self, X, n_neighbors, metric):
        """Each row's ``n_neighbors`` nearest other rows (exact kNN kernel or NN-descent)."""
        k = check_n_neighbors(self, n_neighbors, X.shape[0] - 1)
        algorithm = getattr(self, "neighbors_algorithm", "exact")
        return torch.from_numpy(mine_neighbors(X, k, metric=metric, algorithm=algorithm,
                                               random_state=self.random_state))

    def _cluster_prior(self, X, n_clusters=None):
        """The cluster shares ``cluster_prior`` asks for, sorted in decreasing order (floored at 1e-3 / k).

        Subclasses with a ``cluster_prior`` parameter (SCAN, SeLa) document it.
        """
        k = int(self.n_clusters if n_clusters is None else n_clusters)
        if isinstance(self.cluster_prior, str):
            if self.cluster_prior == "uniform" or k == 1:
                return np.full(k, 1.0 / k)
            _, labels, _ = feature_kmeans(X, k, n_init=3, random_state=self._seed())
            prior = np.bincount(labels, minlength=k).astype(np.float64)
        else:
            prior = np.asarray(self.cluster_prior, dtype=np.float64).ravel()
            if prior.shape != (k,) or not np.all(np.isfinite(prior)) or prior.min() < 0 or prior.sum() <= 0:
                raise ValueError(f"cluster_prior must hold {k} non-negative finite shares (one per cluster; one per "
                                 f"prototype for SwAV), got {self.cluster_prior!r}.")
        prior = np.maximum(prior / prior.sum(), 1e-3 / k)
        prior = np.sort(prior / prior.sum())[::-1].copy()
        if isinstance(self.cluster_prior, str) and self.cluster_prior == "auto":
            entropy = -float(np.sum(prior * np.log(prior)))
            if entropy >= AUTO_PRIOR_MIN_ENTROPY * np.log(k):
                return np.full(k, 1.0 / k)
        return prior

    def _fit_cluster_prior(self, X, n_clusters=None):
        """Set ``cluster_prior_``; return its shares as a tuple for the loss, or None when they are equal."""
        self.cluster_prior_ = self._cluster_prior(X, n_clusters)
        return None if np.ptp(self.cluster_prior_) == 0 else tuple(float(v) for v in self.cluster_prior_)

    def _finish_fit(self, X):
        self._n_features_out = self.n_components
        proba = self._proba(X)
        self.labels_ = proba.argmax(1)
        self.cluster_sizes_ = np.bincount(self.labels_, minlength=self.n_clusters)
        n_empty = int(np.sum(self.cluster_sizes_ == 0))
        if n_empty and self.n_clusters <= X.shape[0]:
            warn_caller(
                f"{type(self).__name__} ended with {n_empty} of {self.n_clusters} clusters empty "
                f"(largest cluster: {int(self.cluster_sizes_.max())} of {X.shape[0]} rows): the "
                "solution is degenerate. Scale the input (StandardScaler, or the UMAP step of "
                "make_umap_pipeline), lower lr, or use a method with an equipartition or entropy term "
                "(SCAN, SwAV, SeLa).",
                ConvergenceWarning,
            )
        return self

    @abstractmethod
    def _proba_fn(self, module, xb):
        """Cluster probabilities of a batch ``xb`` (a tensor of shape (batch, n_clusters))."""

    def _proba(self, X):
        proba = self._forward(self._proba_fn, X).astype(np.float64)
        proba /= proba.sum(1, keepdims=True)
        return proba

    # ------------------------------------------------------------------ public API
    def predict_proba(self, X):
        """Soft cluster assignment of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Rows sum to 1.
        """
        return self._proba(self._validate_predict_data(X))

    def predict(self, X):
        """Cluster of each row (argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.predict_proba(X).argmax(1)

    def transform(self, X):
        """The encoder's embedding of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        X = self._validate_predict_data(X)
        return self._forward(lambda m, xb: m.encode(xb), X).astype(X.dtype, copy=False)

    def score(self, X, y=None):
        """Silhouette of the predicted clusters in the input space (higher is better).

        Comparable across settings and across methods (it does not depend on
        the learned embedding), so ``GridSearchCV`` can tune the clusterer
        without labels. Rewards compact, separated clusters in X's own
        geometry; it misleads where the clusters are curved or only separable
        in a learned space. -1 when all rows fall into one cluster.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        X = self._validate_predict_data(X)
        labels = self._proba(X).argmax(1)
        n_labels = np.unique(labels).size
        if n_labels < 2 or n_labels >= X.shape[0]:
            return -1.0
        return float(silhouette_score(X, labels))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
