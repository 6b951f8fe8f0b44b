"""JULE: graph degree linkage merges alternated with triplet training of an MLP encoder."""

import math

import numpy as np
import scipy.sparse as sp
import torch
from scipy.sparse.csgraph import connected_components

from .._kernels import knn_search, l2_normalize, student_t_assignment
from .._nn import MLPEncoder, TensorDataset, WeightedTripletLoss, as_float32_tensor
from .._torch._device import torch_rng
from .._torch._threads import threads_for, torch_threads
from ..utils._sklearn_compat import Integral, Interval, Real
from ..utils._validation import check_hidden_dims
from ._deep_base import BaseDeepClusterer
from ._gdl import GraphDegreeLinkage
from ._pseudo_label import full_pass

__all__ = ["JULE"]


def merge_schedule(n_initial, n_clusters, eta):
    """Cluster counts after each period: ``c -> max(n_clusters, c - ceil(eta * c))`` until ``n_clusters``."""
    counts, c = [], int(n_initial)
    while True:
        c = max(int(n_clusters), c - math.ceil(eta * c))
        counts.append(c)
        if c <= n_clusters:
            return counts


class JULE(BaseDeepClusterer):
    """Joint unsupervised learning of an encoder and agglomerative clusters (JULE), on an MLP.

    Yang et al. (2016) unroll agglomerative clustering into periods. The rows
    start in the connected components of their first-nearest-neighbour links
    (on the L2-normalised input). Each period then (1) trains the encoder for
    ``max_epochs`` epochs with the weighted triplet loss
    ``max(0, pos_weight * |a - p|^2 - |a - n|^2 + margin)`` on its
    L2-normalised codes, where a and p are two rows of one current cluster and
    n a row of another, all mined inside each batch (at most
    ``max_pairs_per_cluster`` pairs per cluster, ``n_negatives`` negatives per
    pair, as the authors' code does per mini-batch); and (2) recomputes the
    codes of all rows, L2-normalises them and continues the merging by graph
    degree linkage (:class:`GraphDegreeLinkage`: a ``n_neighbors``-NN graph
    on the codes and JULE's ``k_c`` criterion), merging ``ceil(eta * c)`` of
    the ``c`` current clusters, not below ``n_clusters``. Training stops when
    ``n_clusters`` are left: ``labels_`` are that last merge's clusters.

    Adapted from images to tables: the CNN is an MLP (BatchNorm, ReLU), and
    the authors' inverse-decay learning-rate schedule is left out (constant
    ``lr``). ``predict`` and ``predict_proba`` assign a row to the nearest
    cluster centre (the mean normalised code of each cluster of ``labels_``;
    Student-t soft assignment); on the training rows this agrees with
    ``labels_`` on most but not necessarily all rows, as the graph linkage is
    not a nearest-centre rule. ``transform`` gives the codes (not normalised).

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters.
    encoder : {"auto", "umap", "pca"}, transformer or None, default=None
        Stage fitted on the training rows before the network (as in
        :class:`~sklearn_unsup.cluster.DEC`; ``"auto"`` is UMAP for at least 1,000 rows of at least
        20 features). The default None uses the rows as given, as JULE does
        with pixels.
    eta : float in (0, 1], default=0.9
        Unrolling rate: share of the current clusters merged in each period
        (0.9 in the paper for most sets, 0.2 for faces).
    n_neighbors : int, default=20
        Neighbours per row in the linkage graph (``K_s``).
    k_c : int, default=5
        Neighbouring clusters in JULE's merge score (``K_c``; 1 is plain AGDL).
    margin : float, default=0.2
        Triplet margin (the authors' code).
    pos_weight : float, default=1.0
        Weight ``gamma`` of the positive distance in the triplet loss.
    n_negatives : int, default=20
        Negatives drawn per positive pair (fewer when the batch has fewer
        rows of other clusters).
    max_pairs_per_cluster : int, default=100
        At most this many positive pairs per cluster and batch (drawn at
        random), which bounds a batch's triplets.
    hidden_dims : sequence of int, default=(256, 256)
        Encoder hidden widths (BatchNorm, ReLU).
    n_components : int, default=32
        Code size (``transform``'s output).
    max_epochs : int, default=20
        Passes over the training data. In each period, between two merges
        (the authors' ``epoch_pp``); ``n_iter_`` counts them all.
    batch_size : int, default=256
        Rows per optimisation step. Triplets are mined within a batch.
    lr : float, default=0.01
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="sgd"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass. The authors use SGD with momentum.
    weight_decay : float, default=5e-5
        L2 penalty passed to the optimizer. The authors' value.
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
        seed gives identical results on CPU. Here the draws include the triplets.
    verbose : int, default=0
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row (the last merge), 0 .. ``n_clusters - 1``
        by decreasing size.
    cluster_centers_ : ndarray of shape (n_clusters, n_components)
        Mean L2-normalised code of each cluster of ``labels_``.
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Training rows per cluster of ``labels_``.
    n_initial_clusters_ : int
        Clusters before the first period (first-neighbour components, or
        every row alone when those are fewer than ``n_clusters``).
    n_clusters_path_ : list of int
        Number of clusters after each period's merge (the last is
        ``n_clusters``); one training period precedes each merge.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net (the encoder).
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run (``len(n_clusters_path_) * max_epochs``).
    loss_curve_ : list of float
        Mean triplet loss of each epoch.
    encoder_ : transformer or None
        The fitted ``encoder`` stage (None when the rows are used as given).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.cluster.GraphDegreeLinkage : the merging alone, on the input rows.
    sklearn_unsup.cluster.DEC : deep embedded clustering.

    References
    ----------
    .. [1] J. Yang, D. Parikh and D. Batra, "Joint Unsupervised Learning of
       Deep Representations and Image Clusters", CVPR 2016.
    .. [2] W. Zhang, X. Wang, D. Zhao and X. Tang, "Graph Degree Linkage:
       Agglomerative Clustering on a Directed Graph", ECCV 2012.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.cluster import JULE
    >>> X = load_digits().data / 16
    >>> jule = JULE(n_clusters=10, hidden_dims=(64,), max_epochs=1, random_state=0).fit(X)
    >>> jule.n_clusters_path_[-1], jule.transform(X[:2]).shape
    (10, (2, 32))
    """

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **BaseDeepClusterer._encoder_constraints,
        "eta": [Interval(Real, 0, 1, closed="right")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "k_c": [Interval(Integral, 1, None, closed="left")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "pos_weight": [Interval(Real, 0, None, closed="left")],
        "n_negatives": [Interval(Integral, 1, None, closed="left")],
        "max_pairs_per_cluster": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        encoder=None,
        eta=0.9,
        n_neighbors=20,
        k_c=5,
        margin=0.2,
        pos_weight=1.0,
        n_negatives=20,
        max_pairs_per_cluster=100,
        hidden_dims=(256, 256),
        n_components=32,
        max_epochs=20,
        batch_size=256,
        lr=0.01,
        optimizer="sgd",
        weight_decay=5e-5,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.eta = eta
        self.n_neighbors = n_neighbors
        self.k_c = k_c
        self.margin = margin
        self.pos_weight = pos_weight
        self.n_negatives = n_negatives
        self.max_pairs_per_cluster = max_pairs_per_cluster
        self.hidden_dims = hidden_dims
        self.n_components = n_components
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _initial_clusters(self, Z):
        """Components of the first-nearest-neighbour links (every row alone when fewer than n_clusters)."""
        n = Z.shape[0]
        _, ind = knn_search(Z, 1, metric="sqeuclidean", exclude_self=True)
        first = sp.csr_matrix((np.ones(n), ind[:, 0], np.arange(n + 1)), shape=(n, n))
        n_init, init = connected_components(first, directed=True, connection="weak")
        if n_init < self.n_clusters:
            return n, np.arange(n, dtype=np.int64)
        return int(n_init), init.astype(np.int64)

    def _fit(self, X, *, first_block):
        X = self._validate_clustering_data(X)
        Xt = as_float32_tensor(X)
        n_init, labels = self._initial_clusters(l2_normalize(np.asarray(X, dtype=np.float64)))
        self.n_initial_clusters_ = n_init
        path = merge_schedule(n_init, self.n_clusters, self.eta)
        epp = int(self.max_epochs)
        net = self._build_net(
            module=MLPEncoder,
            module_kwargs=dict(n_features=X.shape[1], n_components=self.n_components,
                               hidden_dims=check_hidden_dims(self.hidden_dims)),
            criterion=WeightedTripletLoss,
            criterion_kwargs=dict(margin=self.margin, pos_weight=self.pos_weight, n_negatives=self.n_negatives,
                                  max_pairs_per_cluster=self.max_pairs_per_cluster),
            max_epochs=epp * len(path),
        )
        for period, target in enumerate(path):
            y = torch.from_numpy(np.ascontiguousarray(labels, dtype=np.int64))
            if period == 0:
                self._train(net, Xt, y, epochs=epp)
            else:  # continue the same net: weights and optimizer state carry over between periods
                seed = (net.iterator_train__seed + 7919 * len(net.history)) % np.iinfo(np.int32).max
                with torch_rng(self.device_, seed), \
                        torch_threads(threads_for(net.module_, self.batch_size, self.device_)):
                    net.partial_fit(TensorDataset(Xt, y), None, epochs=epp)
            Z = self._codes(net, Xt)
            gdl = GraphDegreeLinkage(target, n_neighbors=self.n_neighbors, k_c=self.k_c, normalize=False)
            labels = gdl._agglomerate(Z, init=labels)[0]
        self._record_history(net)
        self.n_clusters_path_ = [int(c) for c in path]
        ids, inv, sizes = np.unique(labels, return_inverse=True, return_counts=True)
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.lexsort((np.arange(len(ids)), -sizes))] = np.arange(len(ids))
        self.labels_ = rank[inv.reshape(-1)]
        self.cluster_sizes_ = np.bincount(self.labels_, minlength=self.n_clusters)
        centers = np.zeros((self.n_clusters, Z.shape[1]))
        np.add.at(centers, self.labels_, Z)
        self.cluster_centers_ = centers / np.maximum(self.cluster_sizes_, 1)[:, None]
        self._n_features_out = self.n_components
        return self

    @staticmethod
    def _codes(net, Xt):
        """L2-normalised codes of all rows (float64), the features the clusters are merged on."""
        return l2_normalize(full_pass(net.module_, Xt, lambda m, xb: m.encode(xb)).numpy().astype(np.float64))

    @staticmethod
    def _proba_fn(module, xb):
        return module.encode(xb)

    def _proba(self, X):
        Z = l2_normalize(self._forward(self._proba_fn, X).astype(np.float64))
        return student_t_assignment(Z, self.cluster_centers_)
