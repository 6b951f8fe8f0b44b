"""What the deep clusterers share: validation, predict/predict_proba/transform/score."""

import sys
import warnings
from abc import abstractmethod

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import _num_features, _num_samples
from skorch.callbacks import Callback

from .._torch import BaseTorchEstimator
from ..metrics import silhouette_score
from ..neighbors import mine_neighbors
from ..utils._sklearn_compat import HasMethods, Integral, Interval, Real, StrOptions, _fit_context
from ..utils._validation import check_hidden_dims, check_n_clusters, check_n_neighbors
from ..utils._warnings import warn_caller
from ._feature_kmeans import feature_kmeans

__all__ = ["BaseDeepClusterer", "EpochHook", "epochs_within_steps", "labels_silhouette"]

# cluster_prior="auto" keeps equal sizes unless the k-means shares' entropy is below this share of log(k)
AUTO_PRIOR_MIN_ENTROPY = 0.95

# encoder="auto" uses UMAP from this many rows of at least this many features (else the rows as given)
AUTO_ENCODER_MIN_SAMPLES = 1000
AUTO_ENCODER_MIN_FEATURES = 20
# n_init="auto": this many training runs, kept by silhouette, when no encoder stage runs and the
# training rows are at most AUTO_N_INIT_MAX_SAMPLES (a few seconds each there); one run otherwise
AUTO_N_INIT = 5
AUTO_N_INIT_MAX_SAMPLES = 2000
# n_init > 1: runs are compared by the silhouette of at most this many training rows (the same subset for all)
RUN_SILHOUETTE_MAX_SAMPLES = 10_000
_RUN_SCORING_STATE = ("_keep_run_codes", "_run_codes")
# epochs="auto" (DEC's clustering epochs, DeepCluster's epochs): the usual epoch count, or as many epochs as make this
# many optimiser steps when that is fewer (a step budget, as the papers count iterations; DEC pre-trains for 750)
AUTO_MAX_STEPS = 500
# encoder="umap": the N2D settings of make_umap_pipeline
UMAP_ENCODER_PARAMS = {"n_components": 10, "n_neighbors": 20, "min_dist": 0.0}
# encoder="pca": at most this many principal components
PCA_ENCODER_COMPONENTS = 32


def labels_silhouette(codes, labels):
    """Silhouette of ``labels`` among the rows ``codes``, -1 where it is undefined (one cluster, or one per row).

    Above ``RUN_SILHOUETTE_MAX_SAMPLES`` rows the same seeded subset scores every labelling, so labellings of
    the same rows stay comparable (``n_init``'s runs, DEC's start and trained labels).
    """
    n_labels = np.unique(labels).size
    if n_labels < 2 or n_labels >= labels.shape[0]:
        return -1.0
    sample_size = RUN_SILHOUETTE_MAX_SAMPLES if codes.shape[0] > RUN_SILHOUETTE_MAX_SAMPLES else None
    try:
        return float(silhouette_score(codes, labels, sample_size=sample_size, random_state=0))
    except ValueError:  # the subset of a nearly collapsed labelling holds one cluster
        return -1.0


def epochs_within_steps(n_epochs, n_samples, batch_size, max_steps=None):
    """``n_epochs``, or the fewest epochs that make ``max_steps`` optimiser steps when that is fewer (at least 1).

    An epoch is ``ceil(n_samples / batch_size)`` steps, so the cap binds exactly when
    ``ceil(max_steps / ceil(n_samples / batch_size)) < n_epochs`` (e.g. 40 epochs, 500 steps, batches of 256:
    from 3,073 rows on, 13 steps an epoch); smaller sets keep ``n_epochs``. ``max_steps`` defaults to
    ``AUTO_MAX_STEPS``.
    """
    max_steps = AUTO_MAX_STEPS if max_steps is None else max_steps
    steps_per_epoch = max(1, -(-int(n_samples) // max(1, int(batch_size))))
    return int(max(1, min(int(n_epochs), -(-int(max_steps) // steps_per_epoch))))


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
    _encoder_constraints: dict = {
        "encoder": [StrOptions({"auto", "umap", "pca"}), HasMethods(["fit", "transform"]), None],
    }

    #: ``n_init`` counts whole training runs kept by silhouette (SCAN, SeLa, SwAV, DEC, DeepCluster)
    _restarts_by_silhouette = False
    _n_init_constraints: dict = {
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    }
    #: ``max_epochs="auto"``: this many epochs, fewer where they would pass ``AUTO_MAX_STEPS`` optimiser steps
    #: (DeepCluster, SeLa, SwAV; DEC's clustering epochs with 50; SCAN has a rule of its own)
    _auto_max_epochs = 40

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model on X (with ``n_init``: that many training runs, the best kept).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self.__dict__.pop("init_scores_", None)
        n_init = self._n_runs(X)
        if n_init == 1:
            self._fit(X, first_block=False)
            return self
        self._keep_run_codes = True
        try:
            with warnings.catch_warnings(record=True) as caught:
                self._fit(X, first_block=False)
            caught = self._keep_best_run(X, n_init, caught)
        finally:
            self.__dict__.pop("_keep_run_codes", None)
            self.__dict__.pop("_run_codes", None)
        seen = set()
        for w in caught:  # the kept run's warnings only (a discarded run's degenerate end is not the result)
            key = (str(w.message), w.category, w.filename, w.lineno)
            if key not in seen:
                seen.add(key)
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, module=_module_name(w.filename))
        return self

    def _n_runs(self, X):
        """Training runs ``fit`` makes: ``n_init``, with "auto" resolved from X's shape and ``encoder``."""
        if not self._restarts_by_silhouette:  # no n_init of training runs
            return 1
        if self.n_init != "auto":
            return int(self.n_init)
        try:
            n, d = _num_samples(X), _num_features(X)
        except (TypeError, ValueError):  # not a 2-d array: fit's validation says so
            return 1
        big = n >= AUTO_ENCODER_MIN_SAMPLES and d >= AUTO_ENCODER_MIN_FEATURES
        no_encoder = self.encoder is None or (isinstance(self.encoder, str) and self.encoder == "auto" and not big)
        return AUTO_N_INIT if no_encoder and n <= AUTO_N_INIT_MAX_SAMPLES else 1

    def _keep_best_run(self, X, n_init, caught):
        """Train ``n_init - 1`` more copies (other seeds) and keep the run whose labels have the best silhouette.

        The first run is this estimator's own (the result ``n_init=1`` gives); the silhouette of each run's
        training labels is taken where its network clusters (the ``encoder`` stage's output, or the rows), and a
        run that leaves clusters empty ranks below every run that fills them all. Returns the warnings the kept
        run raised.
        """
        rng = check_random_state(self.random_state)
        seeds = [None if self.random_state is None else int(s)
                 for s in rng.randint(np.iinfo(np.int32).max, size=n_init - 1)]
        params = self.get_params(deep=False)

        def rank(run, score):  # a run that fills every cluster ranks above one that leaves some empty
            return int(np.count_nonzero(run.cluster_sizes_)), score

        best, scores = self, [self._run_silhouette(X)]
        best_rank = rank(self, scores[0])
        for seed in seeds:
            # a new instance, not clone(): clone would also clone the callbacks, which _fit deep-copies anyway
            run = type(self)(**{**params, "n_init": 1, "random_state": seed})
            run._keep_run_codes = True
            with warnings.catch_warnings(record=True) as run_caught:
                run._fit(X, first_block=False)
            scores.append(run._run_silhouette(X))
            if rank(run, scores[-1]) > best_rank:
                best, best_rank, caught = run, rank(run, scores[-1]), run_caught
        if best is not self:
            kept = {k: v for k, v in best.__dict__.items() if k not in params and k not in _RUN_SCORING_STATE}
            self.__dict__.update(kept)
        self.init_scores_ = np.asarray(scores)
        return caught

    def _run_silhouette(self, X):
        """Silhouette of ``labels_`` among the training rows as the network saw them (-1: one cluster).

        The rows are those the run clustered (the ``encoder`` stage's fit output, not a second ``transform``);
        above ``RUN_SILHOUETTE_MAX_SAMPLES`` rows the same random subset scores every run.
        """
        codes = self.__dict__.pop("_run_codes", None)
        if codes is None:
            codes = self._validate_predict_data(X)
        return labels_silhouette(codes, self.labels_)

    # ----------------------------------------------------------------- fit helpers
    def _n_epochs(self, n_samples):
        """``max_epochs`` with "auto" resolved: ``_auto_max_epochs`` epochs, capped at ``AUTO_MAX_STEPS`` steps."""
        if isinstance(self.max_epochs, str) and self.max_epochs == "auto":
            return epochs_within_steps(self._auto_max_epochs, n_samples, int(self.batch_size))
        return int(self.max_epochs)

    def _validate_clustering_data(self, X, min_samples=2):
        """Validated training rows, passed through the fitted ``encoder`` stage (sets ``encoder_``)."""
        X = self._validate_fit_data(X, ensure_min_samples=min_samples)
        check_n_clusters(self.n_clusters, X.shape[0])
        self.encoder_ = self._make_encoder(X)
        if self.encoder_ is not None:
            fit_transform = getattr(self.encoder_, "fit_transform", None)
            Z = fit_transform(X) if fit_transform is not None else self.encoder_.fit(X).transform(X)
            X = self._encoded(Z, X)
        if getattr(self, "_keep_run_codes", False):  # n_init > 1: the run is scored on the rows it clustered
            self._run_codes = X
        return X

    def _make_encoder(self, X):
        """The unfitted encoder stage ``encoder`` asks for on these rows, or None."""
        encoder = self.encoder
        if isinstance(encoder, str) and encoder == "auto":
            big = X.shape[0] >= AUTO_ENCODER_MIN_SAMPLES and X.shape[1] >= AUTO_ENCODER_MIN_FEATURES
            encoder = "umap" if big else None
        if encoder is None:
            return None
        if isinstance(encoder, str) and encoder == "umap" and X.shape[0] < 3:
            raise ValueError(f"encoder='umap' needs at least 3 training rows, got {X.shape[0]}.")
        if isinstance(encoder, str) and encoder == "pca":
            return PCA(min(PCA_ENCODER_COMPONENTS, *X.shape), random_state=self._seed())
        if isinstance(encoder, str) and encoder == "umap":
            import umap

            params = dict(UMAP_ENCODER_PARAMS, n_neighbors=min(UMAP_ENCODER_PARAMS["n_neighbors"], X.shape[0] - 1))
            seed = None if self.random_state is None else self._seed()
            # a seeded UMAP runs single-threaded anyway; n_jobs=1 says so instead of warning
            return umap.UMAP(**params, metric=getattr(self, "metric", "euclidean"), random_state=seed,
                             n_jobs=-1 if seed is None else 1)
        encoder = clone(encoder)
        if hasattr(encoder, "_parameter_constraints"):  # fit's nested validation is skipped under _fit_context
            encoder._validate_params()
        return encoder

    def _encoded(self, Z, X):
        """The encoder's output checked (2-d, finite, one row per row of X) in X's dtype."""
        Z = check_array(Z, dtype=X.dtype, input_name="the encoder's output")
        if Z.shape[0] != X.shape[0]:
            raise ValueError(f"The encoder returned {Z.shape[0]} rows for {X.shape[0]} input rows.")
        return Z

    def _encode(self, X):
        """Validated rows passed through the fitted encoder stage (identity without one)."""
        encoder = getattr(self, "encoder_", None)
        return X if encoder is None else self._encoded(encoder.transform(X), X)

    def _validate_predict_data(self, X):
        """Validated rows as the network sees them (through the fitted encoder stage)."""
        return self._encode(super()._validate_predict_data(X))

    def _clustering_net_kwargs(self, n_features, *, n_heads):
        """Arguments of a ``ClusteringNet`` from the shared parameters (SCAN, SeLa, DeepCluster)."""
        return dict(n_features=n_features, n_clusters=self.n_clusters, hidden_dims=check_hidden_dims(self.hidden_dims),
                    n_components=self.n_components, n_heads=n_heads, augment=self.augment, rate=self.corruption_rate,
                    scale=self.noise_scale)

    def _mine_neighbors(self, X, n_neighbors, metric):
        """Each row's ``n_neighbors`` nearest other rows (exact kNN kernel, IVF or NN-descent)."""
        k = check_n_neighbors(self, n_neighbors, X.shape[0] - 1)
        if getattr(self, "encoder_", None) is not None:  # an encoder's codes are compared as Euclidean points
            metric = "euclidean"
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
                "solution is degenerate. Scale the input (StandardScaler), use encoder=\"umap\", lower lr, or "
                "use a method with an equipartition or entropy term (SCAN, SwAV, SeLa).",
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
        the learned embedding nor on the ``encoder`` stage), so ``GridSearchCV`` can tune the clusterer
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
        X = super()._validate_predict_data(X)  # the raw rows: the silhouette is taken in the input space
        labels = self._proba(self._encode(X)).argmax(1)
        n_labels = np.unique(labels).size
        if n_labels < 2 or n_labels >= X.shape[0]:
            return -1.0
        return float(silhouette_score(X, labels))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _module_name(filename):
    """Dotted name of the imported module defined in ``filename`` (None if none), so that re-sent warnings meet
    the ``module=`` filters the original ones met."""
    for name, module in list(sys.modules.items()):
        try:  # vars(), not getattr: a lazily loaded module is not executed by the look-up
            if vars(module).get("__file__") == filename:
                return name
        except Exception:  # noqa: BLE001 - an odd entry in sys.modules is not this warning's module
            continue
    return None
