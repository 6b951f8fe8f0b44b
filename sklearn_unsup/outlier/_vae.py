"""Outliers as rows with a low VAE evidence lower bound."""

from .._torch import BaseTorchEstimator
from ..decomposition import VAE
from ..utils._sklearn_compat import Integral, Interval
from ._base import ModelOutlierDetector

__all__ = ["VAEOutlierDetector"]


class VAEOutlierDetector(ModelOutlierDetector):
    """VAE outlier detector: normality = the ELBO (or importance-weighted bound) of each row.

    Standardises the features, trains a Gaussian-likelihood
    :class:`~sklearn_unsup.decomposition.VAE` on all rows and scores rows by
    their bound on the log-likelihood: unlikely rows are outliers. Higher
    ``score_samples`` = more normal; ``predict`` returns +1/-1.

    Parameters
    ----------
    n_components : int or None, default=None
        Latent dimension; None uses ``max(1, min(8, n_features // 2))``.
    hidden_dims : sequence of int, default=(64, 32)
        Encoder hidden widths.
    n_importance_samples : int, default=10
        Samples of the importance-weighted bound (1 = ELBO).
    input_pca_components : "auto", int or None, default="auto"
        Project wide data onto their leading principal axes first: ``"auto"``
        takes ``n_samples // 5`` axes when there are fewer rows than features
        (e.g. a few hundred embedding vectors), else none; an int sets the
        number of axes; None never projects. The centred features go in as
        given (embedding coordinates are commensurate); scale wide tables of
        mixed units first. It raises the novelty AUROC on embedding vectors
        (``benchmarks/results/anomaly.md``).
    standardize : bool, default=True
        Standardise features before training.
    max_epochs : int, default=50
        Passes over the training data.
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
    model_ : VAE
        The fitted VAE.
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
    sklearn_unsup.outlier.FlowOutlierDetector : Exact likelihood instead of a bound.

    References
    ----------
    .. [1] J. An and S. Cho, "Variational autoencoder based anomaly detection using
       reconstruction probability", SNU Data Mining Center, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import VAEOutlierDetector
    >>> X = np.r_[np.random.RandomState(0).normal(size=(200, 4)), [[8.0, -8, 8, -8]]]
    >>> det = VAEOutlierDetector(max_epochs=5, random_state=0).fit(X)
    >>> int(det.predict(X[-1:])[0])
    -1
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_dims": ["array-like"],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        **ModelOutlierDetector._parameter_constraints,
    }

    def __init__(self, *, n_components=None, hidden_dims=(64, 32), n_importance_samples=10, input_pca_components="auto",
                 standardize=True, max_epochs=50, batch_size=64, lr=1e-3, optimizer="adam", weight_decay=1e-5,
                 callbacks=None, device="auto", random_state=None, verbose=0, contamination="auto"):
        self.n_components = n_components
        self.hidden_dims = hidden_dims
        self.n_importance_samples = n_importance_samples
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
        return VAE(self._code_width(n_features), hidden_dims=self.hidden_dims,
                   n_importance_samples=self.n_importance_samples,
                   **self._torch_params())

    def _normality(self, model, X):
        return model.score_samples(X)
