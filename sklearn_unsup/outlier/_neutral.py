"""NeuTraL AD: novelty detection on tables by learned transformations and a deterministic contrastive loss."""

from .._nn import MeanLoss, NeuTraLNet
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..base import OutlierDetectorMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_hidden_dims
from ._preprocessing import BoundedInputMixin

__all__ = ["NeuralTransformationDetector"]

ENCODER_LAYERS = 4  # hidden layers of the encoder in every tabular configuration of the authors (5 linear maps)


def auto_widths(n_features):
    """The authors' tabular widths for ``n_features``: (encoder hidden width, embedding size)."""
    if n_features < 32:
        return 2 * n_features, 2 * n_features
    if n_features <= 300:
        return 64, 32
    return 256, 64


class NeuralTransformationDetector(BoundedInputMixin, OutlierDetectorMixin, TorchPartialFitMixin,
                                   BaseTorchEstimator):
    """Neural transformation learning (NeuTraL AD) novelty detector for tables.

    ``n_transformations`` small networks ``T_k`` turn each (scaled) row
    into as many views; one encoder maps the row and its views to unit
    vectors. They are trained together with a deterministic contrastive
    loss: each view's embedding must be closer (cosine similarity over
    ``temperature``) to the original row's than to the other views'. The
    transformations thus learn to change a row in distinct ways that keep
    what the encoder recognises of it, on the training rows. On a row unlike
    them the views lose either their link to the row or their differences;
    the anomaly score is the row's loss summed over the views, and
    ``score_samples`` is minus that loss.

    The transformations are residual, ``T_k(x) = x + M_k(x)`` with ``M_k`` a
    bias-free MLP with one hidden layer: the authors' configurations for
    their tabular sets of continuous features (thyroid, arrhythmia) and
    DeepOD's default use them. ``transformation="multiplicative"`` (a learned
    soft mask, ``sigmoid(M_k(x)) * x``) is the authors' choice for KDD's
    one-hot features; a mask cannot move a feature away from zero, which
    standardised continuous features cross all the time.

    Both networks use leaky ReLU where the authors use ReLU: bias-free
    ReLU layers a few units wide (the authors' ``2 d`` for ``d`` features)
    can map every row of a small table to zero, which leaves all views alike
    and the gradients at zero.

    A novelty detector: train it on clean rows (the normal class only) and
    score new rows. A row's score depends on that row alone.

    Rows far outside the training range: the networks have no bias terms
    and the embeddings are unit vectors, so the loss does not change when a
    row is multiplied by a positive factor. The networks therefore see each
    scaled row clipped to the training rows' range (``input_range_``), and
    the row's total excess over that range (summed over the features, in
    scaled units) is subtracted from its score.

    Parameters
    ----------
    n_transformations : int, default=11
        Number of learned transformations ``K`` (the authors' value).
    transformation : {"residual", "multiplicative"}, default="residual"
        ``x + M_k(x)`` or ``sigmoid(M_k(x)) * x`` (see above).
    transformation_hidden_dims : "auto" or sequence of int, default="auto"
        Hidden widths of each transformation network; ``"auto"`` is one
        hidden layer as wide as the rows the network sees (the authors' rule).
    hidden_dims : "auto" or sequence of int, default="auto"
        Hidden widths of the encoder; ``"auto"`` is the authors' rule: four
        layers of ``2 d`` units for ``d < 32`` features, of 64 up to 300
        features, else of 256.
    n_components : "auto" or int, default="auto"
        Size of the embeddings compared by the loss; ``"auto"``: ``2 d`` for
        ``d < 32``, 32 up to 300 features, else 64 (the authors' rule).
    temperature : float, default=0.1
        Temperature of the contrastive loss (the authors' value).
    input_pca_components : "auto", int or None, default="auto"
        Project wide data onto their leading principal axes first: ``"auto"``
        takes ``n_samples // 5`` axes when there are fewer rows than features
        (e.g. a few hundred embedding vectors), else none; an int sets the
        number of axes; None never projects.
    scaling : {"minmax", "standard"} or None, default="minmax"
        Feature scaling before the networks, fitted on the training rows:
        ``"minmax"`` maps each feature's training range onto [0, 1] (as the
        authors' thyroid data come; far better than standardising on the
        novelty benchmark, see docs/benchmarks.rst), ``"standard"`` z-scores
        each feature (the authors' preprocessing of KDD's continuous
        features), None leaves the features as they are. Rows to score are clipped to the scaled training range,
        and what lies outside it counts against the row (see
        ``input_range_``).
    max_epochs : int, default=20
        Passes over the training data. The authors run 200 on a GPU; 20 keep
        training cheap on a CPU.
    batch_size : int, default=128
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : str or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=1e-5
        L2 penalty passed to the optimizer.
    callbacks : list or None, default=None
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
    contamination : {"auto", "zscore", "clf", "mixmod", "filter"} or float in (0, 0.5], \
            default="auto"
        Sets ``offset_`` from the training scores: a float flags that share of
        the training rows; "auto" flags rows below Tukey's lower fence, "zscore"
        rows more than one standard deviation below the mean score, "clf"
        follows PyThresh's pre-fitted rule on the normalised scores, "mixmod"
        cuts where two-component mixtures fitted to the scores cross, "filter"
        at the peak of the smoothed scores (see the outlier user guide).

    Attributes
    ----------
    hidden_dims_ : tuple of int
        Hidden widths of the encoder.
    n_components_ : int
        Size of the embeddings.
    transformation_hidden_dims_ : tuple of int
        Hidden widths of each transformation network.
    pca_ : sklearn.decomposition.PCA or None
        The fitted projection (None when the rows were not projected).
    scaler_ : sklearn.preprocessing.MinMaxScaler, StandardScaler or None
        The fitted scaler.
    input_range_ : ndarray of shape (2, n_network_features)
        Per-feature minimum (first row) and maximum (second row) of the
        scaled training rows of the first fit; rows are clipped to it
        before the networks and their excess over it lowers their score.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean contrastive loss per view and epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.outlier.InternalContrastiveDetector : Contrastive learning between feature windows.
    sklearn_unsup.ood.KNNDetector : Distance to the training rows.

    References
    ----------
    .. [1] C. Qiu, T. Pfrommer, M. Kloft, S. Mandt and M. Rudolph, "Neural
       transformation learning for deep anomaly detection beyond images",
       ICML 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import NeuralTransformationDetector
    >>> rng = np.random.RandomState(0)
    >>> t = rng.normal(size=(300, 1))
    >>> X = np.c_[t, 2 * t, -t, t ** 2] + 0.1 * rng.normal(size=(300, 4))  # related features
    >>> det = NeuralTransformationDetector(max_epochs=10, random_state=0).fit(X)
    >>> s = det.score_samples([[0.5, 1.0, -0.5, 0.25], [0.5, -1.0, 0.5, 0.25]])
    >>> bool(s[0] > s[1])  # the second row breaks the relations
    True
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        **BoundedInputMixin._projection_constraints,
        "n_transformations": [Interval(Integral, 2, None, closed="left")],
        "transformation": [StrOptions({"residual", "multiplicative"})],
        "transformation_hidden_dims": ["array-like", StrOptions({"auto"})],
        "hidden_dims": ["array-like", StrOptions({"auto"})],
        "n_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        **BoundedInputMixin._scaling_constraints,
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, *, n_transformations=11, transformation="residual", transformation_hidden_dims="auto",
                 hidden_dims="auto", n_components="auto", temperature=0.1, input_pca_components="auto",
                 scaling="minmax", max_epochs=20, batch_size=128, lr=1e-3, optimizer="adam", weight_decay=1e-5,
                 callbacks=None, device="auto", random_state=None, verbose=0, contamination="auto"):
        self.n_transformations = n_transformations
        self.transformation = transformation
        self.transformation_hidden_dims = transformation_hidden_dims
        self.hidden_dims = hidden_dims
        self.n_components = n_components
        self.temperature = temperature
        self.input_pca_components = input_pca_components
        self.scaling = scaling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.contamination = contamination

    def _resolve_widths(self, n_features):
        hidden, components = auto_widths(n_features)
        self.hidden_dims_ = ((hidden,) * ENCODER_LAYERS if isinstance(self.hidden_dims, str)
                             else check_hidden_dims(self.hidden_dims))
        self.n_components_ = components if self.n_components == "auto" else int(self.n_components)
        self.transformation_hidden_dims_ = ((n_features,) if isinstance(self.transformation_hidden_dims, str)
                                            else check_hidden_dims(self.transformation_hidden_dims,
                                                                                  "transformation_hidden_dims"))

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        Xs = self._fit_preprocessing(X)
        self._resolve_widths(Xs.shape[1])
        net = self._build_net(
            module=NeuTraLNet,
            module_kwargs=dict(n_features=Xs.shape[1], n_transformations=self.n_transformations,
                               transformation=self.transformation,
                               transformation_hidden_dims=self.transformation_hidden_dims_,
                               hidden_dims=self.hidden_dims_, n_components=self.n_components_,
                               temperature=self.temperature),
            criterion=MeanLoss,
        )
        self._train(net, Xs, epochs=1 if first_block else None)
        self._set_offset(self._scores(Xs))
        return self

    @staticmethod
    def _row_loss(module, xb):
        return module(xb).sum(-1)

    def score_samples(self, X):
        """Normality: minus the row's contrastive loss summed over its views, minus its out-of-range excess.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        X = self._validate_predict_data(X)
        return self._scores(self._preprocess(X))
