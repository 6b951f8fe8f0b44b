"""Deep SVDD: one-class hypersphere in a learned representation."""

import numpy as np

from .._nn import DeepSVDDNet, MeanLoss
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..base import OutlierDetectorMixin
from ..utils._sklearn_compat import Integral, Interval
from ..utils._validation import check_hidden_dims, finite_scores
from ._preprocessing import WideDataProjectionMixin

__all__ = ["DeepSVDD"]


class DeepSVDD(WideDataProjectionMixin, OutlierDetectorMixin, TorchPartialFitMixin, BaseTorchEstimator):
    """Deep Support Vector Data Description (one-class Deep SVDD).

    A network ``phi`` maps the (standardised) rows into ``n_components``
    dimensions and is trained to pull them towards a fixed centre ``c``:
    ``min mean |phi(x) - c|^2``. Rows far from the centre are outliers; the
    normality score is ``-|phi(x) - c|^2``. The paper's safeguards against the
    trivial solution (everything mapped onto ``c``) are kept: no bias terms in
    any layer, an unbounded activation (leaky ReLU), and a centre fixed before
    training as the initial network's mean output with coordinates near zero
    pushed to +-0.1.

    Parameters
    ----------
    n_components : int, default=32
        Dimension of the representation.
    hidden_dims : sequence of int, default=(64,)
        Hidden widths of the bias-free network. A 64-32 map (one hidden
        layer, a 32-d representation, as PyOD's ``hidden_neurons=[64, 32]``)
        scored above a deeper 64-32-16 map on the anomaly benchmark.
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
    max_epochs : int, default=10
        Passes over the training data. Short training: longer training also
        tightens the sphere around the outliers that the unsupervised setting
        trains on, and scored lower on the anomaly benchmark.
    batch_size : int, default=64
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate. The paper uses Adam with 1e-4 for more epochs.
    optimizer : str or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=1e-6
        L2 penalty passed to the optimizer. The paper's regulariser of the weights.
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
    center_ : ndarray of shape (n_components,)
        The hypersphere centre.
    pca_ : sklearn.decomposition.PCA or None
        The fitted projection (None when the rows were not projected).
    scaler_ : sklearn.preprocessing.StandardScaler or None
        The fitted scaler.
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
        Mean squared distance to the centre, per epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.svm.OneClassSVM : The kernel version.

    References
    ----------
    .. [1] L. Ruff, R. Vandermeulen, N. Goernitz, L. Deecke, S. A. Siddiqui,
       A. Binder, E. Mueller and M. Kloft, "Deep one-class classification",
       ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import DeepSVDD
    >>> X = np.r_[np.random.RandomState(0).normal(size=(200, 4)), [[8.0, -8, 8, -8]]]
    >>> det = DeepSVDD(max_epochs=5, random_state=0).fit(X)
    >>> int(det.predict(X[-1:])[0])
    -1
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        **WideDataProjectionMixin._projection_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "standardize": ["boolean"],
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, *, n_components=32, hidden_dims=(64,), input_pca_components="auto", standardize=True,
                 max_epochs=10, batch_size=64, lr=1e-3, optimizer="adam", weight_decay=1e-6, callbacks=None,
                 device="auto", random_state=None, verbose=0, contamination="auto"):
        self.n_components = n_components
        self.hidden_dims = hidden_dims
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

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        Xs = self._fit_preprocessing(X)

        def set_center(net, dataset):
            net.module_.set_center(dataset.X.to(net.device))

        net = self._build_net(
            module=DeepSVDDNet,
            module_kwargs=dict(n_features=Xs.shape[1], n_components=self.n_components,
                               hidden_dims=check_hidden_dims(self.hidden_dims)),
            criterion=MeanLoss,
        )
        self._train(net, Xs, epochs=1 if first_block else None, before_training=set_center)
        self.center_ = self.net_.module_.center.detach().cpu().numpy().astype(np.float64)
        self._set_offset(self._scores(Xs))
        return self

    def _training_rows(self, X):
        return self._preprocess(X)

    def _after_partial_fit(self, Xs):
        self._set_offset(self._scores(Xs))

    def _scores(self, Xs):
        return finite_scores(-self._forward(lambda m, xb: m(xb), Xs).astype(np.float64))

    def score_samples(self, X):
        """Normality: minus the squared distance to the centre in the learned space.

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
