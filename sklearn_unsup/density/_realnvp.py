"""Real NVP normalizing flow as a scikit-learn density estimator."""

import numpy as np
import torch
from sklearn.base import DensityMixin
from sklearn.utils import check_random_state

from .._nn import FlowNLLLoss, RealNVPFlow
from .._torch import BaseTorchEstimator, GenerativeMixin, TorchPartialFitMixin
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
)
from ..utils._validation import check_hidden_dims, finite_scores

__all__ = ["RealNVP"]


class RealNVP(DensityMixin, GenerativeMixin, TorchPartialFitMixin, BaseTorchEstimator):
    """Real NVP normalizing flow: exact log-density and sampling for tables.

    The rows are standardised (an exact affine layer), then pass through
    ``n_coupling_layers`` affine coupling layers: each keeps a subset of the
    features fixed and shifts and scales the others by functions of the fixed
    ones, ``y = x * exp(s) + t``, with a bounded scale ``s = a * tanh(.)`` for
    stable training. Masks alternate between even/odd and first/second-half
    feature splits. The log-density of a row is the standard normal
    log-density of its image plus the log-determinant of the map, so
    ``score_samples`` is exact and ``sample`` inverts the map.

    Parameters
    ----------
    n_coupling_layers : int, default=8
        Number of coupling layers.
    hidden_dims : sequence of int, default=(128, 128)
        Hidden widths of each coupling's scale/shift network.
    activation : {"relu", "leaky_relu", "elu", "gelu", "tanh"}, default="relu"
        Hidden activation of those networks.
    dequantize : bool, default=False
        For integer-valued data: train on ``x + u``, ``u ~ U[0, 1)``, and
        score the cell midpoint ``x + 0.5`` (the log-density of the
        dequantised data).
    n_base_components : int or "auto", default=1
        Base distribution of the flow. 1: the standard normal of Real NVP.
        More: a Gaussian mixture with that many full-covariance components,
        fitted by EM to the standardised training rows and then kept fixed,
        so the couplings learn a warp on top of it (the FlowGMM construction
        of Izmailov et al.); as the couplings start at the identity, training
        starts from that mixture's likelihood. ``"auto"`` picks 1 to 10
        components by BIC.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows, stop after
        ``n_iter_no_change`` epochs without a better validation likelihood and
        keep the best epoch's weights (flows overfit small tables quickly).
    validation_fraction : float, default=0.1
        Share of rows held out when ``early_stopping``.
    n_iter_no_change : int, default=10
        Patience of the early stopping, in epochs.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=256
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=1e-5
        L2 penalty passed to the optimizer. Regularises small data sets.
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
        Mean negative log-likelihood of each epoch (nats per row).
    validation_loss_curve_ : list of float
        Same on the held-out rows (only with ``early_stopping``).
    n_base_components_ : int
        Components of the base distribution.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.mixture.GaussianMixture : A classical density model.
    sklearn.neighbors.KernelDensity : Non-parametric density.

    References
    ----------
    .. [1] L. Dinh, J. Sohl-Dickstein and S. Bengio, "Density estimation using Real
       NVP", ICLR 2017.
    .. [2] P. Izmailov, P. Kirichenko, M. Finzi and A. G. Wilson, "Semi-supervised
       learning with normalizing flows", ICML 2020 (FlowGMM: a mixture base).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.density import RealNVP
    >>> X = np.random.RandomState(0).normal(size=(200, 3))
    >>> flow = RealNVP(n_coupling_layers=2, hidden_dims=(16,), max_epochs=2, random_state=0).fit(X)
    >>> flow.score_samples(X[:2]).shape
    (2,)
    >>> flow.sample(4).shape
    (4, 3)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_coupling_layers": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "activation": [StrOptions({"relu", "leaky_relu", "elu", "gelu", "tanh"})],
        "dequantize": ["boolean"],
        "n_base_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_coupling_layers=8,
        *,
        hidden_dims=(128, 128),
        activation="relu",
        dequantize=False,
        n_base_components=1,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        max_epochs=100,
        batch_size=256,
        lr=1e-3,
        optimizer="adam",
        weight_decay=1e-5,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_coupling_layers = n_coupling_layers
        self.hidden_dims = hidden_dims
        self.activation = activation
        self.dequantize = dequantize
        self.n_base_components = n_base_components
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
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
        X = self._validate_fit_data(X)
        hidden = check_hidden_dims(self.hidden_dims)
        shifted = X + 0.5 if self.dequantize else X
        loc = shifted.mean(axis=0)
        std = shifted.std(axis=0)
        std[std < 1e-6] = 1.0  # a constant column is left unscaled
        rng = check_random_state(self.random_state)
        base = self._fit_base((shifted - loc) / std, rng)
        net = self._build_net(
            module=RealNVPFlow,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_coupling_layers=self.n_coupling_layers,
                hidden_dims=hidden,
                activation=self.activation,
                dequantize=self.dequantize,
                loc=torch.as_tensor(loc, dtype=torch.float32),
                log_std=torch.as_tensor(np.log(std), dtype=torch.float32),
                **base,
            ),
            criterion=FlowNLLLoss,
            random_state=rng,
            validation_fraction=(self.validation_fraction if self.early_stopping and len(X) >= 10 and not first_block
                                 else None),
            n_iter_no_change=self.n_iter_no_change,
        )
        self._train(net, X, epochs=1 if first_block else None)
        return self

    def _fit_base(self, Z, rng):
        """Base mixture on the standardised rows (empty dict for the standard normal)."""
        from sklearn.mixture import GaussianMixture

        k = self.n_base_components
        if k == 1:
            self.n_base_components_ = 1
            return {}
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if k == "auto":
            fits = [
                GaussianMixture(c, covariance_type="full", reg_covar=1e-4, random_state=seed).fit(Z)
                for c in range(1, min(10, len(Z)) + 1)
            ]
            gmm = min(fits, key=lambda g: g.bic(Z))
        else:
            if k > len(Z):
                raise ValueError(f"n_base_components={k} must be <= n_samples={len(Z)}.")
            gmm = GaussianMixture(k, covariance_type="full", reg_covar=1e-4, random_state=seed).fit(Z)
        self.n_base_components_ = gmm.n_components
        return dict(
            base_weights=torch.as_tensor(gmm.weights_, dtype=torch.float32),
            base_means=torch.as_tensor(gmm.means_, dtype=torch.float32),
            base_prec_chol=torch.as_tensor(gmm.precisions_cholesky_, dtype=torch.float32),
        )

    def score_samples(self, X):
        """Log-density of each row (nats).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
        """
        X = self._validate_predict_data(X)
        return finite_scores(self._forward(lambda m, xb: m.log_prob(xb), X))

    def score(self, X, y=None):
        """Mean log-density of the rows (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Draw rows from the fitted density.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance or None, default=None
            Seed of the draw; None uses the estimator's ``random_state``.

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`)
        """
        n, rng = self._sampling_rng(n_samples, random_state)
        d = self.n_features_in_
        Z = rng.standard_normal(size=(n, d))
        flow = self.net_.module_
        if flow.base_means.shape[0]:
            weights = flow.base_log_weights.exp().cpu().numpy().astype(np.float64)
            comp = rng.choice(len(weights), size=n, p=weights / weights.sum())
            means = flow.base_means.cpu().numpy()
            prec_chol = flow.base_prec_chol.cpu().numpy().astype(np.float64)
            for k in np.unique(comp):
                rows = comp == k
                # z = mu + L^-T eps where P = L L^T is the precision: solve P_chol^T x = eps
                Z[rows] = means[k] + np.linalg.solve(prec_chol[k].T, Z[rows].T).T
        return self._forward(lambda m, zb: m.inverse(zb), Z.astype(np.float32)).astype(np.float64)
