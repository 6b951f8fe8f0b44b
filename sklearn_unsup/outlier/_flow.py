"""Outliers as rows of low density under a Real NVP flow."""

from .._torch import BaseTorchEstimator
from ..density import RealNVP
from ..utils._sklearn_compat import Integral, Interval, StrOptions
from ._base import ModelOutlierDetector

__all__ = ["FlowOutlierDetector"]


class FlowOutlierDetector(ModelOutlierDetector):
    """Normalizing-flow outlier detector: normality = exact log-density of each row.

    Standardises the features, fits a :class:`~sklearn_unsup.density.RealNVP`
    (with early stopping on a validation split) and scores rows by their
    log-density. Higher ``score_samples`` = more normal; ``predict`` returns
    +1/-1.

    Wide data (fewer training rows than features, e.g. a few hundred
    embedding vectors of 512 dimensions) first go onto their leading principal
    axes (``input_pca_components``): there the rows span a thin subspace, the flow's
    density is ill-posed off it, and it fits the noise directions instead.

    Parameters
    ----------
    n_coupling_layers : int, default=6
        Coupling layers.
    hidden_dims : sequence of int, default=(64, 64)
        Hidden widths of each coupling network.
    n_base_components : int or "auto", default=1
        Base distribution (see :class:`~sklearn_unsup.density.RealNVP`).
    input_pca_components : "auto", int or None, default="auto"
        Project the centred rows onto this many principal axes before the
        flow (the components are then standardised when ``standardize``).
        ``"auto"``: ``n_samples // 5`` axes when there are fewer rows than
        features, else no projection, so tables with enough rows are left as
        they are. None: never project. The projection uses the features as
        given (embedding coordinates are commensurate); put a scaler in
        front for wide tables of mixed units. It raised the AUROC on the
        embedded sets of the novelty benchmark (``benchmarks/results/anomaly.md``).
        With ``partial_fit`` the projection is fitted on the first block.
    standardize : bool, default=True
        Standardise features (the principal components when projecting)
        before training.
    max_epochs : int, default=50
        Passes over the training data. At most: early stopping may end sooner;
        100 epochs scored no better than 50 on the anomaly benchmark.
    batch_size : int, default=256
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
    model_ : RealNVP
        The fitted flow.
    pca_ : sklearn.decomposition.PCA or None
        The fitted projection (None when the rows were not projected).
    scaler_ : sklearn.preprocessing.StandardScaler or None
        The fitted scaler.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.outlier.VAEOutlierDetector : Bound instead of exact likelihood.

    References
    ----------
    .. [1] L. Dinh, J. Sohl-Dickstein and S. Bengio, "Density estimation using Real
       NVP", ICLR 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import FlowOutlierDetector
    >>> X = np.r_[np.random.RandomState(0).normal(size=(200, 4)), [[8.0, -8, 8, -8]]]
    >>> det = FlowOutlierDetector(max_epochs=5, random_state=0).fit(X)
    >>> int(det.predict(X[-1:])[0])
    -1
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_coupling_layers": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "n_base_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "standardize": ["boolean"],
        **ModelOutlierDetector._parameter_constraints,
    }

    def __init__(self, *, n_coupling_layers=6, hidden_dims=(64, 64), n_base_components=1, input_pca_components="auto",
                 standardize=True, max_epochs=50, batch_size=256, lr=1e-3, optimizer="adam", weight_decay=1e-5,
                 callbacks=None, device="auto", random_state=None, verbose=0, contamination="auto"):
        self.n_coupling_layers = n_coupling_layers
        self.hidden_dims = hidden_dims
        self.n_base_components = n_base_components
        self.input_pca_components = input_pca_components
        self.standardize = standardize
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

    def _make_model(self, n_features):
        return RealNVP(self.n_coupling_layers, hidden_dims=self.hidden_dims,
                       n_base_components=self.n_base_components, defensive_weight=0.0, validation_trim=0.0,
                       **self._torch_params())

    def _normality(self, model, X):
        return model.score_samples(X)
