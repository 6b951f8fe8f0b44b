"""SeLa: self-labelling by whole-dataset Sinkhorn equipartition."""

from functools import partial

import numpy as np
import torch

from .._kernels import sinkhorn_knopp
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ._pseudo_label import BasePseudoLabelClusterer, full_pass

__all__ = ["SeLa"]


def label_epochs(max_epochs, n_label_updates):
    """Epochs (1-based) at whose start the labels are re-optimised: the first, then evenly spaced."""
    n = int(min(max(1, n_label_updates), max_epochs))
    return {int(e) for e in np.unique(np.floor(np.linspace(0, max_epochs, n, endpoint=False)).astype(int) + 1)}


def equipartition_labels(log_proba, sinkhorn_lambda, tol=0.1, max_iter=1000, prior=None):
    """SeLa's label step: Sinkhorn on ``P ** sinkhorn_lambda`` until ``sum |c / c_new - 1| < tol``, then argmax.

    ``prior`` (cluster shares, any order): the columns receive these shares
    instead of equal ones, matched by rank to the columns' predicted mass
    (the cluster the network already makes largest gets the largest share).
    """
    log_proba = np.ascontiguousarray(log_proba, dtype=np.float64)
    marginals = None
    if prior is not None:
        shares = np.sort(np.asarray(prior, dtype=np.float64))[::-1]
        mass = np.exp(log_proba).sum(0)
        marginals = np.empty_like(shares)
        marginals[np.argsort(-mass, kind="stable")] = shares / shares.sum()
    Q, _ = sinkhorn_knopp(log_proba, epsilon=1.0 / sinkhorn_lambda, n_iter=max_iter, tol=tol,
                          col_marginals=marginals)
    return Q.argmax(1).astype(np.int64)


def _sela_epoch(net, dataset, update_epochs, sinkhorn_lambda, prior=None):
    epoch = len(net.history)
    if epoch not in update_epochs:
        return
    logp = full_pass(net.module_, dataset.X, lambda m, xb: m.logits(xb).log_softmax(-1)).numpy()
    net.criterion_.targets = torch.from_numpy(equipartition_labels(logp, sinkhorn_lambda, prior=prior))


class SeLa(BasePseudoLabelClusterer):
    """Self-labelling: pseudo-labels from an equipartitioned optimal transport of the network's predictions.

    Asano et al. (2020): the labels of all rows are chosen to maximise the
    network's log-likelihood of them under the constraint that every cluster
    gets the same number of rows — an optimal-transport problem solved by
    Sinkhorn-Knopp on ``P ** sinkhorn_lambda`` (the numba kernel) until the column
    scaling changes by less than 0.1, then rounded by argmax. The labels are
    re-optimised ``n_label_updates`` times during training (first from the
    untrained network); in between, the network is trained with cross-entropy
    on them. The equipartition is what prevents the degenerate solution of
    all rows in one cluster.

    Adapted to tables: the second view of a row is one of its ``n_neighbors``
    nearest rows, classified into the row's label; ``augment`` adds a tabular
    augmentation.

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
    sinkhorn_lambda : float, default=25.0
        Sharpness of the transport (``P ** sinkhorn_lambda``; 25 in the paper).
    cluster_prior : {"auto", "uniform", "kmeans"} or array-like of shape (n_clusters,), default="auto"
        Cluster shares the transport gives the columns. ``"uniform"`` is the
        paper's equipartition. ``"kmeans"`` takes the shares of a k-means
        clustering of the training rows; an array gives them directly
        (normalised). ``"auto"`` takes the k-means shares when they are
        clearly unequal (entropy below ``0.95 log(n_clusters)``; k-means
        splits balanced classes at .96-.99) and equal shares otherwise. The
        shares go to the columns by rank of the network's predicted cluster
        mass, so the prior fixes the spread of the sizes, not which cluster is
        the large one. Equipartition penalises imbalanced tables
        (``benchmarks/results/clustering.md``).
    n_label_updates : int, default=20
        Times the labels are re-optimised (evenly spread over the epochs).
    n_neighbors : int, default=10
        Neighbours mined per row for the second view; 0 uses the row itself.
    hidden_dims : sequence of int, default=(512, 512)
        Encoder hidden widths (BatchNorm, ReLU).
    n_components : int, default=64
        Encoder output width (``transform``'s output).
    augment : {"mask", "gaussian", "scarf", "none"}, default="scarf"
        Tabular augmentation of both views during training. SeLa needs one:
        without it the network memorises its first, random labels. On raw
        pixels SeLa stays weak; put the UMAP step of
        :func:`make_umap_pipeline` before it (``benchmarks/results/clustering.md``).
    corruption_rate : float in (0, 1), default=0.3
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
        ``max_epochs_`` holds the number used. The label updates
        (``n_label_updates``) are spread over the epochs used.

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
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row (the trained network's prediction).
    pseudo_labels_ : ndarray of shape (n_samples,)
        The last equipartitioned labels.
    cluster_prior_ : ndarray of shape (n_clusters,)
        The cluster shares the transport gave the columns, in decreasing order.
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
    .. [1] Y. M. Asano, C. Rupprecht and A. Vedaldi, "Self-labelling via
       simultaneous clustering and representation learning", ICLR 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.cluster import SeLa
    >>> X = load_digits().data / 16
    >>> sela = SeLa(n_clusters=10, max_epochs=2, random_state=0).fit(X)
    >>> int(sela.cluster_sizes_.sum())
    1797
    """

    _restarts_by_silhouette = True
    _parameter_constraints: dict = {
        **BasePseudoLabelClusterer._parameter_constraints,
        **BasePseudoLabelClusterer._encoder_constraints,
        **BasePseudoLabelClusterer._n_init_constraints,
        "sinkhorn_lambda": [Interval(Real, 0, None, closed="neither")],
        "n_label_updates": [Interval(Integral, 1, None, closed="left")],
        **BasePseudoLabelClusterer._prior_constraints,
        "max_epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        encoder="auto",
        n_init="auto",
        sinkhorn_lambda=25.0,
        cluster_prior="auto",
        n_label_updates=20,
        n_neighbors=10,
        hidden_dims=(512, 512),
        n_components=64,
        augment="scarf",
        corruption_rate=0.3,
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
        self.sinkhorn_lambda = sinkhorn_lambda
        self.cluster_prior = cluster_prior
        self.n_label_updates = n_label_updates
        self.n_neighbors = n_neighbors
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
        prior = self._fit_cluster_prior(X)
        self.max_epochs_ = self._n_epochs(X.shape[0])
        hook = partial(_sela_epoch, update_epochs=label_epochs(self.max_epochs_, self.n_label_updates),
                       sinkhorn_lambda=float(self.sinkhorn_lambda), prior=prior)
        return self._fit_pseudo_label(X, hook, max_epochs=self.max_epochs_)
