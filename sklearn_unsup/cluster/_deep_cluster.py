"""DeepCluster (offline k-means between epochs) and Online Deep Clustering (per-batch memory)."""

from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import check_random_state
from skorch.callbacks import Callback

from .._kernels import student_t_assignment
from ..decomposition._whitening import fit_whitening, whiten
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ._feature_kmeans import feature_kmeans, split_empty_clusters
from ._pseudo_label import BasePseudoLabelClusterer, class_balanced_weights, full_pass

__all__ = ["DeepCluster"]

# feature_pca_components="auto": one whitened direction per cluster, at most this many
AUTO_FEATURE_PCA_MAX = 16


def _reset_head(net):
    """Re-initialise the classifier head and forget its optimizer state (DeepCluster, every epoch)."""
    module = net.module_
    module.reset_heads()
    for p in module.heads.parameters():
        net.optimizer_.state.pop(p, None)


def _deep_cluster_epoch(net, dataset, n_clusters, feature_pca_components, seed, online, prior=None):
    epoch = len(net.history)
    crit = net.criterion_
    if online and epoch > 1:
        memory = net.odc_memory_
        labels = memory.labels.numpy()
        split_empty_clusters(labels, n_clusters, np.random.RandomState(seed + epoch))
        memory.update_centroids()
        dataset.sample_weights = class_balanced_weights(labels, n_clusters, prior)
        return
    feats = full_pass(net.module_, dataset.X, lambda m, xb: m.encode(xb)).numpy().astype(np.float64)
    Z = whiten(feats, *fit_whitening(feats, feature_pca_components)).astype(np.float32)
    _, labels, _ = feature_kmeans(Z, n_clusters, max_iter=50, random_state=seed + epoch)
    crit.targets = torch.from_numpy(labels)
    dataset.sample_weights = class_balanced_weights(labels, n_clusters, prior)
    _reset_head(net)
    if online:  # ODC: the memory starts from this k-means and is then updated per batch
        net.odc_memory_ = OnlineMemory.from_features(feats, crit.targets, n_clusters)


class OnlineMemory:
    """ODC's memory: a feature per row (momentum-updated), its label and the centroids."""

    def __init__(self, features, labels, n_clusters):
        self.features = features
        self.labels = labels
        self.n_clusters = n_clusters
        self.update_centroids()

    @classmethod
    def from_features(cls, feats, labels, n_clusters):
        f = F.normalize(torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32)), dim=1)
        return cls(f, labels, n_clusters)

    def update_centroids(self):
        c = torch.zeros(self.n_clusters, self.features.shape[1])
        c.index_add_(0, self.labels, self.features)
        self.centroids = F.normalize(c, dim=1)

    def update(self, idx, feats, momentum):
        f = F.normalize((1 - momentum) * feats + momentum * self.features[idx], dim=1)
        self.features[idx] = f
        self.labels[idx] = (f @ self.centroids.T).argmax(1)


class _OnlineUpdate(Callback):
    """Per batch: momentum-update the memory features of the batch rows and re-label them."""

    def __init__(self, momentum=0.5, centroid_interval=10):
        self.momentum = momentum
        self.centroid_interval = centroid_interval

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if not training or not hasattr(net, "odc_memory_"):
            return
        (xa, _), idx = batch
        module = net.module_
        module.eval()
        with torch.no_grad():
            feats = module.encode(xa.to(net.device)).cpu()
        module.train()
        memory = net.odc_memory_
        memory.update(idx, F.normalize(feats, dim=1), self.momentum)
        n_batches = len(net.history[-1, "batches"])
        if n_batches % self.centroid_interval == 0:
            memory.update_centroids()


class DeepCluster(BasePseudoLabelClusterer):
    """DeepCluster: alternate k-means on the network's features and training it to predict the clusters.

    Each epoch (Caron et al., 2018): the encoder's features of all rows are
    PCA-whitened and L2-normalised, k-means assigns pseudo-labels, the
    classifier head is re-initialised, and the network is trained to predict
    the pseudo-labels with rows sampled uniformly over pseudo-classes (so a
    large cluster does not dominate; ``cluster_prior`` can give them unequal
    shares). Empty clusters are re-seeded by splitting the largest one.

    ``online=True`` follows Online Deep Clustering (Zhan et al., 2020): after
    the first epoch's k-means, a memory of per-row features (momentum
    ``memory_momentum``) and labels is updated at every batch, rows are
    re-assigned to their nearest centroid on the fly, centroids are refreshed
    every ``centroid_interval`` batches, and no epoch-level k-means is run.

    The clustering returned is the one of the paper: k-means (``kmeans_n_init``
    restarts) on the trained network's whitened, normalised features;
    ``predict`` assigns new rows to the nearest centre and ``predict_proba``
    is the Student-t soft assignment to the centres.

    Adapted to tables: the second view of a row is one of its
    ``n_neighbors`` nearest rows (as in TLDR) and both views are classified
    into the row's pseudo-label; ``augment`` adds a tabular augmentation.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters (the k of k-means and the head's width).
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
    online : bool, default=False
        Online Deep Clustering instead of epoch-level k-means.
    feature_pca_components : int or "auto", default="auto"
        Dimensions kept by the PCA-whitening before k-means (256 in the paper
        for 4096-d features and 10,000 clusters; whitening many weak
        directions of a small embedding amplifies noise). ``"auto"``:
        ``min(n_clusters, 16)``, as k-means needs about one direction per
        cluster and each further whitened direction weighs noise like signal.
        Always at most the network's input width (the number of features, or
        the ``encoder`` stage's output width): the network's features of
        d-dimensional rows vary along about d directions that carry the
        clusters (on three blobs in 2-d, 16 whitened directions merged two of
        the blobs; 2 separate them).

        .. versionchanged:: 0.1
           The default was 16 whatever ``n_clusters``; with ``"auto"`` fewer
           than 16 clusters keep fewer directions (2 on a two-cluster table).
    n_neighbors : int, default=10
        Neighbours mined per row for the second view; 0 uses the row itself.
    memory_momentum : float in [0, 1), default=0.5
        ODC's memory momentum.
    centroid_interval : int, default=10
        ODC: batches between centroid updates.
    n_init : "auto" or int, default="auto"
        Training runs with different seeds; the run whose training labels
        have the highest silhouette, taken among the rows as the network sees
        them (the ``encoder`` stage's output, or the rows), is kept, as
        :class:`~sklearn.cluster.KMeans` keeps its lowest-inertia start; a
        run that leaves clusters empty ranks below those that fill them. The
        first run is the one ``n_init=1`` gives. ``"auto"``: 5 runs when no
        ``encoder`` stage runs and there are at most 2,000 training rows
        (small tables: a run takes seconds there, and single runs vary most
        between seeds), 1 otherwise. Each run trains with its own copy of
        ``callbacks``. The same rule as :class:`~sklearn_unsup.cluster.SCAN`
        and :class:`~sklearn_unsup.cluster.SeLa`.

        .. versionchanged:: 0.1
           ``n_init`` counts training runs; the k-means restarts it used to
           count are ``kmeans_n_init``.
    kmeans_n_init : int, default=10
        k-means restarts of the final clustering of the trained features
        (the lowest inertia is kept).
    cluster_prior : {"auto", "uniform", "kmeans"} or array-like of shape (n_clusters,), default="uniform"
        Shares in which the pseudo-classes are drawn for training.
        ``"uniform"`` is the paper's sampling, uniform over pseudo-classes.
        ``"kmeans"`` takes the shares of a k-means clustering of the training
        rows; an array gives them directly (normalised). ``"auto"`` takes the
        k-means shares when they are clearly unequal (entropy below
        ``0.95 log(n_clusters)``) and equal shares otherwise, as in
        :class:`~sklearn_unsup.cluster.SCAN` and
        :class:`~sklearn_unsup.cluster.SeLa`. The shares go to the
        pseudo-classes by rank of their size (the largest pseudo-class gets the largest
        share), so the prior sets how unequally the clusters are drawn, not
        which one is large; the final k-means is not constrained. The
        default stays the paper's: unlike SCAN's and SeLa's, DeepCluster's
        clusters are not set by the training loss, and on most of the
        imbalanced benchmark tables the k-means shares lowered it
        (``benchmarks/results/clustering.md``).
    hidden_dims : sequence of int, default=(512, 512)
        Encoder hidden widths (BatchNorm, ReLU).
    n_components : int, default=64
        Encoder output width (``transform``'s output, the features clustered).
    augment : {"mask", "gaussian", "scarf", "none"}, default="mask"
        Tabular augmentation of both views during training.
    corruption_rate : float in (0, 1), default=0.5
        Share of features masked or resampled.
    noise_scale : float, default=0.1
        Standard deviation of ``"gaussian"`` noise.
    max_epochs : "auto" or int, default="auto"
        Passes over the training data. Epochs (k-means runs, offline).
        ``"auto"``: 40 epochs, or as many as make 500 optimiser steps when
        that is fewer: an epoch is ``ceil(n_samples / batch_size)`` steps,
        so sets of at most 3,072 rows (at the default ``batch_size``) keep
        40 epochs and larger ones get ``ceil(500 / steps per epoch)`` (25 on
        5,000 rows), the step budget of :class:`~sklearn_unsup.cluster.DEC`'s
        ``max_epochs="auto"``; it keeps the fit time from growing with the
        number of rows (``benchmarks/results/clustering.md``).
        ``max_epochs_`` holds the number used.

        .. versionchanged:: 0.1
           The default was 40 epochs for every data size; pass 40 for the
           previous schedule.
    batch_size : int, default=256
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass. The paper: SGD with momentum.
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
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row.
    cluster_centers_ : ndarray of shape (n_clusters, n_whitened)
        k-means centres of the final, whitened and normalised features;
        ``n_whitened`` is the smallest of ``feature_pca_components``
        (``"auto"`` resolved), the network's input width, ``n_components``
        and the number of training rows minus one.
    whitening_mean_ : ndarray of shape (n_components,)
        Mean of the final features.
    whitening_components_ : ndarray of shape (n_components, n_whitened)
        PCA-whitening projection of the final features.
    pseudo_labels_ : ndarray of shape (n_samples,)
        The last pseudo-labels the network was trained on.
    cluster_prior_ : ndarray of shape (n_clusters,)
        The shares the pseudo-classes were drawn in, in decreasing order.
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Training rows per cluster.
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
    .. [1] M. Caron, P. Bojanowski, A. Joulin and M. Douze, "Deep Clustering
       for Unsupervised Learning of Visual Features", ECCV 2018.
    .. [2] X. Zhan, J. Xie, Z. Liu, Y.-S. Ong and C. C. Loy, "Online Deep
       Clustering for Unsupervised Representation Learning", CVPR 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.cluster import DeepCluster
    >>> X = load_digits().data / 16
    >>> dc = DeepCluster(n_clusters=10, max_epochs=2, random_state=0).fit(X)
    >>> dc.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BasePseudoLabelClusterer._parameter_constraints,
        **BasePseudoLabelClusterer._encoder_constraints,
        "online": ["boolean"],
        "feature_pca_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "memory_momentum": [Interval(Real, 0, 1, closed="left")],
        "centroid_interval": [Interval(Integral, 1, None, closed="left")],
        **BasePseudoLabelClusterer._n_init_constraints,
        "kmeans_n_init": [Interval(Integral, 1, None, closed="left")],
        **BasePseudoLabelClusterer._prior_constraints,
    }
    _restarts_by_silhouette = True

    def __init__(
        self,
        n_clusters=10,
        *,
        encoder="auto",
        online=False,
        feature_pca_components="auto",
        n_neighbors=10,
        memory_momentum=0.5,
        centroid_interval=10,
        n_init="auto",
        kmeans_n_init=10,
        cluster_prior="uniform",
        hidden_dims=(512, 512),
        n_components=64,
        augment="mask",
        corruption_rate=0.5,
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
        self.online = online
        self.feature_pca_components = feature_pca_components
        self.n_neighbors = n_neighbors
        self.memory_momentum = memory_momentum
        self.centroid_interval = centroid_interval
        self.n_init = n_init
        self.kmeans_n_init = kmeans_n_init
        self.cluster_prior = cluster_prior
        self.hidden_dims = hidden_dims
        self.n_components = n_components
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
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max // 2))
        width = min(self._feature_pca_components(), X.shape[1])
        hook = partial(_deep_cluster_epoch, n_clusters=self.n_clusters, feature_pca_components=width,
                       seed=seed, online=self.online, prior=self._fit_cluster_prior(X))
        extra = [("odc_update", _OnlineUpdate(self.memory_momentum, self.centroid_interval))] if self.online else []
        self.max_epochs_ = self._n_epochs(X.shape[0])
        self._fit_pseudo_label(X, hook, extra, finish=False, max_epochs=self.max_epochs_)
        if hasattr(self.net_, "odc_memory_"):
            del self.net_.odc_memory_  # training state only; keeps the fitted model small
        # The clustering is k-means on the final features, as in the paper; the
        # trained head only served to shape the features.
        feats = self._features(X)
        self.whitening_mean_, self.whitening_components_ = fit_whitening(feats, width)
        Z = whiten(feats, self.whitening_mean_, self.whitening_components_).astype(np.float32)
        self.cluster_centers_, _, _ = feature_kmeans(Z, self.n_clusters, n_init=self.kmeans_n_init, max_iter=50,
                                                     random_state=np.random.RandomState(seed))
        return self._finish_fit(X)

    def _feature_pca_components(self):
        """``feature_pca_components`` with "auto" resolved: ``min(n_clusters, AUTO_FEATURE_PCA_MAX)``."""
        if isinstance(self.feature_pca_components, str) and self.feature_pca_components == "auto":
            return min(int(self.n_clusters), AUTO_FEATURE_PCA_MAX)
        return int(self.feature_pca_components)

    def _features(self, X):
        return self._forward(lambda m, xb: m.encode(xb), X).astype(np.float64)

    def _proba(self, X):
        Z = whiten(self._features(X), self.whitening_mean_, self.whitening_components_)
        return student_t_assignment(Z, self.cluster_centers_)
