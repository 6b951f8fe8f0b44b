"""ClAM: clustering with associative memories, trained end to end by masked reconstruction."""

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.cluster import kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning

from .._nn._clam import AssociativeMemory, KeepBestPrototypes, MaskedReconstructionLoss
from .._torch import BaseTorchEstimator
from ..exceptions import TrainingDivergedError
from ..metrics import silhouette_score
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_n_clusters
from ..utils._warnings import warn_caller

__all__ = ["ClAM"]

_MAX_STANDARDISED = 1e15


class ClAM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseTorchEstimator):
    """Clustering with associative memories (ClAM): prototypes learned by masked reconstruction.

    ``n_clusters`` prototypes act as the memories of a dense associative
    memory. A state ``v`` evolves by ``n_steps`` steps of
    ``v <- v + alpha * sum_mu p_mu (rho_mu - v)``, ``p = softmax(-beta/2
    ||rho_mu - v||^2)``: each row is pulled towards a soft mixture of the
    prototypes that becomes the nearest prototype as the state settles, a
    differentiable stand-in for k-means' hard assignment. Training is
    self-supervised: a share ``mask_prob`` of each row's features is hidden
    (replaced by ``mask_value``), the memory fills them in by running the
    dynamics on the hidden coordinates only, and Adam moves the prototypes
    (the only parameters) to make the completed values match the hidden
    ones. A row's cluster is the prototype nearest to its settled state
    (dynamics on every coordinate, no mask).

    The columns are standardised inside (mean 0, variance 1, from the
    training rows; constant columns are only centred; values clipped at
    ``1e15`` standard deviations so that float32 distances stay finite), as
    the authors do:
    the prototypes, ``beta`` and the distances of ``transform`` live in that
    space; ``cluster_centers_`` are mapped back to the input's units.

    The authors select ``beta``, ``lr`` and ``mask_value`` per data set by
    the silhouette of the clusters, which needs no labels; ``score`` is that
    silhouette, so ``GridSearchCV`` does the same (see the Examples and the
    user guide).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of prototypes (clusters).
    beta : float, default=1.0
        Inverse temperature of the attention over the prototypes, in the
        standardised space: larger values give harder, more k-means-like
        assignments. The authors search {1.1, 1.5, 1.9, 2.4}.
    alpha : float, default=0.1
        Step size of the memory dynamics, in (0, 1].
    n_steps : int or None, default=None
        Steps of the dynamics; None: ``int(1 / alpha)`` (the authors' choice).
    mask_prob : float, default=0.2
        Share of each row's features hidden in training (at least one).
    mask_value : {"mean", "min", "max"}, default="mean"
        What a hidden feature is replaced with: the column's mean, minimum or
        maximum over the training rows (after standardisation).
    init : {"gaussian", "k-means++"}, default="gaussian"
        Starting prototypes: independent ``N(0.1, 0.1^2)`` draws (the
        authors' setting: every prototype starts near the data's mean and the
        dynamics pull them apart), or k-means++ seeding on the standardised
        rows.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=128
        Rows per optimisation step. The authors use 8, many times slower
        per epoch on the CPU.
    lr : float, default=1e-2
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
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
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The prototypes in the input's units.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row.
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Training rows in each cluster.
    mean_ : ndarray of shape (n_features,)
        Column means of the training rows (the standardisation's centre).
    scale_ : ndarray of shape (n_features,)
        Column standard deviations of the training rows (1 for constant columns).
    n_steps_ : int
        Steps of the dynamics used.
    best_epoch_ : int
        The epoch (1-based) whose prototypes are kept: the one with the lowest
        training loss, as the authors keep.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net; ``net_.module_.prototypes`` are the standardised prototypes.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Hard assignments, Lloyd's updates.
    SelfOrganizingMap : Prototypes on a grid, trained row by row.
    sklearn_unsup.metrics.silhouette_scorer : The label-free scorer for model selection.

    Notes
    -----
    *Adaptations.* The authors' mechanism, loss, optimizer and kept epoch
    are followed, with their initialisation as the default. Here each
    row hides exactly ``max(1, round(mask_prob * n_features))`` distinct
    features, any of them (the authors draw indices with repetition and never
    the first feature, and every third epoch share one mask across the
    batch); the softmax is computed stably (the authors' plain exponentials
    overflow for distant rows); their learning-rate decay on loss plateaus is
    left to ``callbacks`` (skorch's ``LRScheduler``). Defaults: the authors
    train 200 epochs with batches of 8 and pick ``beta`` and ``lr`` per data
    set; the defaults here were chosen on data sets outside the benchmark
    (digits and synthetic blobs), see ``benchmarks/results/clustering.md``.

    References
    ----------
    .. [1] B. Saha, D. Krotov, M. J. Zaki and P. Ram, "End-to-end Differentiable
       Clustering with Associative Memories", ICML 2023 (arXiv:2306.03209).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_unsup.cluster import ClAM
    >>> X, _ = make_blobs(200, n_features=4, centers=3, random_state=0)
    >>> clam = ClAM(3, max_epochs=20, random_state=0).fit(X)
    >>> clam.cluster_centers_.shape, clam.transform(X[:2]).shape
    ((3, 4), (2, 3))
    >>> all_rows = [(np.arange(len(X)), np.arange(len(X)))]  # fit and score on the same rows
    >>> search = GridSearchCV(ClAM(3, max_epochs=20, random_state=0), {"beta": [0.5, 2.0]},
    ...                       cv=all_rows).fit(X)  # score = silhouette
    >>> sorted(search.best_params_)
    ['beta']
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="right")],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "mask_prob": [Interval(Real, 0, 1, closed="right")],
        "mask_value": [StrOptions({"mean", "min", "max"})],
        "init": [StrOptions({"k-means++", "gaussian"})],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        beta=1.0,
        alpha=0.1,
        n_steps=None,
        mask_prob=0.2,
        mask_value="mean",
        init="gaussian",
        max_epochs=100,
        batch_size=128,
        lr=1e-2,
        optimizer="adam",
        weight_decay=0.0,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_clusters = n_clusters
        self.beta = beta
        self.alpha = alpha
        self.n_steps = n_steps
        self.mask_prob = mask_prob
        self.mask_value = mask_value
        self.init = init
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
        X = self._validate_fit_data(X)
        check_n_clusters(self.n_clusters, X.shape[0])
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        self.scale_ = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.mean_)), std, 1.0)
        Z = self._standardise(X)
        fill = {"mean": np.zeros(Z.shape[1]), "min": Z.min(axis=0), "max": Z.max(axis=0)}[self.mask_value]
        self.n_steps_ = int(self.n_steps) if self.n_steps is not None else max(1, int(1.0 / self.alpha))
        keep_best = KeepBestPrototypes()
        net = self._build_net(
            module=AssociativeMemory,
            module_kwargs=dict(n_features=Z.shape[1], n_clusters=self.n_clusters, beta=float(self.beta),
                               alpha=float(self.alpha), n_steps=self.n_steps_, fill=fill.tolist(),
                               n_masked=max(1, int(round(self.mask_prob * Z.shape[1])))),
            criterion=MaskedReconstructionLoss,
            callbacks=[("keep_best", keep_best)],
        )
        self._train(net, Z, before_training=self._init_prototypes if self.init == "k-means++" else None)
        self.best_epoch_ = int(keep_best.best_epoch_)
        rho = self.net_.module_.prototypes.detach().cpu().numpy().astype(np.float64)
        if not np.all(np.isfinite(rho)):
            raise TrainingDivergedError(f"Training diverged: the prototypes became non-finite. Try a smaller lr "
                                        f"(got {self.lr}) or a smaller beta (got {self.beta}).")
        self.cluster_centers_ = rho * self.scale_ + self.mean_
        self._n_features_out = self.n_clusters
        self.labels_ = self._distances(Z).argmin(1)
        self.cluster_sizes_ = np.bincount(self.labels_, minlength=self.n_clusters)
        n_empty = int(np.sum(self.cluster_sizes_ == 0))
        if n_empty:
            warn_caller(f"ClAM ended with {n_empty} of {self.n_clusters} clusters empty: some prototypes attract no "
                        "row. Try another beta or lr (GridSearchCV with the silhouette score).", ConvergenceWarning)

    def _init_prototypes(self, net, dataset):
        Z = dataset.X.numpy().astype(np.float64)
        centers, _ = kmeans_plusplus(Z, self.n_clusters, random_state=self._seed())
        with torch.no_grad():
            net.module_.prototypes.copy_(torch.as_tensor(centers, dtype=torch.float32))

    def _standardise(self, X):
        # rows beyond +-1e15 standard deviations are clipped so that squared distances stay within float32
        Z = np.clip((X - self.mean_) / self.scale_, -_MAX_STANDARDISED, _MAX_STANDARDISED)
        return Z.astype(X.dtype, copy=False)

    def _distances(self, Z):
        """Euclidean distances of the settled states of standardised rows Z to the prototypes."""
        d2 = self._forward(lambda m, xb: m.sq_distances(m.settle(xb)), Z).astype(np.float64)
        return np.sqrt(np.maximum(d2, 0.0))

    def _validated(self, X):
        return self._standardise(self._validate_predict_data(X))

    def transform(self, X):
        """Distances of each row's settled state to the prototypes, in the standardised space.

        The state is the row after ``n_steps_`` steps of the memory dynamics
        (every coordinate free); ``predict`` is the argmin of these distances.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
        """
        X = self._validate_predict_data(X)
        return self._distances(self._standardise(X)).astype(X.dtype, copy=False)

    def predict(self, X):
        """Cluster of each row: the prototype nearest to its settled state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._distances(self._validated(X)).argmin(1)

    def predict_proba(self, X):
        """The memory's attention over the prototypes at each row's settled state.

        ``softmax(-beta / 2 * d^2)`` of the distances of :meth:`transform`; its
        argmax is :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Rows sum to 1.
        """
        proba = self._forward(lambda m, xb: m.attention(m.settle(xb)), self._validated(X)).astype(np.float64)
        return proba / proba.sum(1, keepdims=True)

    def score(self, X, y=None):
        """Silhouette of the predicted clusters on the standardised rows (higher is better).

        The authors' criterion for choosing ``beta``, ``lr`` and ``mask_value``
        without labels. -1 when all rows fall into one cluster.

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
        Z = self._validated(X)
        labels = self._distances(Z).argmin(1)
        n_labels = np.unique(labels).size
        if n_labels < 2 or n_labels >= Z.shape[0]:
            return -1.0
        return float(silhouette_score(Z, labels))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

