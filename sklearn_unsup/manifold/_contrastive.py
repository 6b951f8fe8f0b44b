"""Self-supervised encoder for tables and embeddings (Barlow Twins, VICReg, SimCLR, MoCo v2, NPID)."""

import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._nn import AugmentedTwin, TwinLoss
from .._nn._instance import MoCoLoss, MomentumTwin, NPIDLoss, SingleViewTwin
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_hidden_dims

__all__ = ["ContrastiveEncoder"]


class ContrastiveEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, TorchPartialFitMixin, BaseTorchEstimator):
    """Self-supervised MLP encoder trained on two augmented views of each row.

    The image recipes of SimCLR, Barlow Twins and VICReg, adapted to tables:
    instead of crops and colour jitter, each view corrupts the row —
    ``"scarf"`` replaces a random ``corruption_rate`` of its features by the
    same features of other rows (draws from their marginals, as in SCARF),
    ``"gaussian"`` adds noise, ``"mask"`` zeroes features. The encoder and a
    projector are trained so that the two views agree (``loss``); the encoder's
    output is the representation. The augmentations live in
    :mod:`sklearn_unsup._nn` for reuse by the deep clusterers.

    Parameters
    ----------
    n_components : int, default=16
        Output dimension.
    loss : {"barlow_twins", "vicreg", "simclr", "moco", "npid"}, default="barlow_twins"
        Self-supervised objective. ``"barlow_twins"``, ``"vicreg"`` and
        ``"simclr"`` compare the two views of the rows of a batch. ``"moco"``
        (MoCo v2 [3]_) compares each query with its key from a momentum copy of
        the encoder and projector and with a queue of keys of past batches, so
        its negatives do not depend on the batch size. ``"npid"`` [4]_ draws
        one view per row and discriminates every training row from all others
        through a memory bank of one L2-normalised projection per row; the
        bank is sized by the rows of ``fit``, so ``partial_fit`` raises a
        ``ValueError`` with this loss. With ``"moco"``, ``partial_fit`` keeps
        the key encoder and the queue (sized by the first block) between calls.
    augment : {"scarf", "gaussian", "mask"}, default="scarf"
        View generator.
    corruption_rate : float in (0, 1), default=0.6
        Share of features corrupted (``"scarf"``, ``"mask"``).
    noise_scale : float, default=0.1
        Standard deviation of ``"gaussian"`` noise (for standardised inputs).
    hidden_dims : sequence of int, default=(256,)
        Encoder hidden widths (BatchNorm, ReLU).
    projector_dims : sequence of int, default=(256, 256)
        Projector widths (each hidden layer Linear, BatchNorm, ReLU; the last
        Linear, then BatchNorm without affine). SimCLRv2 [5]_ uses three layers.
    transform_layer : {0, 1}, default=0
        The representation ``transform`` returns: 0 the encoder's output
        (``n_components`` columns); 1 the output of the first projector layer
        after its ReLU (``projector_dims[0]`` columns; needs at least two
        projector layers), where SimCLRv2 starts fine-tuning from.
    temperature : float or None, default=None
        Softmax temperature of ``"simclr"``, ``"moco"`` and ``"npid"``; None is
        each paper's: 0.5 (SimCLR), 0.2 (MoCo v2), 0.07 (NPID).
    queue_size : int, default=4096
        ``"moco"`` only (ignored otherwise): the most keys in the queue. The
        queue holds ``min(queue_size, max(n_samples - b, b), n_samples - 1)``
        keys, with ``b = min(batch_size, n_samples)``: fewer keys than rows
        and at least one batch when the data hold two. Each key remembers its
        row, and a row's own earlier key is left out of its negatives (on a
        table the queue holds most rows, where MoCo's holds a few percent of
        ImageNet). 4096 is where MoCo's CIFAR-10 demo saw the gain saturate.
        ``partial_fit`` sizes the queue from the first block and does not
        match rows across blocks.
    momentum : float in [0, 1), default=0.99
        ``"moco"`` only (ignored otherwise): the key encoder's moving average,
        ``theta_k <- momentum theta_k + (1 - momentum) theta_q`` each step
        (0.99 as MoCo's CIFAR-10 demo; 0.999 on ImageNet).
    symmetric : bool, default=False
        ``"moco"`` only (ignored otherwise): also use the second view as the
        query and the first as the key, and sum the two losses (MoCo's demo
        option; about twice the compute per step).
    memory_momentum : float in [0, 1), default=0.5
        ``"npid"`` only (ignored otherwise): a row's bank entry becomes
        ``normalize(memory_momentum v + (1 - memory_momentum) f)`` after each step.
    n_negatives : int, "auto" or None, default="auto"
        ``"npid"`` only (ignored otherwise): None computes the softmax over the
        whole bank (exact; its cost per step is batch x n_samples x dim); an int
        K uses noise-contrastive estimation with K noise rows per step, drawn
        uniformly and shared by the rows of the batch (a K of n_samples - 1 or
        more is the exact softmax); ``"auto"`` is exact up to 20,000 rows and
        K = 4096 above, as the paper.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=256
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adamw"
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
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net. With ``"moco"`` its module holds the key
        encoder and the queue; with ``"npid"`` its criterion holds the memory
        bank (``net_.criterion_.memory``, n_samples x dim).
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.manifold.TLDR : Pairs rows with their neighbours instead of augmentations.

    References
    ----------
    .. [1] D. Bahri, H. Jiang, Y. Tay and D. Metzler, "SCARF: self-supervised
       contrastive learning using random feature corruption", ICLR 2022.
    .. [2] J. Zbontar et al., "Barlow Twins", ICML 2021; A. Bardes, J. Ponce and
       Y. LeCun, "VICReg", ICLR 2022; T. Chen et al., "A simple framework for
       contrastive learning of visual representations" (SimCLR), ICML 2020.
    .. [3] K. He, H. Fan, Y. Wu, S. Xie and R. Girshick, "Momentum contrast for
       unsupervised visual representation learning", CVPR 2020; X. Chen,
       H. Fan, R. Girshick and K. He, "Improved baselines with momentum
       contrastive learning" (MoCo v2), arXiv:2003.04297, 2020.
    .. [4] Z. Wu, Y. Xiong, S. X. Yu and D. Lin, "Unsupervised feature learning
       via non-parametric instance discrimination", CVPR 2018.
    .. [5] T. Chen, S. Kornblith, K. Swersky, M. Norouzi and G. Hinton, "Big
       self-supervised models are strong semi-supervised learners" (SimCLRv2),
       NeurIPS 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.manifold import ContrastiveEncoder
    >>> X = load_digits().data / 16
    >>> enc = ContrastiveEncoder(n_components=4, hidden_dims=(32,), projector_dims=(32,), max_epochs=2,
    ...                          random_state=0)
    >>> enc.fit_transform(X).shape
    (1797, 4)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"barlow_twins", "vicreg", "simclr", "moco", "npid"})],
        "augment": [StrOptions({"scarf", "gaussian", "mask"})],
        "corruption_rate": [Interval(Real, 0, 1, closed="neither")],
        "noise_scale": [Interval(Real, 0, None, closed="neither")],
        "hidden_dims": ["array-like"],
        "projector_dims": ["array-like"],
        "transform_layer": [Interval(Integral, 0, 1, closed="both")],
        "temperature": [Interval(Real, 0, None, closed="neither"), None],
        "queue_size": [Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "symmetric": ["boolean"],
        "memory_momentum": [Interval(Real, 0, 1, closed="left")],
        "n_negatives": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
    }

    _default_temperature = {"barlow_twins": 0.5, "vicreg": 0.5, "simclr": 0.5, "moco": 0.2, "npid": 0.07}

    def __init__(
        self,
        n_components=16,
        *,
        loss="barlow_twins",
        augment="scarf",
        corruption_rate=0.6,
        noise_scale=0.1,
        hidden_dims=(256,),
        projector_dims=(256, 256),
        transform_layer=0,
        temperature=None,
        queue_size=4096,
        momentum=0.99,
        symmetric=False,
        memory_momentum=0.5,
        n_negatives="auto",
        max_epochs=100,
        batch_size=256,
        lr=1e-3,
        optimizer="adamw",
        weight_decay=1e-5,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.loss = loss
        self.augment = augment
        self.corruption_rate = corruption_rate
        self.noise_scale = noise_scale
        self.hidden_dims = hidden_dims
        self.projector_dims = projector_dims
        self.transform_layer = transform_layer
        self.temperature = temperature
        self.queue_size = queue_size
        self.momentum = momentum
        self.symmetric = symmetric
        self.memory_momentum = memory_momentum
        self.n_negatives = n_negatives
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
        X = self._validate_fit_data(X, ensure_min_samples=2)
        if first_block:
            self._check_incremental()
        projector = check_hidden_dims(self.projector_dims)
        if not projector:
            raise ValueError("projector_dims must have at least one layer.")
        if self.transform_layer == 1 and len(projector) < 2:
            raise ValueError("transform_layer=1 needs at least two projector layers (projector_dims), got "
                             f"{len(projector)}.")
        n = X.shape[0]
        temperature = self._default_temperature[self.loss] if self.temperature is None else self.temperature
        module, criterion, extra, rows = AugmentedTwin, TwinLoss, {}, None
        criterion_kwargs = dict(loss=self.loss, temperature=temperature)
        if self.loss == "moco":
            b = min(int(self.batch_size), n)
            queue = min(int(self.queue_size), max(n - b, b), n - 1)
            module, criterion = MomentumTwin, MoCoLoss
            extra = dict(momentum=self.momentum, symmetric=bool(self.symmetric))
            criterion_kwargs = dict(queue_size=queue, dim=projector[-1], temperature=temperature)
            rows = torch.arange(n)  # the queue records each key's row, to leave a row's own key out
        elif self.loss == "npid":
            module, criterion = SingleViewTwin, NPIDLoss
            k = self.n_negatives
            if isinstance(k, str):  # "auto"
                k = None if n <= 20_000 else 4096
            criterion_kwargs = dict(n_samples=n, dim=projector[-1], temperature=temperature,
                                    memory_momentum=self.memory_momentum,
                                    n_negatives=0 if k is None or k >= n - 1 else k)
            rows = torch.arange(n)  # the batches carry their row indices to the memory bank
        net = self._build_net(
            module=module,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_components=self.n_components,
                hidden_dims=check_hidden_dims(self.hidden_dims),
                projector_dims=projector,
                augment=self.augment,
                rate=self.corruption_rate,
                scale=self.noise_scale,
                **extra,
            ),
            criterion=criterion,
            criterion_kwargs=criterion_kwargs,
        )
        self._train(net, X, rows, epochs=1 if first_block else None)
        self._n_features_out = projector[0] if self.transform_layer == 1 else self.n_components
        return self

    def _check_incremental(self):
        if self.loss == "npid" or isinstance(getattr(getattr(self, "net_", None), "criterion_", None), NPIDLoss):
            raise ValueError(
                "ContrastiveEncoder(loss='npid') keeps one memory-bank entry per training row, so it cannot "
                "train on blocks of other rows: use fit, or another loss for partial_fit."
            )

    def _check_training_rows(self, X):
        self._check_incremental()
        if X.shape[0] < 2:
            raise ValueError(
                f"ContrastiveEncoder needs at least 2 samples per block (its losses use batch statistics), "
                f"got n_samples={X.shape[0]}."
            )

    def _continue_training(self, X):
        rows = None
        if isinstance(self.net_.criterion_, MoCoLoss):  # ids never used before: no block row is masked
            rows = torch.full((X.shape[0],), -1, dtype=torch.long)
        self._continue_net(X, rows)

    def transform(self, X):
        """Encode rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components) or (n_samples, projector_dims[0])
            The encoder's output, or the first projector layer's with ``transform_layer=1``.
        """
        X = self._validate_predict_data(X)
        layer = int(self.transform_layer)
        return self._forward(lambda m, xb: m.encode(xb, layer), X).astype(X.dtype, copy=False)

    def score(self, X, y=None):
        """Minus the mean training loss of the last epoch (higher is better).

        The loss on new rows depends on random views and batch statistics, so
        the training loss is what is comparable across settings of one data set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Ignored beyond validation.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        self._validate_predict_data(X)
        return -float(self.loss_curve_[-1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
