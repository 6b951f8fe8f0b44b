"""Outliers as rows an autoencoder reconstructs badly."""

from .._nn import DenoisingReconstructionLoss, ShiftAugmentedAutoEncoder
from .._torch import BaseTorchEstimator
from ..decomposition import AutoEncoder
from ..utils._sklearn_compat import Integral, Interval, Real
from ._base import ModelOutlierDetector

__all__ = ["AutoEncoderOutlierDetector"]


class AutoEncoderOutlierDetector(ModelOutlierDetector):
    """Autoencoder outlier detector: normality = minus the reconstruction error.

    Standardises the features, trains an
    :class:`~sklearn_unsup.decomposition.AutoEncoder` on all rows (outliers
    included: the unsupervised setting) and scores each row by minus its mean
    squared reconstruction error. scikit-learn's conventions: higher
    ``score_samples`` = more normal, ``predict`` returns +1/-1.

    Parameters
    ----------
    n_components : int or None, default=32
        Code width; None uses ``max(1, min(8, n_features // 2))``. The default
        (a 64-32 encoder, as PyOD's) may be wider than the input: dropout, not
        the bottleneck, keeps it from learning the identity.
    hidden_dims : sequence of int, default=(64,)
        Encoder hidden widths.
    dropout : float in [0, 1), default=0.2
        Dropout after each hidden layer during training (it raised the mean
        AUROC of the anomaly benchmark).
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer (PyOD's default; it did
        not change the anomaly benchmark's mean AUROC).
    input_pca_components : "auto", int or None, default="auto"
        Project wide data onto their leading principal axes first: ``"auto"``
        takes ``n_samples // 5`` axes when there are fewer rows than features
        (e.g. a few hundred embedding vectors), else none; an int sets the
        number of axes; None never projects. The centred features go in as
        given (embedding coordinates are commensurate); scale wide tables of
        mixed units first. It raises the novelty AUROC on embedding vectors
        (``benchmarks/results/anomaly.md``).
    standardize : bool, default=True
        Standardise features before training (deep models need it).
    shift_augmentation : bool, default=False
        Also train on a synthetically shifted view of each batch and ask the
        decoder for the clean rows from it: a random monotone transform per
        feature (scale, offset, then a ``tanh`` bend), shared by the batch, on
        a random half of the standardised features (the tabular analogue of
        the augmentation-invariant training of [2]_). It makes the detector
        less sensitive to a covariate shift between training and scored rows;
        training takes about 1.5 times as long. On the novelty benchmark with
        synthetic shifts of the test rows it raised the mean AUROC under shift
        a little and left it unchanged without shift, while helping on some
        sets and hurting on others (``benchmarks/results/anomaly.md``,
        "Covariate shift"); a shift far beyond the training range still
        lowers the AUROC.
    max_epochs : int, default=20
        Passes over the training data. Short training: longer training also
        fits the outliers the unsupervised setting trains on, and scored lower
        on the anomaly benchmark in more time.
    batch_size : int, default=64
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
    model_ : AutoEncoder
        The fitted autoencoder.
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
    sklearn.ensemble.IsolationForest : Same conventions.

    References
    ----------
    .. [1] C. C. Aggarwal, "Outlier Analysis", Springer 2017, ch. 3 (replicator networks).
    .. [2] T. Cao, J. Zhu and G. Pang, "Anomaly Detection under Distribution Shift",
       ICCV 2023 (arXiv:2303.13845).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import AutoEncoderOutlierDetector
    >>> X = np.r_[np.random.RandomState(0).normal(size=(200, 4)), [[8.0, -8, 8, -8]]]
    >>> det = AutoEncoderOutlierDetector(max_epochs=5, random_state=0).fit(X)
    >>> int(det.predict(X[-1:])[0])
    -1
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_dims": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "standardize": ["boolean"],
        "shift_augmentation": ["boolean"],
        **ModelOutlierDetector._parameter_constraints,
    }

    def __init__(self, *, n_components=32, hidden_dims=(64,), dropout=0.2, batch_norm=False,
                 input_pca_components="auto", standardize=True, shift_augmentation=False, max_epochs=20, batch_size=64,
                 lr=1e-3, optimizer="adam",
                 weight_decay=1e-5, callbacks=None, device="auto", random_state=None, verbose=0, contamination="auto"):
        self.n_components = n_components
        self.hidden_dims = hidden_dims
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.input_pca_components = input_pca_components
        self.standardize = standardize
        self.shift_augmentation = shift_augmentation
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
        cls = _ShiftAugmentedAutoEncoder if self.shift_augmentation else AutoEncoder
        return cls(self._code_width(n_features), hidden_dims=self.hidden_dims, dropout=self.dropout,
                   batch_norm=self.batch_norm, **self._torch_params())

    def _normality(self, model, X):
        return -model.reconstruction_error(X)


class _ShiftAugmentedAutoEncoder(AutoEncoder):
    """AutoEncoder trained on each batch and on a shifted view of it, both reconstructing the clean rows."""

    _module_class = ShiftAugmentedAutoEncoder
    _criterion_class = DenoisingReconstructionLoss
