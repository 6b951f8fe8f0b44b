"""SCAN: clustering by neighbour consistency, then self-labelling."""

from functools import partial

import numpy as np

from .._nn import ClusterBatchIterator, ClusteringNet, SCANLoss
from ..neighbors._mining import ALGORITHMS
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ._deep_base import BaseDeepClusterer, EpochHook, epochs_within_steps

__all__ = ["SCAN"]

#: max_epochs="auto": up to this many training rows, AUTO_SCAN_MAX_EPOCHS SCAN epochs (the schedule before "auto").
#: The same 2,000-row "small table" cut as n_init="auto" (_deep_base.AUTO_N_INIT_MAX_SAMPLES), kept as a constant
#: of its own: the two rules were measured separately and need not move together.
AUTO_FULL_EPOCHS_MAX_SAMPLES = 2000
#: above it, the epochs that give about this many optimisation steps (batches), within the two bounds
AUTO_SCAN_STEPS = 250
#: SCAN's own epoch bounds (BaseDeepClusterer._auto_max_epochs, 40 or DEC's 50, is another rule)
AUTO_SCAN_MAX_EPOCHS = 200
AUTO_MIN_EPOCHS = 50


def auto_scan_epochs(n_samples, batch_size):
    """``max_epochs="auto"``: 200 up to 2,000 rows, else ``ceil(250 / batches per epoch)`` clipped to [50, 200]."""
    if int(n_samples) <= AUTO_FULL_EPOCHS_MAX_SAMPLES:
        return AUTO_SCAN_MAX_EPOCHS
    return max(AUTO_MIN_EPOCHS, epochs_within_steps(AUTO_SCAN_MAX_EPOCHS, n_samples, batch_size, AUTO_SCAN_STEPS))


def _scan_epoch(net, dataset, scan_epochs):
    """Start of an epoch: reset the per-head losses; after the SCAN epochs keep the best head."""
    epoch = len(net.history)  # 1-based: skorch has already opened this epoch's row
    crit = net.criterion_
    if epoch <= scan_epochs:
        crit.head_losses = None
    elif crit.phase == "scan":
        best = int(np.argmin(crit.head_losses.numpy()))
        crit.phase, crit.head, net.module_.head = "self_label", best, best


class SCAN(BaseDeepClusterer):
    """SCAN: a cluster head trained so that each row agrees with its nearest neighbours.

    Follows Van Gansbeke et al. (2020), adapted to tables and embedding
    vectors:

    1. **Neighbour mining** in the input space — in a Pipeline, the output of
       the previous step (raw table, TLDR codes, pretrained sentence or image
       embeddings): each row's ``n_neighbors`` nearest rows, by the exact kNN
       kernel (O(n k) memory) or, for large n, an approximate IVF index
       (``neighbors_algorithm``).
    2. **SCAN loss** on a batch of rows and one random neighbour of each:
       ``-mean log <p_row, p_neighbor> - entropy_weight * H(mean p)``; the
       entropy term keeps rows from collapsing into one cluster. ``n_heads``
       heads are trained at once and the head with the lowest loss is kept.
    3. **Self-labelling** (``self_label=True``): rows whose prediction is
       confident (max probability above ``confidence_threshold``) become
       their own targets; the network is trained with class-balanced
       cross-entropy on an augmented view of them.

    The image augmentations of the paper are replaced by a tabular one
    (``augment``): feature masking, Gaussian noise or SCARF-style marginal
    resampling.

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
    n_neighbors : int, default=20
        Neighbours mined per row (the paper's top-k).
    metric : {"euclidean", "cosine"}, default="euclidean"
        Metric of the neighbour search. ``"cosine"`` for sentence embeddings
        (same as euclidean on L2-normalised vectors).
    neighbors_algorithm : {"auto", "exact", "ivf", "nndescent"}, default="auto"
        Neighbour search: ``"exact"`` (numba kernel, O(n^2 d) time),
        ``"ivf"`` (approximate inverted-file index, about n^1.5-n^1.7; recall@k
        about 0.96), ``"nndescent"`` (approximate, pynndescent) or ``"auto"``
        (exact up to 200,000 rows, IVF above); see
        :func:`~sklearn_unsup.neighbors.mine_neighbors`.
    entropy_weight : float, default=5.0
        Weight of the entropy term (5.0 in every configuration of the paper).
    cluster_prior : {"auto", "uniform", "kmeans"} or array-like of shape (n_clusters,), default="auto"
        Cluster sizes the entropy term pulls towards. ``"uniform"`` is the
        paper's entropy of the mean prediction (equal sizes). ``"kmeans"``
        estimates the shares from a k-means clustering (Euclidean, 3 starts)
        of the training rows; an array gives them
        directly (normalised to sum to one). ``"auto"`` takes the k-means
        shares when they are clearly unequal (their entropy below
        ``0.95 log(n_clusters)``) and equal sizes otherwise: k-means splits
        balanced classes into parts of somewhat unequal sizes (normalised
        entropy .96 to .99 on the balanced benchmark sets), and the paper's
        equal sizes are then the better guess. With a non-uniform prior the
        term is ``-KL(sorted mean prediction || sorted prior)``: the prior fixes
        the spread of the cluster sizes, not which cluster is the large one;
        the self-labelling weights follow the same shares. Equal sizes
        penalise imbalanced tables (see ``benchmarks/results/clustering.md``).
    n_heads : int, default=5
        Cluster heads trained together; the lowest-loss one is kept.
    self_label : bool, default=True
        Run the self-labelling stage after the SCAN stage.
    confidence_threshold : float in (0, 1), default=0.99
        Probability above which a row is its own pseudo-label.
    self_label_epochs : int, default=20
        Epochs of self-labelling.
    hidden_dims : sequence of int, default=(512, 512)
        Encoder hidden widths (BatchNorm, ReLU).
    n_components : int, default=64
        Width of the embedding the heads read (``transform``'s output).
    augment : {"mask", "gaussian", "scarf", "none"}, default="none"
        Tabular augmentation applied to both views during training. On the
        benchmark tables and pixels every augmentation we tried lowered the
        accuracy (the neighbour already is the second view), hence "none".
    corruption_rate : float in (0, 1), default=0.2
        Share of features masked (``"mask"``) or resampled (``"scarf"``).
    noise_scale : float, default=0.1
        Standard deviation of ``"gaussian"`` noise.
    max_epochs : "auto" or int, default="auto"
        Passes over the training data. Epochs of the SCAN stage (the
        self-labelling stage adds ``self_label_epochs``). ``"auto"``: 200 epochs up to 2,000
        training rows; above, as many epochs as give about 250 optimisation
        steps, ``ceil(250 / ceil(n_samples / batch_size))``, at least 50 (with
        the default ``batch_size``: 125 epochs on 2,001-2,048 rows, 84 on
        2,049-3,072, 63 on 3,073-4,096 and 50 from 4,097 rows on). On the benchmark's 5,000-row sets behind the UMAP
        stage, 50 epochs took about a quarter of the training time of 200 at
        about the same accuracy; on a small table of 1,484 rows fewer epochs
        cost accuracy, hence the 2,000-row threshold
        (``benchmarks/results/clustering.md``). ``max_epochs_`` holds the
        number used.

        .. versionchanged:: 0.1
           The default was 200 for every training set; pass it for the
           previous schedule.
    batch_size : int, default=1024
        Rows per optimisation step. Large batches estimate the entropy of the mean
        prediction better; on digits and MNIST they gave fewer merged clusters than 256.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass. The paper: Adam.
    weight_decay : float, default=1e-4
        L2 penalty passed to the optimizer. The paper: 1e-4.
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
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Training rows per cluster.
    neighbors_ : ndarray of shape (n_samples, n_neighbors)
        Mined neighbour indices of the training rows.
    cluster_prior_ : ndarray of shape (n_clusters,)
        The cluster shares the loss pulled towards, in decreasing order.
    head_ : int
        Index of the kept head.
    head_losses_ : ndarray of shape (n_heads,)
        SCAN loss of each head over the last SCAN epoch.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net.
    device_ : str
        Device the net was trained on.
    max_epochs_ : int
        Epochs of the SCAN stage (``max_epochs`` with ``"auto"`` resolved).
    n_iter_ : int
        Epochs run (both stages).
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

    See Also
    --------
    sklearn_unsup.manifold.TLDR : A neighbour-based embedding, a good step before SCAN on raw tables.

    References
    ----------
    .. [1] W. Van Gansbeke, S. Vandenhende, S. Georgoulis, M. Proesmans and
       L. Van Gool, "SCAN: Learning to Classify Images without Labels",
       ECCV 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.cluster import SCAN
    >>> X = load_digits().data / 16
    >>> scan = SCAN(n_clusters=10, max_epochs=2, self_label_epochs=1, random_state=0).fit(X)
    >>> scan.labels_.shape
    (1797,)
    """

    _restarts_by_silhouette = True
    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **BaseDeepClusterer._encoder_constraints,
        **BaseDeepClusterer._n_init_constraints,
        **BaseDeepClusterer._augment_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "neighbors_algorithm": [StrOptions(set(ALGORITHMS))],
        "entropy_weight": [Interval(Real, 0, None, closed="left")],
        "cluster_prior": BaseDeepClusterer._prior_constraints["cluster_prior"],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "self_label": ["boolean"],
        "confidence_threshold": [Interval(Real, 0, 1, closed="neither")],
        "self_label_epochs": [Interval(Integral, 0, None, closed="left")],
        "max_epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        encoder="auto",
        n_init="auto",
        n_neighbors=20,
        metric="euclidean",
        neighbors_algorithm="auto",
        entropy_weight=5.0,
        cluster_prior="auto",
        n_heads=5,
        self_label=True,
        confidence_threshold=0.99,
        self_label_epochs=20,
        hidden_dims=(512, 512),
        n_components=64,
        augment="none",
        corruption_rate=0.2,
        noise_scale=0.1,
        max_epochs="auto",
        batch_size=1024,
        lr=1e-3,
        optimizer="adam",
        weight_decay=1e-4,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.n_init = n_init
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.neighbors_algorithm = neighbors_algorithm
        self.entropy_weight = entropy_weight
        self.cluster_prior = cluster_prior
        self.n_heads = n_heads
        self.self_label = self_label
        self.confidence_threshold = confidence_threshold
        self.self_label_epochs = self_label_epochs
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

    def _n_epochs(self, n_samples):
        """SCAN-stage epochs, ``max_epochs`` with "auto" resolved (:func:`auto_scan_epochs`)."""
        if isinstance(self.max_epochs, str) and self.max_epochs == "auto":
            return auto_scan_epochs(n_samples, int(self.batch_size))
        return int(self.max_epochs)

    def _fit(self, X, *, first_block):
        X = self._validate_clustering_data(X)
        nbrs = self._mine_neighbors(X, self.n_neighbors, self.metric)
        self.neighbors_ = nbrs.numpy()
        prior = self._fit_cluster_prior(X)
        log_prior = None if prior is None else tuple(float(v) for v in np.log(prior))
        scan_epochs = self.max_epochs_ = self._n_epochs(X.shape[0])
        extra = int(self.self_label_epochs) if self.self_label else 0
        net = self._build_net(
            module=ClusteringNet,
            module_kwargs=self._clustering_net_kwargs(X.shape[1], n_heads=self.n_heads),
            criterion=SCANLoss,
            criterion_kwargs=dict(entropy_weight=self.entropy_weight,
                                  confidence_threshold=self.confidence_threshold, log_prior=log_prior),
            iterator=ClusterBatchIterator,
            callbacks=[("scan_phase", EpochHook(partial(_scan_epoch, scan_epochs=scan_epochs)))],
            max_epochs=scan_epochs + extra,
        )
        self._train(net, X, nbrs)
        crit, module = self.net_.criterion_, self.net_.module_
        self.head_losses_ = crit.head_losses.numpy() / max(1, len(self.net_.history[-1, "batches"]))
        if crit.phase == "scan":  # no self-labelling stage ran: keep the best head now
            module.head = crit.head = int(np.argmin(self.head_losses_))
        self.head_ = int(module.head)
        return self._finish_fit(X)

    @staticmethod
    def _proba_fn(module, xb):
        return module.logits(xb).softmax(-1)
