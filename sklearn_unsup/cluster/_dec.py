"""DEC and IDEC: deep embedded clustering with a Student-t soft assignment."""

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from skorch.callbacks import Callback, GradientNormClipping

from .._kernels import dec_target_distribution
from .._nn import DECLoss, DECNet, MLPAutoEncoder, ReconstructionLoss, as_float32_tensor
from .._torch import TorchPartialFitMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_hidden_dims
from ..utils._warnings import warn_caller
from ._deep_base import BaseDeepClusterer, epochs_within_steps, labels_silhouette
from ._feature_kmeans import feature_kmeans
from ._pseudo_label import full_pass

__all__ = ["DEC"]

#: the paper's encoder widths (sized for 784 pixels)
PAPER_HIDDEN_DIMS = (500, 500, 2000)
#: hidden_dims="auto": inputs narrower than this many features get the paper's widths times n_features / 25,
#: i.e. widths 20*d, 20*d, 80*d for a d-column table or a d-dimensional encoder code
AUTO_HIDDEN_FULL_WIDTH = 25
#: pretrain_epochs="auto": this many epochs, fewer where they would pass AUTO_PRETRAIN_STEPS optimiser steps
AUTO_PRETRAIN_EPOCHS = 50
AUTO_PRETRAIN_STEPS = 750


def auto_hidden_dims(n_features):
    """``hidden_dims="auto"``: the paper's widths times ``min(1, n_features / 25)``, rounded."""
    scale = min(1.0, n_features / AUTO_HIDDEN_FULL_WIDTH)
    return tuple(round(w * scale) for w in PAPER_HIDDEN_DIMS)


class _TargetUpdate(Callback):
    """Every ``update_interval`` batches: recompute P over all rows; stop when < ``tol`` of labels change.

    Also stops, in ``fit``, at the first update whose labels fill at most half as many clusters as the
    first update's (the k-means start): a collapse, after which ``fit`` restores that start anyway.
    """

    def __init__(self, X, update_interval, tol):
        self.X = X
        self.update_interval = update_interval
        self.tol = tol
        self.stop_on_tol = True
        self.stop_on_collapse = True  # off for partial_fit's first block, which has no fallback
        self.step = 0
        self.last_labels = None
        self.n_filled_start = None
        self.collapsed = False  # set when training stopped at a collapse
        self.delta_label_ = None

    def refresh(self, net):
        Q = full_pass(net.module_, self.X, lambda m, xb: m.assignment(m.encode(xb))).numpy().astype(np.float64)
        net.criterion_.targets = torch.from_numpy(dec_target_distribution(Q).astype(np.float32))
        labels = Q.argmax(1)
        n_filled = np.unique(labels).size
        converged = False
        if self.last_labels is not None:
            self.delta_label_ = float(np.mean(labels != self.last_labels))
            self.collapsed = self.stop_on_tol and self.stop_on_collapse and 2 * n_filled <= self.n_filled_start
            converged = self.stop_on_tol and (self.delta_label_ < self.tol or self.collapsed)
        else:
            self.n_filled_start = n_filled
        self.last_labels = labels
        return converged

    def start_block(self, net, X):
        """Targets from a new block of rows (``partial_fit``): one epoch on it, no stopping rule."""
        self.X, self.step, self.last_labels = as_float32_tensor(X), 0, None
        self.stop_on_tol = False
        self.refresh(net)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        if self.step % self.update_interval == 0 and self.step > 0 and self.refresh(net):
            raise KeyboardInterrupt  # skorch ends training cleanly: DEC's stopping rule
        self.step += 1

    def on_train_end(self, net, **kwargs):
        self.X = None  # do not keep the training data in the fitted model


class DEC(TorchPartialFitMixin, BaseDeepClusterer):
    """Deep Embedded Clustering (DEC) and, with ``reconstruction_weight > 0``, Improved DEC (IDEC).

    Xie et al. (2016): an autoencoder is pre-trained on reconstruction;
    k-means (``kmeans_n_init`` runs) on its codes initialises the cluster centres;
    then the encoder and the centres are trained to minimise
    ``KL(P || Q)`` where ``Q`` is the Student-t soft assignment of the codes
    to the centres (``alpha`` degrees of freedom) and ``P`` the sharpened
    target ``q_ij^2 / f_j`` (row-normalised), recomputed over the whole data
    every ``update_interval`` batches. Training stops when fewer than a
    fraction ``tol`` of the labels change between two updates, after
    ``max_epochs`` epochs, or (in ``fit``) at the first update that fills at
    most half as many clusters as the k-means start: a collapse (below).

    Self-training can collapse (all rows drawn into a few centres, e.g. IDEC
    on unnormalised UMAP codes). When the trained model fills at most half as
    many clusters as the k-means start did, ``fit`` falls back to that start
    (the pre-trained encoder and the k-means centres), sets
    ``self_training_collapsed_`` and warns (``ConvergenceWarning``). Fewer
    lost clusters are kept (on imbalanced data a few emptied clusters can be
    right, with the usual empty-cluster warning) unless the trained labels'
    silhouette, among the rows the network clusters, is below the start's;
    then ``fit`` falls back in the same way.

    IDEC (Guo et al., 2017) keeps the decoder during clustering so the
    embedding is not distorted: the loss is
    ``KL(P || Q) + reconstruction_weight * MSE``. The paper's
    ``L_rec + 0.1 L_KL`` is ``reconstruction_weight=10`` up to the scale of
    the learning rate.

    ``partial_fit`` (data in blocks, e.g. ``dask_ml.wrappers.Incremental``):
    the first call pre-trains the autoencoder on its block for
    ``pretrain_epochs`` (``"auto"`` resolved on the block's rows), seeds the
    centres by k-means on that block's codes and runs one clustering epoch;
    every later call is one clustering epoch on its block, with the target
    distribution computed over that block (its cluster frequencies ``f_j``
    are the block's) and no ``tol`` stop. ``labels_`` and
    ``cluster_sizes_`` then describe the latest block.

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
    hidden_dims : "auto" or sequence of int, default="auto"
        Encoder hidden widths; the decoder mirrors them. ``"auto"``: the
        paper's d-500-500-2000-10 widths for inputs of at least 25 features,
        scaled by ``n_features / 25`` for narrower ones (where
        ``n_features`` is the width the network sees, the ``encoder``
        stage's output when one runs): 200-200-800 on a 10-d UMAP code,
        140-140-560 on a 7-column table. The paper's network was sized for
        784 pixels; on the narrow inputs of the benchmark (the UMAP codes of
        the digit sets, the UCI tables) the scaled one fits several times
        faster, with accuracy level or higher on most sets and lower on the
        UMAP codes of the largest image set and on one of the tables
        (``benchmarks/results/clustering.md``). ``hidden_dims_`` holds the
        widths used.

        .. versionchanged:: 0.1
           The default was ``(500, 500, 2000)`` for every input; pass it for
           the previous network.
    n_components : int, default=10
        Code size (``transform``'s output).
    alpha : float, default=1.0
        Degrees of freedom of the Student-t kernel.
    reconstruction_weight : float, default=0.0
        Weight of the reconstruction loss during clustering; > 0 is IDEC.
    pretrain_epochs : "auto" or int, default="auto"
        Autoencoder pre-training epochs. ``"auto"``: 50 epochs, or as many
        as make 750 optimiser steps when that is fewer: an epoch is
        ``ceil(n_samples / batch_size)`` steps, so sets of at most 3,840
        rows (at the default ``batch_size``) keep 50 epochs and larger ones
        get ``ceil(750 / steps per epoch)`` (38 on 5,000 rows). The papers
        count training in optimiser steps, not passes (DEC pre-trains for
        50,000 steps of 256 rows on MNIST); a step budget keeps the fit time
        from growing with the number of rows. 500 steps (25 epochs on 5,000
        rows) lowered DEC's and IDEC's accuracy on one benchmark set
        (``benchmarks/results/clustering.md``). ``pretrain_epochs_`` holds
        the number used.

        .. versionchanged:: 0.1
           The default was 50 epochs for every data size; pass 50 for the
           previous schedule.
    pretrain_lr : float, default=1e-3
        Pre-training learning rate (Adam).
    n_init : "auto" or int, default=1
        Training runs (pre-training, k-means start and self-training) with
        different seeds; the run whose training labels have the highest
        silhouette, taken among the rows as the network sees them (the
        ``encoder`` stage's output, or the rows), is kept, as
        :class:`~sklearn.cluster.KMeans` keeps its lowest-inertia start; a
        run that leaves clusters empty ranks below those that fill them. The
        first run is the one ``n_init=1`` gives. ``"auto"``: 5 runs when no
        ``encoder`` stage runs and there are at most 2,000 training rows
        (small tables: a run takes seconds there, and single runs vary most
        between seeds), 1 otherwise. ``partial_fit`` makes one run. Each run
        trains with its own copy of ``callbacks``. ``"auto"`` is the rule of
        :class:`~sklearn_unsup.cluster.SCAN` and
        :class:`~sklearn_unsup.cluster.SeLa`; the default stays one run, as
        on the small benchmark tables the runs kept by silhouette raised
        DEC's and IDEC's accuracy only slightly, at five times the fit time
        (``benchmarks/results/clustering.md``).

        .. versionchanged:: 0.1
           ``n_init`` counts training runs; the k-means restarts it used to
           count are ``kmeans_n_init``.
    kmeans_n_init : int, default=20
        k-means restarts for the initial centres (the paper's 20).
    update_interval : int, default=140
        Batches between target updates (140 on MNIST in the paper).
    tol : float, default=1e-3
        Stop when fewer than this fraction of labels change between updates.
    max_epochs : "auto" or int, default="auto"
        Passes over the training data. Maximum clustering epochs (the
        ``tol`` rule can stop earlier). ``"auto"``: 50, or as many as make
        500 optimiser steps when that is fewer (sets of more than 2,560 rows
        at the default ``batch_size``; 25 epochs on 5,000 rows).
        ``max_epochs_`` holds the number used. With the default
        ``update_interval`` of 140 batches, a 500-step budget refreshes the
        target only three times, so the ``tol`` stop seldom ends training
        early on the larger sets.

        .. versionchanged:: 0.1
           The default was 50 epochs for every data size; pass 50 for the
           previous schedule.
    batch_size : int, default=256
        Rows per optimisation step.
    lr : float, default=0.01
        Learning rate. Clustering-stage learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="sgd"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass. Clustering-stage optimizer (the paper: SGD,
        momentum 0.9).
    weight_decay : float, default=0.0
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
    cluster_centers_ : ndarray of shape (n_clusters, n_components)
        Centres in the code space.
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Training rows per cluster.
    delta_label_ : float or None
        Fraction of labels that changed at the last target update.
    self_training_collapsed_ : bool
        True when self-training emptied half or more of the clusters its
        k-means start had filled, or fewer with a lower silhouette than the
        start's, and ``fit`` kept that start instead (reset to False by
        ``partial_fit``, which runs no such check).
    hidden_dims_ : tuple of int
        Encoder hidden widths used (``hidden_dims`` with ``"auto"``
        resolved).
    pretrain_epochs_ : int
        Autoencoder pre-training epochs (``pretrain_epochs`` with ``"auto"``
        resolved on the training rows; with ``partial_fit``, on the first
        block's).
    max_epochs_ : int
        Maximum clustering epochs (``max_epochs`` with ``"auto"`` resolved
        likewise; ``partial_fit`` runs one clustering epoch per call).
    pretrain_loss_curve_ : list of float
        Reconstruction loss of each pre-training epoch.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net (autoencoder and centres).
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Clustering epochs run (the pre-training epochs are the length of
        ``pretrain_loss_curve_``).
    loss_curve_ : list of float
        Mean clustering loss of each epoch.
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
    .. [1] J. Xie, R. Girshick and A. Farhadi, "Unsupervised Deep Embedding
       for Clustering Analysis", ICML 2016.
    .. [2] X. Guo, L. Gao, X. Liu and J. Yin, "Improved Deep Embedded
       Clustering with Local Structure Preservation", IJCAI 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.cluster import DEC
    >>> X = load_digits().data / 16
    >>> dec = DEC(n_clusters=10, hidden_dims=(64,), pretrain_epochs=2, max_epochs=2, random_state=0).fit(X)
    >>> dec.predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **BaseDeepClusterer._encoder_constraints,
        "hidden_dims": [StrOptions({"auto"}), "array-like"],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "pretrain_epochs": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "max_epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "pretrain_lr": [Interval(Real, 0, None, closed="neither")],
        **BaseDeepClusterer._n_init_constraints,
        "kmeans_n_init": [Interval(Integral, 1, None, closed="left")],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, 1, closed="both")],
    }
    _restarts_by_silhouette = True
    #: max_epochs="auto": 50 clustering epochs, fewer where they would pass AUTO_MAX_STEPS optimiser steps
    _auto_max_epochs = 50

    def __init__(
        self,
        n_clusters=10,
        *,
        encoder="auto",
        hidden_dims="auto",
        n_components=10,
        alpha=1.0,
        reconstruction_weight=0.0,
        pretrain_epochs="auto",
        pretrain_lr=1e-3,
        n_init=1,
        kmeans_n_init=20,
        update_interval=140,
        tol=1e-3,
        max_epochs="auto",
        batch_size=256,
        lr=0.01,
        optimizer="sgd",
        weight_decay=0.0,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.hidden_dims = hidden_dims
        self.n_components = n_components
        self.alpha = alpha
        self.reconstruction_weight = reconstruction_weight
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_lr = pretrain_lr
        self.n_init = n_init
        self.kmeans_n_init = kmeans_n_init
        self.update_interval = update_interval
        self.tol = tol
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
        rng = check_random_state(self.random_state)
        auto = isinstance(self.hidden_dims, str) and self.hidden_dims == "auto"
        hidden = auto_hidden_dims(X.shape[1]) if auto else check_hidden_dims(self.hidden_dims)
        self.hidden_dims_ = tuple(int(w) for w in hidden)
        ae_kwargs = dict(n_features=X.shape[1], n_components=self.n_components, hidden_dims=hidden)
        Xt = as_float32_tensor(X)
        pretrain_epochs, max_epochs = self._n_epochs(X.shape[0])
        self.pretrain_epochs_, self.max_epochs_ = pretrain_epochs, max_epochs
        # 1. autoencoder pre-training
        state = None
        self.pretrain_loss_curve_ = []
        if pretrain_epochs > 0:
            net = self._build_net(module=MLPAutoEncoder, module_kwargs=ae_kwargs, criterion=ReconstructionLoss,
                                  random_state=rng, max_epochs=pretrain_epochs, lr=self.pretrain_lr,
                                  optimizer="adam")
            self._train(net, X)
            self.pretrain_loss_curve_ = self.loss_curve_
            state = {k: v.detach().clone() for k, v in self.net_.module_.state_dict().items()}
            codes = full_pass(self.net_.module_, Xt, lambda m, xb: m.encode(xb)).numpy().astype(np.float64)
        # 2. k-means on the codes and 3. KL self-training, in one net holding the encoder and centres
        updater = _TargetUpdate(Xt, self.update_interval, self.tol)
        updater.stop_on_collapse = not first_block
        kmeans_seed = int(rng.randint(np.iinfo(np.int32).max))
        start_state = {}

        def start(net, dataset):
            module = net.module_
            if state is not None:
                module.autoencoder.load_state_dict(state)
            z = full_pass(module, Xt, lambda m, xb: m.encode(xb)).numpy().astype(np.float64) if state is None \
                else codes
            centers, _, _ = feature_kmeans(z, self.n_clusters, n_init=self.kmeans_n_init, random_state=kmeans_seed)
            with torch.no_grad():
                module.centers.copy_(torch.as_tensor(centers, dtype=torch.float32))
            start_state.update({k: v.detach().clone() for k, v in module.state_dict().items()})
            updater.refresh(net)

        net = self._build_net(
            module=DECNet,
            module_kwargs=dict(**ae_kwargs, n_clusters=self.n_clusters, alpha=self.alpha),
            criterion=DECLoss,
            criterion_kwargs=dict(reconstruction_weight=self.reconstruction_weight),
            random_state=rng,
            max_epochs=max_epochs,
            # SGD with momentum on the large autoencoder can blow up on unnormalised inputs
            # (e.g. UMAP codes of scale 10); clipping the gradient norm keeps the steps bounded.
            callbacks=[("dec_target", updater), ("clip", GradientNormClipping(10.0))],
        )
        self._train(net, X, torch.arange(X.shape[0]), epochs=1 if first_block else None, before_training=start)
        self.delta_label_ = updater.delta_label_
        self.self_training_collapsed_ = False
        if not first_block and start_state:
            self._fall_back_if_collapsed(X, start_state, stopped_at_collapse=updater.collapsed)
        self.cluster_centers_ = self.net_.module_.centers.detach().cpu().numpy().astype(np.float64)
        self.net_.criterion_.targets = None  # training state only
        return self._finish_fit(X)

    def _n_epochs(self, n_samples):
        """(pre-training epochs, clustering epochs) with "auto" resolved: 50 each, capped at 750 and 500 steps."""
        pretrain = self.pretrain_epochs
        if isinstance(pretrain, str) and pretrain == "auto":
            pretrain = epochs_within_steps(AUTO_PRETRAIN_EPOCHS, n_samples, int(self.batch_size), AUTO_PRETRAIN_STEPS)
        # the clustering epochs: the base's max_epochs="auto" rule with DEC's 50 epochs (_auto_max_epochs)
        return int(pretrain), super()._n_epochs(n_samples)

    def _fall_back_if_collapsed(self, X, start_state, stopped_at_collapse=False):
        """Restore the k-means start when self-training emptied clusters the start had filled, for the worse.

        Half or more of the start's clusters lost is a collapse. Fewer lost clusters are kept only when the
        trained labels' silhouette (among the rows the network clusters) is at least the start's: on
        imbalanced data an emptied cluster can be right; merged clusters that separate less are not.
        ``stopped_at_collapse``: the target update already counted a collapse (and stopped training), so the
        start is restored whatever this recount (float64 instead of the update's float32) finds.
        """
        k = self.n_clusters
        labels = self._proba(X).argmax(1)
        n_filled = np.count_nonzero(np.bincount(labels, minlength=k))
        module = self.net_.module_
        trained = {key: v.detach().clone() for key, v in module.state_dict().items()}
        module.load_state_dict(start_state)
        start_labels = self._proba(X).argmax(1)
        n_filled_start = np.count_nonzero(np.bincount(start_labels, minlength=k))
        collapsed = stopped_at_collapse or 2 * n_filled <= n_filled_start
        if n_filled >= n_filled_start and not collapsed:  # no cluster lost
            module.load_state_dict(trained)
            return
        if not collapsed:
            silhouette, silhouette_start = labels_silhouette(X, labels), labels_silhouette(X, start_labels)
            if silhouette >= silhouette_start:  # fewer clusters that separate at least as well: kept
                module.load_state_dict(trained)
                return
        self.self_training_collapsed_ = True
        why = "" if collapsed else (f" and lowered the silhouette of its labels from {silhouette_start:.3f} to "
                                    f"{silhouette:.3f}")
        warn_caller(
            f"DEC's self-training left {k - n_filled} of {k} clusters empty ({k - n_filled_start} at its k-means "
            f"start){why}: the fit keeps the k-means start (pre-trained encoder and k-means centres). Scale the "
            "input (StandardScaler), lower lr or reconstruction_weight, or raise update_interval.",
            ConvergenceWarning,
        )

    def _continue_training(self, X):
        """One clustering epoch on a block, with the target distribution computed on that block."""
        updater = dict(self.net_.callbacks_)["dec_target"]
        self.self_training_collapsed_ = False
        updater.start_block(self.net_, X)
        try:
            self._continue_net(X, y=torch.arange(X.shape[0]))
        finally:
            updater.X, updater.stop_on_tol = None, True
            self.net_.criterion_.targets = None
        self.delta_label_ = updater.delta_label_
        self.cluster_centers_ = self.net_.module_.centers.detach().cpu().numpy().astype(np.float64)
        self._finish_fit(X)

    @staticmethod
    def _proba_fn(module, xb):
        return module.assignment(module.encode(xb))
