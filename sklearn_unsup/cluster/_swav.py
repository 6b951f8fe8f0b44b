"""SwAV: swapped prediction of Sinkhorn cluster codes between two views."""

from functools import partial

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from skorch.callbacks import Callback

from .._kernels import sinkhorn_knopp
from .._nn import ClusterBatchIterator, PrototypeNet, SwAVLoss
from .._torch import TorchPartialFitMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_hidden_dims
from ._deep_base import AUTO_ENCODER_MIN_FEATURES, BaseDeepClusterer
from ._feature_kmeans import feature_kmeans

__all__ = ["SwAV"]

# augment="auto" / temperature="auto": SCARF views and a softer softmax when no encoder stage runs and the rows have
# fewer than AUTO_ENCODER_MIN_FEATURES features (narrow tables), no augmentation and the paper's 0.1 otherwise
AUTO_AUGMENT_NO_ENCODER, AUTO_AUGMENT_ENCODER = "scarf", "none"
AUTO_TEMPERATURE_NO_ENCODER, AUTO_TEMPERATURE_ENCODER = 0.2, 0.1


def batch_codes(scores, epsilon, n_iter, prior=None):
    """SwAV's codes of a batch: Sinkhorn-Knopp on ``exp(scores / epsilon)`` (numba kernel), rows sum to 1.

    ``prior`` (prototype shares, decreasing): the prototypes receive these
    shares of the batch instead of equal ones, matched by rank of their
    total ``exp(score / epsilon)`` mass in the batch.
    """
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    marginals = None
    if prior is not None:
        s = scores.astype(np.float64) / epsilon
        mass = np.log(np.exp(s - s.max()).sum(0))  # per-prototype log mass, up to one constant
        marginals = np.empty(scores.shape[1])
        marginals[np.argsort(-mass, kind="stable")] = prior
    return sinkhorn_knopp(scores, epsilon=epsilon, n_iter=n_iter, col_marginals=marginals)[0]


def _per_row_views(swav):
    if swav.n_neighbors > 0:
        raise AttributeError(
            f"SwAV.partial_fit needs n_neighbors=0 (got {swav.n_neighbors}): neighbour views are mined over the "
            "whole training set. With n_neighbors=0 both views are augmentations of the row."
        )
    return True


class _PrototypeSchedule(Callback):
    """L2-normalise the prototypes before every step; keep them frozen for the first epochs."""

    def __init__(self, freeze_epochs=1):
        self.freeze_epochs = freeze_epochs

    def on_batch_begin(self, net, training=False, **kwargs):
        if training:
            net.module_.normalize_prototypes()

    def on_grad_computed(self, net, named_parameters, training=False, **kwargs):
        if training and len(net.history) <= self.freeze_epochs:
            net.module_.prototypes.weight.grad = None


class SwAV(TorchPartialFitMixin, BaseDeepClusterer):
    """SwAV: each view of a row predicts the cluster code of the other view.

    Caron et al. (2020): the network maps a row to an L2-normalised
    embedding; its scores against trainable, L2-normalised prototypes are
    turned into *codes* by Sinkhorn-Knopp on the batch (``sinkhorn_epsilon``,
    ``sinkhorn_max_iter``; computed without gradient), which spreads the
    batch evenly over the prototypes and so rules out the collapsed solution.
    The loss is the swapped prediction: ``softmax(scores_view1 / temperature)``
    must predict the codes of view 2, and vice versa. Prototypes are frozen
    during the first ``freeze_prototypes_epochs`` epochs, as in the paper.

    ``predict`` takes the nearest prototype (largest score), so a row's label
    never depends on the other rows in the call. With ``n_prototypes`` larger
    than ``n_clusters``, the prototypes are grouped into ``n_clusters`` by
    k-means after training and ``predict_proba`` sums each group's
    probabilities.

    Adapted to tables: the two views of a row are the row and one of its
    ``n_neighbors`` nearest rows (0: the row itself), each passed through a
    tabular augmentation (``augment``) instead of image crops.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters.
    encoder : {"auto", "umap", "pca"}, transformer or None, default="auto"
        Stage fitted on the training rows before the network: the network
        (and any neighbour mining or k-means step) works on its output, and
        ``predict``, ``predict_proba`` and ``transform`` pass new rows through
        it. ``"umap"``: UMAP with 10 components, 20 neighbours and
        ``min_dist=0`` (the N2D recipe, as :func:`make_umap_pipeline`; seeded
        from ``random_state``). ``"pca"``: PCA to at most 32 components. A
        transformer (e.g. :class:`~sklearn_unsup.manifold.TLDR`) is cloned
        and fitted. ``None``: the rows as given (small tables, or embeddings
        that are already good). ``"auto"``: ``"umap"`` for at least 1,000
        rows of at least 20 features, ``None`` otherwise; on the benchmark
        sets UMAP raised most deep clusterers' accuracy on digit and MNIST
        pixels and lowered most of them on the small UCI tables (see the
        benchmarks page). The stage gets the validated array (no column
        names). With ``partial_fit`` (DEC, SwAV) the first block decides
        and fits it.
        ``labels_`` come from UMAP's layout of the training rows,
        ``predict`` from its ``transform``, which re-embeds them: the two
        can differ on a few training rows (as in a UMAP pipeline). A UMAP
        stage keeps its training rows and cannot be saved with
        :func:`~sklearn_unsup.utils.dump_skops` (use pickle).
    n_init : "auto" or int, default="auto"
        Training runs with different seeds; the run whose training labels
        have the highest silhouette, taken among the rows as the network sees
        them (the ``encoder`` stage's output, or the rows), is kept, as
        :class:`~sklearn.cluster.KMeans` keeps its lowest-inertia start; a
        run that leaves clusters empty ranks below those that fill them. The
        first run is the one ``n_init=1`` gives. ``"auto"``: 5 runs when no
        ``encoder`` stage runs and there are at most 2,000 training rows
        (small tables: a run takes seconds there, and single runs vary most
        between seeds), 1 otherwise. ``partial_fit`` makes one run. Each run
        trains with its own copy of ``callbacks`` (a checkpoint callback
        keeps the last run's, not necessarily the kept one).
    n_prototypes : int or None, default=None
        Prototypes; None means ``n_clusters``.
    sinkhorn_epsilon : float, default=0.05
        Entropic regularisation of the Sinkhorn codes.
    cluster_prior : {"auto", "uniform", "kmeans"} or array-like of shape (n_prototypes,), default="auto"
        Shares of a batch the Sinkhorn codes give the prototypes.
        ``"uniform"`` is the paper's equipartition. ``"kmeans"`` takes the
        shares of a k-means clustering (``n_prototypes`` clusters) of the
        training rows; an array gives them directly (normalised). ``"auto"``
        takes the k-means shares when they are clearly unequal (entropy below
        ``0.95 log(n_prototypes)``; k-means splits balanced classes at
        .96-.99) and equal shares otherwise. The shares go to the prototypes
        by rank of their mass in each batch, so the prior fixes the spread of
        the sizes, not which prototype is the large one.
    sinkhorn_max_iter : int, default=3
        Sinkhorn-Knopp iterations per batch. SwAV runs exactly this many (no
        tolerance stop; the authors use 3), so here the maximum is also the
        count.
    temperature : "auto" or float, default="auto"
        Softmax temperature of the predictions. ``"auto"``: 0.2 on narrow
        tables (no ``encoder`` stage and fewer than 20 features), 0.1 (the
        paper's) otherwise; see ``augment``. ``temperature_`` holds the
        value used.

        .. versionchanged:: 0.1
           The default was 0.1 in every case.
    freeze_prototypes_epochs : int, default=1
        Epochs during which the prototypes are not updated.
    n_neighbors : int, default=10
        Neighbours mined per row for the second view; 0 uses the row itself.
    hidden_dims : sequence of int, default=(512, 512)
        Encoder hidden widths (BatchNorm, ReLU).
    n_components : int, default=64
        Encoder output width (``transform``'s output).
    projector_dims : sequence of int, default=(128,)
        Projection head; the last width is the prototype space.
    augment : {"auto", "mask", "gaussian", "scarf", "none"}, default="auto"
        Tabular augmentation of both views. ``"auto"``: ``"scarf"`` on narrow
        tables, where no ``encoder`` stage runs and the rows have fewer than
        20 features (the neighbour view is then a near copy of the row),
        ``"none"`` otherwise (behind an encoder stage, or on wider rows as
        given, where SCARF views cost accuracy on digit pixels). With the
        ``temperature="auto"`` rule it lifted SwAV above
        :class:`~sklearn.cluster.KMeans` on the narrow UCI tables where the
        plain neighbour views stayed below it
        (``benchmarks/results/clustering.md``); the UMAP path is unchanged.
        ``augment_`` holds the value used.

        .. versionchanged:: 0.1
           The default was ``"none"`` in every case.
    corruption_rate : float in (0, 1), default=0.2
        Share of features masked or resampled.
    noise_scale : float, default=0.1
        Standard deviation of ``"gaussian"`` noise.
    max_epochs : "auto" or int, default="auto"
        Passes over the training data. ``"auto"``: 40 epochs, or as many as
        make 500 optimiser steps when that is fewer: sets of at most 3,072
        rows (at the default ``batch_size``) keep 40 epochs, larger ones get
        ``ceil(500 / ceil(n_samples / batch_size))`` (25 on 5,000 rows), the
        step budget of :class:`~sklearn_unsup.cluster.DeepCluster`'s
        ``max_epochs="auto"``; it keeps the fit time from growing with the
        number of rows (``benchmarks/results/clustering.md``).
        ``max_epochs_`` holds the number used. With ``partial_fit`` the first
        block decides.

        .. versionchanged:: 0.1
           The default was 40 epochs for every data size; pass 40 for the
           previous schedule.
    batch_size : int, default=256
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=1e-5
        L2 penalty passed to the optimizer.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks or (name, callback) pairs (early stopping, checkpoints,
        LR schedulers, ...), copied at fit.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ..., or ``"accelerate"``: skorch's ``AccelerateMixin`` with an
        ``accelerate.Accelerator`` configured by the environment.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and every random draw of training through
        a private generator; torch's global random state is left as it was. The same
        seed gives identical results on CPU.
    verbose : int, default=0
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.

    Attributes
    ----------
    augment_ : str
        The augmentation used (``augment`` with ``"auto"`` resolved).
    temperature_ : float
        The softmax temperature used (``temperature`` with ``"auto"`` resolved).
    cluster_prior_ : ndarray of shape (n_prototypes,)
        The prototype shares the codes used, in decreasing order.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row.
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Training rows per cluster.
    prototypes_ : ndarray of shape (n_prototypes, projector_dims[-1])
        The L2-normalised prototypes.
    prototype_labels_ : ndarray of shape (n_prototypes,)
        Cluster of each prototype.
    neighbors_ : ndarray of shape (n_samples, n_neighbors) or None
        Mined neighbour indices.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net.
    device_ : str
        Device the net was trained on.
    max_epochs_ : int
        Epochs of training (``max_epochs`` with ``"auto"`` resolved).
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    encoder_ : transformer or None
        The fitted ``encoder`` stage (None when the rows are used as given);
        the network's input is its output.
    init_scores_ : ndarray of shape (n_runs,)
        Silhouette of each training run's labels, in run order. The kept run
        is the one with the most non-empty clusters, then the highest
        silhouette. Set only when ``fit`` made more than one run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    References
    ----------
    .. [1] M. Caron, I. Misra, J. Mairal, P. Goyal, P. Bojanowski and
       A. Joulin, "Unsupervised Learning of Visual Features by Contrasting
       Cluster Assignments", NeurIPS 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.cluster import SwAV
    >>> X = load_digits().data / 16
    >>> swav = SwAV(n_clusters=10, max_epochs=2, random_state=0).fit(X)
    >>> swav.prototypes_.shape
    (10, 128)
    """

    _restarts_by_silhouette = True
    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **BaseDeepClusterer._encoder_constraints,
        **BaseDeepClusterer._n_init_constraints,
        **BaseDeepClusterer._augment_constraints,
        "augment": [StrOptions({"auto", "mask", "gaussian", "scarf", "none"})],
        "n_prototypes": [Interval(Integral, 1, None, closed="left"), None],
        "sinkhorn_epsilon": [Interval(Real, 0, None, closed="neither")],
        "sinkhorn_max_iter": [Interval(Integral, 1, None, closed="left")],
        **BaseDeepClusterer._prior_constraints,
        "temperature": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "freeze_prototypes_epochs": [Interval(Integral, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
        "projector_dims": ["array-like"],
        "max_epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        encoder="auto",
        n_init="auto",
        n_prototypes=None,
        sinkhorn_epsilon=0.05,
        cluster_prior="auto",
        sinkhorn_max_iter=3,
        temperature="auto",
        freeze_prototypes_epochs=1,
        n_neighbors=10,
        hidden_dims=(512, 512),
        n_components=64,
        projector_dims=(128,),
        augment="auto",
        corruption_rate=0.2,
        noise_scale=0.1,
        max_epochs="auto",
        batch_size=256,
        lr=1e-3,
        optimizer="adam",
        weight_decay=1e-5,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.n_init = n_init
        self.n_prototypes = n_prototypes
        self.sinkhorn_epsilon = sinkhorn_epsilon
        self.cluster_prior = cluster_prior
        self.sinkhorn_max_iter = sinkhorn_max_iter
        self.temperature = temperature
        self.freeze_prototypes_epochs = freeze_prototypes_epochs
        self.n_neighbors = n_neighbors
        self.hidden_dims = hidden_dims
        self.n_components = n_components
        self.projector_dims = projector_dims
        self.augment = augment
        self.corruption_rate = corruption_rate
        self.noise_scale = noise_scale
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X, *, first_block):
        X = self._validate_clustering_data(X)
        n_prototypes = self.n_clusters if self.n_prototypes is None else int(self.n_prototypes)
        if n_prototypes < self.n_clusters:
            raise ValueError(f"n_prototypes={n_prototypes} must be >= n_clusters={self.n_clusters}.")
        projector = check_hidden_dims(self.projector_dims)
        rng = check_random_state(self.random_state)
        nbrs = self._mine_neighbors(X, self.n_neighbors, "euclidean") if self.n_neighbors > 0 else None
        self.neighbors_ = None if nbrs is None else nbrs.numpy()
        prior = self._fit_cluster_prior(X, n_prototypes)
        self.max_epochs_ = self._n_epochs(X.shape[0])
        self._resolve_auto_views(X.shape[1])
        net = self._build_net(
            module=PrototypeNet,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_prototypes=n_prototypes,
                hidden_dims=check_hidden_dims(self.hidden_dims),
                n_components=self.n_components,
                projector_dims=projector,
                augment=self.augment_,
                rate=self.corruption_rate,
                scale=self.noise_scale,
            ),
            criterion=SwAVLoss,
            criterion_kwargs=dict(
                sinkhorn=partial(batch_codes, epsilon=float(self.sinkhorn_epsilon),
                                 n_iter=int(self.sinkhorn_max_iter), prior=prior),
                temperature=self.temperature_,
            ),
            random_state=rng,
            iterator=ClusterBatchIterator,
            callbacks=[("prototypes", _PrototypeSchedule(self.freeze_prototypes_epochs))],
            max_epochs=self.max_epochs_,
        )
        self._train(net, X, nbrs, epochs=1 if first_block else None)
        return self._group_prototypes(X, rng)

    def _resolve_auto_views(self, n_features):
        """Set ``augment_`` and ``temperature_``: "auto" picks the narrow-table values on rows used as given
        (no ``encoder_``) of fewer than ``AUTO_ENCODER_MIN_FEATURES`` features."""
        bare = getattr(self, "encoder_", None) is None and n_features < AUTO_ENCODER_MIN_FEATURES
        self.augment_ = (AUTO_AUGMENT_NO_ENCODER if bare else AUTO_AUGMENT_ENCODER) \
            if self.augment == "auto" else self.augment
        auto_t = isinstance(self.temperature, str) and self.temperature == "auto"
        self.temperature_ = float((AUTO_TEMPERATURE_NO_ENCODER if bare else AUTO_TEMPERATURE_ENCODER)
                                  if auto_t else self.temperature)

    def _group_prototypes(self, X, rng):
        """Read the prototypes, group them into n_clusters (k-means when there are more) and label X."""
        module = self.net_.module_
        module.normalize_prototypes()
        self.prototypes_ = module.prototypes.weight.detach().cpu().numpy().astype(np.float64)
        if self.prototypes_.shape[0] == self.n_clusters:
            self.prototype_labels_ = np.arange(self.n_clusters)
        else:
            _, self.prototype_labels_, _ = feature_kmeans(self.prototypes_, self.n_clusters, n_init=10,
                                                          random_state=int(rng.randint(np.iinfo(np.int32).max)))
        self._groups = torch.from_numpy(np.eye(self.n_clusters, dtype=np.float32)[self.prototype_labels_])
        return self._finish_fit(X)

    @available_if(_per_row_views)
    def partial_fit(self, X, y=None):
        """One epoch of swapped prediction on a block of rows, continuing from the current state.

        Available with ``n_neighbors=0`` only: then both views of a row are
        augmentations of it and the codes come from each batch, so blocks can
        be fed one at a time (neighbour views are mined over the whole
        training set). The first call builds the network from its block;
        ``labels_`` then describes the latest block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of training rows.
        y : None
            Ignored.

        Returns
        -------
        self : SwAV
            The updated estimator.
        """
        return TorchPartialFitMixin.partial_fit(self, X, y)

    def _continue_training(self, X):
        self._continue_net(X)
        rng = check_random_state(self.random_state)
        self._group_prototypes(X, rng)

    def _proba_fn(self, module, xb):
        p = (module.scores(xb) / self.temperature_).softmax(-1)
        return p @ self._groups.to(p)  # p's device and dtype (inference runs in float64 on the CPU)
