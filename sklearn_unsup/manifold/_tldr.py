"""TLDR: twin learning for dimensionality reduction."""

import copy
import math

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state

from .._nn import BarlowTwinsLoss, NeighborPairIterator, TwinEncoder, as_float32_tensor, barlow_twins_loss
from .._torch import BaseTorchEstimator
from ..neighbors import kneighbors, mine_neighbors
from ..neighbors._mining import ALGORITHMS
from ..utils._sklearn_compat import Integral, Interval, Real, RealNotInt, StrOptions
from ..utils._validation import check_hidden_dims, check_n_neighbors

__all__ = ["TLDR"]

# encoder="auto": held-out rows (a fifth of the rows, within these bounds) and the MLP candidate's PCA axes
_MIN_HELD_OUT, _MAX_HELD_OUT = 20, 2000
_MLP_PCA_COMPONENTS = 32


class TLDR(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseTorchEstimator):
    """TLDR: dimensionality reduction that keeps each row close to its neighbours.

    Each row is paired with one of its ``n_neighbors`` nearest neighbours in the
    input space (exact kNN; a new neighbour is drawn every epoch). An encoder maps both to ``n_components``
    dimensions and a projector expands them; the Barlow Twins loss on the
    projections makes the pair's projections agree while decorrelating their
    dimensions. Only the encoder is kept: with a linear encoder ``transform``
    is one matrix product, like PCA's; with either encoder it works on new rows.

    ``encoder="auto"`` (the default) chooses between the linear encoder on the
    input and the MLP encoder on the input's leading principal axes inside
    ``fit``, by a held-out neighbour criterion that uses no labels: a fifth of
    the rows (at most 2,000) is held out, both candidates are trained on the
    others, each held-out row is paired with its nearest training row in the
    input space (``metric``), and the candidate with the lower Barlow Twins
    loss on these pairs wins (``encoder_scores_`` holds minus the losses; a tie
    goes to the linear encoder). The winner is then refitted on all rows, so
    the fitted model is the one the explicit setting would give. The MLP
    denoises pixels (neighbours found among a digit's many noisy pixels), the
    linear map keeps the signal that sentence embeddings spread over all
    their axes; the criterion is the training objective itself, on pairs that
    neither candidate saw and that are defined in the same space for both.
    Fitting costs about 2.6 times one fit. Below 100 rows there is too little
    to hold out and the linear encoder is fitted directly.

    Parameters
    ----------
    n_components : int, default=32
        Output dimension.
    n_neighbors : int, default=5
        Neighbours each row may be paired with.
    metric : {"euclidean", "cosine", "inner_product"}, default="euclidean"
        How neighbours are ranked. The official code ranks by
        inner product on unnormalised (in practice nearly L2-normalised
        embedding) features; ``"inner_product"`` reproduces it. On raw tables
        and pixels that favours rows of large norm, so euclidean is the default.
    neighbors_algorithm : {"auto", "exact", "ivf", "nndescent"}, default="auto"
        Neighbour search: ``"exact"`` (numba kernel, O(n^2 d) time),
        ``"ivf"`` (approximate inverted-file index, about n^1.5-n^1.7; recall@k
        about 0.96), ``"nndescent"`` (approximate, pynndescent) or ``"auto"``
        (exact up to 200,000 rows, IVF above); see
        :func:`~sklearn_unsup.neighbors.mine_neighbors`.
    input_pca_components : int, float in (0, 1) or None, default=None
        Project the rows onto their leading principal axes first (an int: that
        many; a float: the share of variance kept), then mine the neighbours
        and train the encoder there, as is common practice before t-SNE or
        UMAP: the minor axes are mostly noise, which blurs the neighbour
        graph. ``transform`` applies the same projection (folded into
        ``components_`` for the linear encoder, so it stays one matrix
        product). It helps the MLP encoder on pixels; it does not help the
        linear encoder, nor sentence embeddings, whose minor axes carry
        signal (``benchmarks/results/representation.md``). With
        ``encoder="auto"``, None means: no projection for the linear candidate
        and the leading ``max(32, n_components)`` axes (at most the rows and
        features there are) for the MLP candidate, the setting measured best
        for the MLP on pixels; a value applies to both candidates.
    encoder : {"auto", "linear", "mlp"}, default="auto"
        Linear map, an MLP with ``hidden_dims`` (BatchNorm, ReLU), or
        ``"auto"``: one of the two chosen by the held-out criterion above
        (``encoder_`` says which).
    hidden_dims : sequence of int, default=(512,)
        Hidden widths of the MLP encoder (unused when the encoder is linear).
    projector_dims : sequence of int, default=(512, 512)
        Widths of the projector; its output is batch-normalised without affine
        parameters. The official code uses ``(2048, 2048)``; on CPU that costs
        about 9x the time per epoch for no better neighbor accuracy here,
        hence the smaller default.
    redundancy_weight : float, default=3.9e-3
        Barlow Twins' lambda on the off-diagonal cross-correlations.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"``: about 1,000 optimisation steps,
        within 20 to 100 epochs (the paper's 100 for data sets of up to ~10,000 rows at
        the default batch size; fewer passes above, as UMAP does for large data: on
        large sets the embedding is as good with a fraction of the fit time, see
        ``benchmarks/results/representation.md``).
    batch_size : int, default=1024
        Rows per optimisation step. The loss uses batch statistics, so not too
        small.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adamw"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass. The paper uses LARS with lr 0.2 and a
        warm-up; AdamW needs no schedule.
    weight_decay : float, default=1e-6
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
    components_ : ndarray of shape (n_components, n_features)
        Weights of the linear encoder (``transform(X) = X @ components_.T + bias_``,
        the PCA projection folded in when there is one); only when ``encoder_``
        is ``"linear"``.
    bias_ : ndarray of shape (n_components,)
        Bias of the linear encoder; only when ``encoder_`` is ``"linear"``.
    encoder_ : str
        The encoder fitted: ``"linear"`` or ``"mlp"`` (the choice of
        ``encoder="auto"``, else ``encoder`` itself).
    encoder_scores_ : dict or None
        With ``encoder="auto"``: minus the Barlow Twins loss of the held-out
        rows paired with their nearest training row, per candidate
        (``{"linear": ..., "mlp": ...}``; higher is better). None when no
        choice was made (an explicit ``encoder``, or fewer than 100 rows).
    pca_ : sklearn.decomposition.PCA or None
        The projection applied before the encoder (None when there is none).
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean Barlow Twins loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : Linear reduction that keeps variance.
    umap.UMAP : Non-parametric neighbour-graph embedding.

    References
    ----------
    .. [1] Y. Kalantidis, C. Lassance, J. Almazan and D. Larlus, "TLDR: Twin
       learning for dimensionality reduction", TMLR 2022.
    .. [2] J. Zbontar, L. Jing, I. Misra, Y. LeCun and S. Deny, "Barlow Twins:
       self-supervised learning via redundancy reduction", ICML 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.manifold import TLDR
    >>> X = load_digits().data / 16
    >>> tldr = TLDR(n_components=8, projector_dims=(64,), max_epochs=2, random_state=0)
    >>> tldr.fit_transform(X).shape
    (1797, 8)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "cosine", "inner_product"})],
        "neighbors_algorithm": [StrOptions(set(ALGORITHMS))],
        "input_pca_components": [Interval(Integral, 1, None, closed="left"),
                           Interval(RealNotInt, 0, 1, closed="neither"), None],
        "encoder": [StrOptions({"auto", "linear", "mlp"})],
        "hidden_dims": ["array-like"],
        "projector_dims": ["array-like"],
        "redundancy_weight": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }
    # Barlow Twins' cross-correlation is a batch statistic: train on full batches only
    _drop_partial_batch = True

    def __init__(
        self,
        n_components=32,
        *,
        n_neighbors=5,
        metric="euclidean",
        neighbors_algorithm="auto",
        input_pca_components=None,
        encoder="auto",
        hidden_dims=(512,),
        projector_dims=(512, 512),
        redundancy_weight=3.9e-3,
        max_epochs="auto",
        batch_size=1024,
        lr=1e-3,
        optimizer="adamw",
        weight_decay=1e-6,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.neighbors_algorithm = neighbors_algorithm
        self.input_pca_components = input_pca_components
        self.encoder = encoder
        self.hidden_dims = hidden_dims
        self.projector_dims = projector_dims
        self.redundancy_weight = redundancy_weight
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
        """``max_epochs``, or the epochs of about 1,000 steps (20 to 100) for "auto"."""
        if self.max_epochs != "auto":
            return int(self.max_epochs)
        steps_per_epoch = max(1, n_samples // int(self.batch_size))
        return min(100, max(20, math.ceil(1000 / steps_per_epoch)))

    def _project(self, X):
        return X if self.pca_ is None else self.pca_.transform(X)

    def _neighbors(self, X):
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"TLDR needs at least 2 samples to mine neighbors, got {n} sample.")
        return mine_neighbors(X, check_n_neighbors(self, self.n_neighbors, n - 1), metric=self.metric,
                              algorithm=self.neighbors_algorithm, random_state=self.random_state)

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        if not check_hidden_dims(self.projector_dims):
            raise ValueError("projector_dims must have at least one layer.")
        self.encoder_scores_ = None
        if self.encoder != "auto":
            return self._fit_encoder(X, self.encoder, self.input_pca_components)
        candidates = {"linear": self.input_pca_components, "mlp": self.input_pca_components}
        n_held = min(X.shape[0] // 5, _MAX_HELD_OUT)
        if n_held < _MIN_HELD_OUT:
            return self._fit_encoder(X, "linear", candidates["linear"])
        held, train = np.split(check_random_state(self._seed()).permutation(X.shape[0]), [n_held])
        if self.input_pca_components is None:
            candidates["mlp"] = min(max(_MLP_PCA_COMPONENTS, self.n_components), X.shape[1], len(train))
        # each held-out row with its nearest training row, found in the input space for both candidates
        first = kneighbors(X[train], n_neighbors=1, metric=self.metric, query=X[held])[1][:, 0]
        scores = {}
        for encoder, n_pca in candidates.items():
            candidate = clone(self).set_params(encoder=encoder, input_pca_components=n_pca).fit(X[train])
            scores[encoder] = -candidate._pair_loss(X[held], X[train][first])
        best = "mlp" if scores["mlp"] > scores["linear"] else "linear"
        self._fit_encoder(X, best, candidates[best])
        self.encoder_scores_ = scores
        return self

    def _fit_encoder(self, X, encoder, input_pca_components):
        """Fit one encoder (``"linear"`` or ``"mlp"``) on validated X, after the given PCA projection."""
        projector = check_hidden_dims(self.projector_dims)
        hidden = check_hidden_dims(self.hidden_dims) if encoder == "mlp" else ()
        self.encoder_ = encoder
        self.pca_ = None
        if input_pca_components is not None:
            self.pca_ = PCA(input_pca_components, random_state=self.random_state).fit(X)
        Xp = self._project(X)
        nbrs = torch.from_numpy(self._neighbors(Xp))
        net = self._build_net(
            module=TwinEncoder,
            module_kwargs=dict(
                n_features=Xp.shape[1],
                n_components=self.n_components,
                hidden_dims=hidden,
                projector_dims=projector,
            ),
            criterion=BarlowTwinsLoss,
            criterion_kwargs=dict(redundancy_weight=self.redundancy_weight),
            iterator=NeighborPairIterator,
            max_epochs=self._n_epochs(X.shape[0]),
        )
        self._train(net, Xp, nbrs)
        if encoder == "linear":
            lin = self.net_.module_.encoder[0]
            W = lin.weight.detach().cpu().numpy().astype(np.float64)
            b = lin.bias.detach().cpu().numpy().astype(np.float64)
            if self.pca_ is not None:  # W (V (x - mean)) + b = (W V) x + (b - W V mean)
                V = self.pca_.components_.astype(np.float64)
                W, b = W @ V, b - W @ V @ self.pca_.mean_.astype(np.float64)
            self.components_, self.bias_ = W, b
        self._n_features_out = self.n_components
        return self

    def transform(self, X):
        """Project rows with the trained encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
        """
        X = self._validate_predict_data(X)
        if self.encoder_ == "linear":
            W = self.components_.astype(X.dtype, copy=False)
            return X @ W.T + self.bias_.astype(X.dtype, copy=False)
        return self._forward(lambda m, xb: m.encode(xb), self._project(X)).astype(X.dtype, copy=False)

    def score(self, X, y=None):
        """Minus the Barlow Twins loss of X's rows paired with their nearest neighbour in X.

        Higher is better; lets ``GridSearchCV`` tune TLDR without labels. The
        projector's batch normalisation uses the statistics of X itself.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows (at least ``n_neighbors + 1``).
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        X = self._validate_predict_data(X)
        first = self._neighbors(self._project(X))[:, 0]
        return -self._pair_loss(X, X[first])

    def _pair_loss(self, A, B):
        """Barlow Twins loss of the row pairs (A[i], B[i]) (rows of the input space)."""
        # a copy in train mode: BatchNorm uses the rows' own statistics and the fitted
        # model's running statistics are left untouched
        module = copy.deepcopy(self.net_.module_).train()
        with torch.no_grad():
            za, zb = module(tuple(as_float32_tensor(self._project(R)).to(self.device_) for R in (A, B)))
            return float(barlow_twins_loss(za, zb, self.redundancy_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
