"""QuickSelection: feature selection by the strength of input neurons in a sparse denoising autoencoder."""

import numpy as np
from scipy import sparse
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state

from .._kernels._sparse_layer import group_connections, grouped_spmm, sparse_weight_grad
from ..base import BaseEstimator
from ..exceptions import TrainingDivergedError
from ..utils._sklearn_compat import Integral, Interval, Real, _fit_context, validate_data
from ..utils._validation import check_float32_range
from ._base import N_FEATURES_TO_SELECT_CONSTRAINT, ScoreSelectorMixin

__all__ = ["QuickSelection"]


def _draw_free(rng, total, occupied, m):
    """``m`` distinct positions of ``range(total)``, none in the sorted array ``occupied``, in random order."""
    if m > (total - occupied.size) // 2:  # dense: draw from the complement
        free = np.setdiff1d(np.arange(total, dtype=np.int64), occupied, assume_unique=True)
        return rng.choice(free, m, replace=False)
    out = np.empty(0, dtype=np.int64)
    while out.size < m:  # sparse: rejection; duplicates keep their first draw, so the order stays random
        cand = rng.integers(0, total, size=2 * (m - out.size) + 16)
        cand = np.concatenate([out, cand[~np.isin(cand, occupied)]])
        _, first = np.unique(cand, return_index=True)
        out = cand[np.sort(first)][:m]
    return out


def _prune_mask(vals, zeta):
    """Connections kept: all but the fraction ``zeta`` of negative and of positive weights closest to zero."""
    keep = np.ones(vals.size, dtype=bool)
    for side in (np.flatnonzero(vals < 0), np.flatnonzero(vals >= 0)):
        n_drop = int(zeta * side.size)
        keep[side[np.argsort(np.abs(vals[side]), kind="stable")[:n_drop]]] = False
    return keep


class _SparseLayer:
    """A layer's connections (sorted by flat position ``row * n_out + col``), weights, momenta and groupings."""

    def __init__(self, n_in, n_out, epsilon, rng, dtype):
        self.n_in, self.n_out, self.dtype = n_in, n_out, dtype
        n_conn = min(epsilon * (n_in + n_out), n_in * n_out)  # Erdos-Renyi: p = epsilon (n_in + n_out) / (n_in n_out)
        self._set(_draw_free(rng, n_in * n_out, np.empty(0, np.int64), n_conn),
                  rng.standard_normal(n_conn) / 10, np.zeros(n_conn))
        self.bias = np.zeros(n_out, dtype=dtype)
        self.bias_velocity = np.zeros(n_out, dtype=dtype)

    def _set(self, flat, vals, velocity):
        order = np.argsort(flat, kind="stable")
        self.flat = flat[order]
        self.rows, self.cols = (a.astype(np.int64) for a in np.divmod(self.flat, self.n_out))
        self.vals = vals[order].astype(self.dtype)
        self.velocity = velocity[order].astype(self.dtype)
        self.by_col = group_connections(self.cols, self.n_out)  # forward: one group per output neuron
        self.by_row = (np.arange(self.flat.size), group_connections(self.rows, self.n_in)[1])

    def forward(self, A):
        out = np.empty((self.n_out, A.shape[1]), dtype=self.dtype)
        grouped_spmm(A, self.rows, self.by_col[1], self.by_col[0], self.vals, out)
        return out + self.bias[:, None]

    def backward(self, D):
        out = np.empty((self.n_in, D.shape[1]), dtype=self.dtype)
        grouped_spmm(D, self.cols, self.by_row[1], self.by_row[0], self.vals, out)
        return out

    def step(self, A, D, lr, momentum, weight_decay):
        """SGD with momentum on the connections, decay ``w -= weight_decay * w`` (as the authors' code)."""
        grad = np.empty_like(self.vals)
        sparse_weight_grad(A, D, self.rows, self.cols, grad)
        for w, v, g in ((self.vals, self.velocity, grad), (self.bias, self.bias_velocity, D.mean(axis=1))):
            v *= momentum
            v -= lr * g
            w += v - weight_decay * w

    def prune_and_regrow(self, zeta, rng):
        """Remove the weakest connections and grow as many at random free positions (momentum 0)."""
        keep = _prune_mask(self.vals, zeta)
        m = keep.size - keep.sum()
        new = _draw_free(rng, self.n_in * self.n_out, self.flat[keep], m)
        self._set(np.concatenate([self.flat[keep], new]),
                  np.concatenate([self.vals[keep], rng.standard_normal(m) / 10]),
                  np.concatenate([self.velocity[keep], np.zeros(m)]))


class QuickSelection(ScoreSelectorMixin, SelectorMixin, BaseEstimator):
    """QuickSelection: rank features by their strength in a sparse denoising autoencoder.

    A one-hidden-layer denoising autoencoder is trained with sparse
    connectivity from the start (sparse evolutionary training, SET): each
    layer holds an Erdős–Rényi random set of
    ``epsilon * (n_inputs + n_outputs)`` connections, and after every epoch
    the fraction ``zeta`` of the positive and of the negative weights closest
    to zero is removed and as many new connections grow at random free
    positions. Connections that carry information survive; an input feature
    that helps the reconstruction keeps many large weights. The score of a
    feature is the strength of its input neuron, the sum of the absolute
    weights of its connections to the hidden layer (after the last pruning,
    so that freshly grown random weights do not count).

    The layers are truly sparse (lists of connections multiplied by numba
    kernels), so an epoch costs O(nnz x rows), not O(n_features x
    hidden_size x rows). The input is corrupted once by Gaussian noise of
    scale ``noise`` (the authors' code draws one noisy copy reused by every
    epoch); the hidden layer is sigmoid with dropout, the output linear, the
    loss the squared error, and SGD with momentum updates the weights.
    Unsupervised: ``y`` is ignored. The ranking depends on the random
    topology; average ``scores_`` over seeds for a stabler one.

    Scale the features first, as the authors do (standardised for most of
    their sets, min-max for some): ``noise``, ``lr`` and the initial weights
    assume values of order one. On pixel data keep the pixels in [0, 1]:
    standardising blows rarely lit pixels up into large values, and long
    training then spends its strongest connections on reconstructing them.

    Parameters
    ----------
    n_features_to_select : int, float or None, default=None
        Number of features kept (int), fraction of them (float in (0, 1]), or
        half of them (None). The authors keep 50.
    hidden_size : int, default=1000
        Neurons of the hidden layer.
    epsilon : int, default=13
        Sparsity: each layer holds ``epsilon * (n_inputs + n_outputs)``
        connections (all of them when that is more).
    zeta : float in [0, 1), default=0.2
        Fraction of the positive and of the negative weights pruned and
        regrown after each epoch.
    noise : float, default=0.2
        Standard deviation of the Gaussian noise added to the standardised
        input.
    dropout : float in [0, 1), default=0.2
        Dropout rate of the hidden layer during training.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=100
        Rows per optimisation step.
    lr : float, default=0.01
        Learning rate.
    momentum : float in [0, 1), default=0.9
        Momentum of SGD.
    weight_decay : float, default=1e-5
        Each step shrinks every weight and bias by this fraction.
    random_state : int, RandomState instance or None, default=None
        Seeds the topology, the weights, the noise, the dropout masks and the
        order of the rows. The same seed gives identical results.

    Attributes
    ----------
    scores_ : ndarray of shape (`n_features_in_`,)
        Strength of each feature's input neuron (higher = more relevant).
    ranking_ : ndarray of shape (`n_features_in_`,)
        Rank of each feature (1 = best).
    input_weights_ : scipy.sparse.csr_matrix of shape (`n_features_in_`, hidden_size)
        The input layer's weights after the last pruning; ``scores_`` is the
        sum of the absolute values of each row.
    loss_curve_ : list of float
        Mean squared reconstruction error of each epoch (standardised units).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    InfFS : Ranks features by paths through a correlation graph (no training).

    References
    ----------
    .. [1] Z. Atashgahi, G. Sokar, T. van der Lee, E. Mocanu, D. C. Mocanu,
       R. Veldhuis and M. Pechenizkiy, "Quick and robust feature selection:
       the strength of energy-efficient sparse training for autoencoders",
       Machine Learning 111, 2022 (ECML-PKDD journal track).
    .. [2] D. C. Mocanu et al., "Scalable training of artificial neural
       networks with adaptive sparse connectivity inspired by network
       science", Nature Communications 9, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.feature_selection import QuickSelection
    >>> rng = np.random.RandomState(0)
    >>> latent = rng.normal(size=(500, 2))
    >>> related = latent @ rng.normal(size=(2, 6))  # 6 columns that predict each other
    >>> X = np.c_[related, 0.1 * rng.normal(size=(500, 6))]  # and 6 small independent noise columns
    >>> qs = QuickSelection(6, hidden_size=50, max_epochs=20, random_state=0).fit(X)
    >>> int(qs.get_support()[:6].sum())  # of the 6 selected, related columns
    5

    Independent noise columns as large as the others are a different story:
    a column that nothing else predicts needs strong weights of its own, and
    QuickSelection comes to prefer such columns as training goes on. Scale
    or filter such columns first.
    """

    _parameter_constraints: dict = {
        "n_features_to_select": N_FEATURES_TO_SELECT_CONSTRAINT,
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "epsilon": [Interval(Integral, 1, None, closed="left")],
        "zeta": [Interval(Real, 0, 1, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_features_to_select=None, *, hidden_size=1000, epsilon=13, zeta=0.2, noise=0.2,
                 dropout=0.2, max_epochs=100, batch_size=100, lr=0.01, momentum=0.9, weight_decay=1e-5,
                 random_state=None):
        self.n_features_to_select = n_features_to_select
        self.hidden_size = hidden_size
        self.epsilon = epsilon
        self.zeta = zeta
        self.noise = noise
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the sparse denoising autoencoder and score the features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        self : QuickSelection
            The fitted estimator.
        """
        X = check_float32_range(validate_data(self, X, dtype=np.float64), "QuickSelection")
        self._n_selected()  # a count above n_features is refused here, not first at transform
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)
        dtype = np.float32
        n, d = X.shape
        clean = np.ascontiguousarray(X.T, dtype=dtype)  # one row per feature: batches are column blocks
        noisy = (clean + self.noise * rng.standard_normal(clean.shape)).astype(dtype)
        enc = _SparseLayer(d, self.hidden_size, self.epsilon, rng, dtype)
        dec = _SparseLayer(self.hidden_size, d, self.epsilon, rng, dtype)
        bs = min(self.batch_size, n)
        self.loss_curve_ = []
        for epoch in range(self.max_epochs):
            order = rng.permutation(n)
            total = 0.0
            for start in range(0, n, bs):
                idx = order[start:start + bs]
                x_in, x_out = np.ascontiguousarray(noisy[:, idx]), np.ascontiguousarray(clean[:, idx])
                h = 1.0 / (1.0 + np.exp(-enc.forward(x_in)))
                keep = rng.random(h.shape, dtype=dtype) >= self.dropout
                h_drop = h * keep
                err = dec.forward(h_drop) - x_out
                total += float(np.vdot(err, err))
                err_h = dec.backward(err) * (h * (1 - h) * keep)
                dec.step(h_drop, err, self.lr, self.momentum, self.weight_decay)
                enc.step(x_in, err_h, self.lr, self.momentum, self.weight_decay)
            self.loss_curve_.append(total / (n * d))
            if not np.isfinite(self.loss_curve_[-1]):
                raise TrainingDivergedError(
                    f"QuickSelection: training diverged (the reconstruction loss is not finite at epoch "
                    f"{epoch + 1}); scale the input (e.g. StandardScaler or MinMaxScaler) or lower lr.")
            if epoch < self.max_epochs - 1:
                enc.prune_and_regrow(self.zeta, rng)
                dec.prune_and_regrow(self.zeta, rng)
        self.n_iter_ = self.max_epochs
        keep = _prune_mask(enc.vals, self.zeta)
        self.input_weights_ = sparse.csr_matrix(
            (enc.vals[keep].astype(np.float64), (enc.rows[keep], enc.cols[keep])), shape=(d, self.hidden_size))
        self._set_scores(np.bincount(enc.rows[keep], np.abs(enc.vals[keep]).astype(np.float64), minlength=d))
        return self

