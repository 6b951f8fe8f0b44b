"""ICL: novelty detection on tables by internal contrastive learning between feature windows."""

import numpy as np

from .._nn import ICLNet, MeanLoss
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..base import OutlierDetectorMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import check_hidden_dims
from ._preprocessing import BoundedInputMixin

__all__ = ["InternalContrastiveDetector"]

MIN_FEATURES = 2


def auto_kernel_size(n_features):
    """The authors' window width for ``n_features`` (2 up to 40 features, 10 up to 160, then wide windows)."""
    if n_features <= 40:
        return 2
    if n_features <= 160:
        return 10
    if n_features <= 240:
        return n_features - 150
    if n_features <= 480:
        return n_features - 200
    return n_features - 400


class InternalContrastiveDetector(BoundedInputMixin, OutlierDetectorMixin, TorchPartialFitMixin,
                                  BaseTorchEstimator):
    """Internal contrastive learning (ICL) novelty detector for tables.

    Each (scaled) row is cut into windows of ``kernel_size``
    consecutive features; each window ``a_j`` is paired with its complement
    ``b_j`` (the other features). Two encoders, shared by all windows, map
    ``a_j`` and ``b_j`` to unit vectors and are trained with an InfoNCE loss
    inside each row: the complement ``b_j`` must pick out its own window
    ``a_j`` among the row's windows (temperature ``temperature``). The
    encoders thus learn which values of one group of features go with the
    values of the others on the training rows. A row whose features do not
    go together the way the training rows' do has a high loss; the
    normality score is minus the loss averaged over the windows.

    A novelty detector: train it on clean rows (the normal class only) and
    score new rows; with outliers among the training rows it learns their
    feature relations too. Negatives come from the row itself, so a row's
    score never depends on the other rows scored with it.

    Rows far outside the training range: the encoders have no bias terms
    and their outputs are unit vectors, so the loss barely changes when a
    row is multiplied by a large factor. The network therefore sees each
    scaled row clipped to the training rows' range (``input_range_``), and
    the row's total excess over that range (summed over the features, in
    scaled units: the training range for ``"minmax"``) is subtracted from
    its score. Rows inside the range are scored by the loss alone; a row
    a thousand times beyond it scores as abnormal whatever the loss says.

    Parameters
    ----------
    kernel_size : "auto" or int, default="auto"
        Features per window. ``"auto"`` is the authors' rule on the features
        the network sees: 2 up to 40 features, 10 up to 160, ``d - 150`` up
        to 240, ``d - 200`` up to 480, else ``d - 400``. An int must be below
        the number of features.
    max_windows : int or None, default=64
        Most windows per row: with more possible windows (``d - k + 1``),
        this many evenly spaced window starts are used, fixed at fit (the
        authors draw up to 1,000 negatives at random per batch; a fixed set
        keeps training cheap on two cores and scoring deterministic). Each
        window's negatives are the other windows of the row. None uses every
        window.
    n_components : int, default=128
        Dimension of the embeddings compared by the loss.
    hidden_dims : sequence of int, default=(100, 50)
        Hidden widths of the complement encoder; the window encoder's are
        half as wide (the authors' shapes).
    temperature : float, default=0.01
        Temperature of the InfoNCE loss (the authors' value).
    input_pca_components : "auto", int or None, default="auto"
        Project wide data onto their leading principal axes first: ``"auto"``
        takes ``n_samples // 5`` axes (at least 2) when there are fewer rows
        than features (e.g. a few hundred embedding vectors), else none; an
        int (at least 2) sets the number of axes; None never projects.
    scaling : {"minmax", "standard"} or None, default="minmax"
        Feature scaling before the network, fitted on the training rows:
        ``"minmax"`` maps each feature's training range onto [0, 1] (the
        authors' preprocessing, far better than standardising on the novelty
        benchmark, see docs/benchmarks.rst), ``"standard"`` z-scores, None
        leaves the features as they are. Rows to score are clipped to the
        scaled training range, and what lies outside it counts against the
        row (see ``input_range_``).
    max_epochs : int, default=20
        Passes over the training data. The authors run 100 on a GPU; 20 keep
        training cheap on a CPU (a few thousand rows of 30 features fit in
        seconds).
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
    kernel_size_ : int
        Features per window.
    window_starts_ : ndarray of shape (n_windows,)
        First feature (of the rows the network sees) of each window.
    pca_ : sklearn.decomposition.PCA or None
        The fitted projection (None when the rows were not projected).
    scaler_ : sklearn.preprocessing.MinMaxScaler, StandardScaler or None
        The fitted scaler.
    input_range_ : ndarray of shape (2, n_network_features)
        Per-feature minimum (first row) and maximum (second row) of the
        scaled training rows of the first fit; rows are clipped to it
        before the network and their excess over it lowers their score.
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
        Mean contrastive loss per epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.outlier.DeepSVDD : Another representation-based detector.
    sklearn_unsup.ood.KNNDetector : Distance to the training rows.

    References
    ----------
    .. [1] T. Shenkar and L. Wolf, "Anomaly detection for tabular data with
       internal contrastive learning", ICLR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import InternalContrastiveDetector
    >>> rng = np.random.RandomState(0)
    >>> t = rng.normal(size=(300, 1))
    >>> X = np.c_[t, 2 * t, -t, t ** 2] + 0.1 * rng.normal(size=(300, 4))  # related features
    >>> det = InternalContrastiveDetector(max_epochs=10, random_state=0).fit(X)
    >>> s = det.score_samples([[1.0, 2.0, -1.0, 1.0], [1.0, -2.0, 1.0, 1.0]])
    >>> bool(s[0] > s[1])  # the second row breaks the relations
    True
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        **BoundedInputMixin._projection_constraints,
        "kernel_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_windows": [Interval(Integral, 2, None, closed="left"), None],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        **BoundedInputMixin._scaling_constraints,
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, *, kernel_size="auto", max_windows=64, n_components=128, hidden_dims=(100, 50),
                 temperature=0.01, input_pca_components="auto", scaling="minmax", max_epochs=20, batch_size=64,
                 lr=1e-3, optimizer="adam", weight_decay=1e-5, callbacks=None, device="auto", random_state=None,
                 verbose=0, contamination="auto"):
        self.kernel_size = kernel_size
        self.max_windows = max_windows
        self.n_components = n_components
        self.hidden_dims = hidden_dims
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

    def _projection_width(self, n_samples, n_features):
        width = super()._projection_width(n_samples, n_features)
        if width is None or width >= MIN_FEATURES:
            return width
        if self.input_pca_components != "auto":
            raise ValueError(f"InternalContrastiveDetector needs at least {MIN_FEATURES} features; "
                             f"input_pca_components={self.input_pca_components} projects onto {width}.")
        # "auto" on very few rows: at least 2 axes, or no projection when the rows cannot give them
        return MIN_FEATURES if min(n_samples, n_features) > MIN_FEATURES else None

    def _windows(self, n_features):
        """(kernel_size, window starts) for rows of ``n_features`` features."""
        if n_features < MIN_FEATURES:
            raise ValueError(f"InternalContrastiveDetector needs at least {MIN_FEATURES} features (a window and its "
                             f"complement, and a second window as the negative); got {n_features} feature(s).")
        k = min(auto_kernel_size(n_features), n_features - 1) if self.kernel_size == "auto" else int(self.kernel_size)
        if k >= n_features:
            raise ValueError(f"kernel_size={k} leaves no complement: it must be below the number of features "
                             f"the network sees ({n_features}).")
        n_windows = n_features - k + 1
        if self.max_windows is not None and n_windows > self.max_windows:
            starts = np.unique(np.round(np.linspace(0, n_windows - 1, int(self.max_windows))).astype(np.int64))
        else:
            starts = np.arange(n_windows, dtype=np.int64)
        return k, starts

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        if X.shape[1] < MIN_FEATURES:
            self._windows(X.shape[1])  # the clear error, before any projection
        Xs = self._fit_preprocessing(X)
        self.kernel_size_, self.window_starts_ = self._windows(Xs.shape[1])
        net = self._build_net(
            module=ICLNet,
            module_kwargs=dict(n_features=Xs.shape[1], kernel_size=self.kernel_size_,
                               window_starts=[int(s) for s in self.window_starts_],
                               hidden_dims=check_hidden_dims(self.hidden_dims), n_components=self.n_components,
                               temperature=self.temperature),
            criterion=MeanLoss,
        )
        self._train(net, Xs, epochs=1 if first_block else None)
        self._set_offset(self._scores(Xs))
        return self

    @staticmethod
    def _row_loss(module, xb):
        return module(xb).mean(-1)

    def score_samples(self, X):
        """Normality: minus the row's contrastive loss averaged over its windows, minus its out-of-range excess.

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
