"""Self-supervised encoder for tables and embeddings (Barlow Twins, VICReg, SimCLR)."""

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._nn import AugmentedTwin, TwinLoss
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
    loss : {"barlow_twins", "vicreg", "simclr"}, default="barlow_twins"
        Self-supervised objective.
    augment : {"scarf", "gaussian", "mask"}, default="scarf"
        View generator.
    corruption_rate : float in (0, 1), default=0.6
        Share of features corrupted (``"scarf"``, ``"mask"``).
    noise_scale : float, default=0.1
        Standard deviation of ``"gaussian"`` noise (for standardised inputs).
    hidden_dims : sequence of int, default=(256,)
        Encoder hidden widths (BatchNorm, ReLU).
    projector_dims : sequence of int, default=(256, 256)
        Projector widths.
    temperature : float, default=0.5
        SimCLR's temperature.
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
        The fitted skorch net.
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
        "loss": [StrOptions({"barlow_twins", "vicreg", "simclr"})],
        "augment": [StrOptions({"scarf", "gaussian", "mask"})],
        "corruption_rate": [Interval(Real, 0, 1, closed="neither")],
        "noise_scale": [Interval(Real, 0, None, closed="neither")],
        "hidden_dims": ["array-like"],
        "projector_dims": ["array-like"],
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

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
        temperature=0.5,
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
        self.temperature = temperature
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
        projector = check_hidden_dims(self.projector_dims)
        if not projector:
            raise ValueError("projector_dims must have at least one layer.")
        net = self._build_net(
            module=AugmentedTwin,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_components=self.n_components,
                hidden_dims=check_hidden_dims(self.hidden_dims),
                projector_dims=projector,
                augment=self.augment,
                rate=self.corruption_rate,
                scale=self.noise_scale,
            ),
            criterion=TwinLoss,
            criterion_kwargs=dict(loss=self.loss, temperature=self.temperature),
        )
        self._train(net, X, epochs=1 if first_block else None)
        self._n_features_out = self.n_components
        return self

    def _check_training_rows(self, X):
        if X.shape[0] < 2:
            raise ValueError(
                f"ContrastiveEncoder needs at least 2 samples per block (its losses use batch statistics), "
                f"got n_samples={X.shape[0]}."
            )

    def transform(self, X):
        """Encode rows.

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
