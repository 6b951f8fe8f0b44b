"""Non-linear invariants out-of-distribution scoring."""

import numpy as np

from .._kernels import knn_search
from .._nn import InvariantLoss, InvariantNet
from .._torch import BaseTorchEstimator
from ..base import OutlierDetectorMixin
from ..outlier._preprocessing import StandardizeMixin
from ..utils._sklearn_compat import Integral, Interval, Real
from ..utils._validation import check_hidden_dims, finite_scores

__all__ = ["InvariantsDetector"]


class InvariantsDetector(StandardizeMixin, OutlierDetectorMixin, BaseTorchEstimator):
    """Unsupervised OOD score from learned non-linear invariants of the training rows.

    An invariant is a function of the features that is (nearly) constant on
    the in-distribution data; a row that violates it comes from elsewhere.
    PCA's minor components are the affine invariants (Doorenbos et al. 2022);
    this detector learns non-linear ones with a volume-preserving network
    (Doorenbos et al. 2024): the standardised rows are rotated onto their
    principal axes, the minor directions that hold ``invariant_variance`` of
    the variance form the invariant block, and additive couplings
    (``main += f(inv)``, ``inv += g(main)``, ``n_coupling_layers`` times) are trained
    to drive the invariant outputs to zero while the rows stay reconstructable
    from the other outputs. Volume preservation rules out the trivial solution
    of shrinking everything.

    The score adds the paper's two terms, each scaled to average
    ``n_invariants`` on the training rows: ``sum_j z_j^2 / mean_train(z_j^2)``
    over the invariants, plus ``knn_weight`` times the sum of squared distances
    to the ``n_neighbors`` nearest training rows; ``score_samples`` is minus
    that (higher = more in-distribution).

    Parameters
    ----------
    invariant_variance : float in (0, 1), default=0.05
        Share of the variance held by the directions taken as invariants (the
        official code's 5%); at least one direction is always taken.
    n_coupling_layers : int, default=4
        Pairs of additive couplings (the official default, 4).
    hidden_dims : sequence of int, default=(128, 128)
        Hidden widths of each coupling's MLP.
    knn_weight : float, default=1.0
        Weight of the nearest-neighbour term (0 switches it off).
    n_neighbors : int, default=2
        Neighbours of the nearest-neighbour term (the official k = 2).
    standardize : bool, default=True
        Standardise the features first.
    max_epochs : int, default=10
        Passes over the training data.
    batch_size : int, default=64
        Rows per optimisation step. The official 64.
    lr : float, default=1e-4
        Learning rate.
    optimizer : str or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=0.0
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
    n_invariants_ : int
        Number of invariant outputs.
    invariant_scale_ : ndarray of shape (`n_invariants_`,)
        Mean squared invariant outputs on the training rows.
    knn_scale_ : float
        Mean nearest-neighbour term on the training rows (each row left out of its own neighbours).
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
        Training loss per epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    Notes
    -----
    Deviation from the official code, for speed on CPUs: its learned
    orthogonal layers (a matrix exponential per layer and step, O(d^3)) are
    replaced by one fixed rotation onto the principal axes, so training starts
    from the affine invariants (zero-initialised couplings) and learns the
    non-linear correction; its two optimizer steps per batch (invariance, then
    reconstruction) are one step on the summed loss.

    See Also
    --------
    ScoreMatchingDetector : The other unsupervised OOD detector.
    MahalanobisDetector : Gaussian (affine) scoring of all directions.

    References
    ----------
    .. [1] L. Doorenbos, R. Sznitman and P. Marquez-Neila, "Learning non-linear
       invariants for unsupervised out-of-distribution detection", ECCV 2024.
    .. [2] L. Doorenbos, R. Sznitman and P. Marquez-Neila, "Data invariants to
       understand unsupervised out-of-distribution detection", ECCV 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import InvariantsDetector
    >>> rng = np.random.RandomState(0)
    >>> t = rng.uniform(-2, 2, size=300)
    >>> X = np.c_[t, t ** 2 + 0.05 * rng.normal(size=300)]   # invariant: x2 - x1^2 = 0
    >>> detector = InvariantsDetector(max_epochs=30, hidden_dims=(32,), random_state=0).fit(X)
    >>> bool(detector.score_samples([[1.0, 3.0]])[0] < detector.score_samples([[1.0, 1.0]])[0])
    True
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "invariant_variance": [Interval(Real, 0, 1, closed="neither")],
        "n_coupling_layers": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "knn_weight": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, invariant_variance=0.05, *, n_coupling_layers=4, hidden_dims=(128, 128), knn_weight=1.0,
                 n_neighbors=2, standardize=True, max_epochs=10, batch_size=64, lr=1e-4, optimizer="adam",
                 weight_decay=0.0, callbacks=None, device="auto", random_state=None, verbose=0, contamination="auto"):
        self.invariant_variance = invariant_variance
        self.n_coupling_layers = n_coupling_layers
        self.hidden_dims = hidden_dims
        self.knn_weight = knn_weight
        self.n_neighbors = n_neighbors
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
        X = self._validate_fit_data(X, ensure_min_samples=2)
        n, d = X.shape
        if d < 2:
            raise ValueError(
                f"InvariantsDetector needs at least 2 features to split into main and invariant "
                f"coordinates; got n_features={d}."
            )
        if self.knn_weight > 0 and self.n_neighbors >= n:
            raise ValueError(f"n_neighbors={self.n_neighbors} must be < n_samples={n} (rows leave themselves out).")
        Xs = np.asarray(self._fit_preprocessing(X), dtype=np.float64)
        mean = Xs.mean(axis=0)
        eigval, eigvec = np.linalg.eigh(np.cov(Xs - mean, rowvar=False, bias=True).reshape(d, d))
        order = np.argsort(eigval)[::-1]
        eigval, rotation = np.maximum(eigval[order], 0.0), eigvec[:, order]
        total = eigval.sum()
        # Directions from the back whose cumulated share stays within invariant_variance; >= 1, <= d - 1.
        tail = np.cumsum(eigval[::-1]) / total if total > 0 else np.zeros(d)
        self.n_invariants_ = int(np.clip(np.sum(tail <= self.invariant_variance), 1, d - 1))
        net = self._build_net(
            module=InvariantNet,
            module_kwargs=dict(rotation=rotation, mean=mean, n_invariants=self.n_invariants_,
                               n_coupling_layers=self.n_coupling_layers,
                               hidden_dims=check_hidden_dims(self.hidden_dims)),
            criterion=InvariantLoss,
        )
        self._train(net, Xs)
        inv = self._invariants(Xs)
        self.invariant_scale_ = np.maximum(np.mean(inv**2, axis=0), np.finfo(np.float64).tiny)
        if self.knn_weight > 0:
            self._reference_rows = np.ascontiguousarray(Xs)
            # Scale from each row's neighbours without itself (as the paper); the threshold from the
            # training rows scored as any row is (a training row is its own first neighbour), so that
            # predict on the training rows flags the contamination share.
            leave_out = self._knn_term(None)
            self.knn_scale_ = float(max(leave_out.mean(), np.finfo(np.float64).tiny))
            train_scores = self._combine(inv, self._knn_term(Xs))
        else:
            self._reference_rows, self.knn_scale_ = None, None
            train_scores = self._combine(inv, None)
        self._set_offset(train_scores)
        return self

    def _invariants(self, Xs):
        return self._forward(lambda m, xb: m.invariants(xb), Xs).astype(np.float64)

    def _knn_term(self, Xs):
        """Sum of squared distances to the nearest training rows (None: the training rows, each left out)."""
        if Xs is None:
            dist, _ = knn_search(self._reference_rows, self.n_neighbors, exclude_self=True)
        else:
            query = np.ascontiguousarray(Xs, dtype=np.float64)
            dist, _ = knn_search(self._reference_rows, self.n_neighbors, query=query)
        return np.sum(dist**2, axis=1)

    def _combine(self, inv, knn):
        score = np.sum(inv**2 / self.invariant_scale_, axis=1)
        if knn is not None:
            score = score + self.knn_weight * self.n_invariants_ * knn / self.knn_scale_
        return -score

    def invariants(self, X):
        """The learned invariants of each row (near zero in-distribution).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        invariants : ndarray of shape (n_samples, `n_invariants_`)
        """
        X = self._validate_predict_data(X)
        return self._invariants(self._preprocess(X))

    def score_samples(self, X):
        """Minus the scaled invariant violation plus nearest-neighbour term (higher = more in-distribution).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        X = self._validate_predict_data(X)
        Xs = np.asarray(self._preprocess(X), dtype=np.float64)
        knn = self._knn_term(Xs) if self.knn_weight > 0 else None
        return finite_scores(self._combine(self._invariants(Xs), knn))
