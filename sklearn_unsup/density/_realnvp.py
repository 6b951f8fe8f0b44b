"""Real NVP normalizing flow as a scikit-learn density estimator."""

import copy

import numpy as np
import torch
from sklearn import config_context
from sklearn.base import DensityMixin
from sklearn.utils import check_random_state
from skorch.callbacks import Callback

from .._nn import FlowNLLLoss, RealNVPFlow, TensorDataset, TensorValidSplit
from .._torch import BaseTorchEstimator, GenerativeMixin, TorchPartialFitMixin, forward_in_batches
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
)
from ..utils._validation import check_hidden_dims, finite_scores

__all__ = ["RealNVP"]

#: Mixture sizes ``n_base_components="auto"`` compares on the held-out rows.
AUTO_BASE_COMPONENTS = (1, 2, 4, 8, 16)


def _gaussian_mixture(n_components, Z, seed):
    """A full-covariance GaussianMixture fitted on Z (NumPy: its k-means initialisation has no array-API path)."""
    from sklearn.mixture import GaussianMixture

    with config_context(array_api_dispatch=False):
        return GaussianMixture(n_components, covariance_type="full", reg_covar=1e-4, random_state=seed).fit(Z)


def _log_prob(module, xb):
    return module.log_prob(xb)


def trimmed_mean(values, trim):
    """Mean of ``values`` after dropping the ``floor(trim * n)`` lowest of the ``n``."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    return float(v[int(trim * len(v)):].mean())


class _TrimmedValidationLoss(Callback):
    """Records ``valid_trimmed_loss`` each epoch: minus the trimmed mean log-density of the held-out rows."""

    def __init__(self, trim):
        self.trim = trim

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        log_density = forward_in_batches(net.module_, dataset_valid.X, _log_prob, device=net.device, row_exact=False)
        net.history.record("valid_trimmed_loss", -trimmed_mean(log_density, self.trim))


def _mixture_tensors(gmm):
    return dict(
        base_weights=torch.as_tensor(gmm.weights_, dtype=torch.float32),
        base_means=torch.as_tensor(gmm.means_, dtype=torch.float32),
        base_prec_chol=torch.as_tensor(gmm.precisions_cholesky_, dtype=torch.float32),
    )


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
    n_base_components : int or "auto", default="auto"
        Base distribution of the flow. 1: the standard normal of Real NVP.
        More: a Gaussian mixture with that many full-covariance components,
        fitted by EM to the standardised training rows and then kept fixed,
        so the couplings learn a warp on top of it (the FlowGMM construction
        of Izmailov et al.); as the couplings start at the identity, training
        starts from that mixture's likelihood. ``"auto"``: the mixture of 1,
        2, 4, 8 or 16 components with the best likelihood on the early
        stopping's held-out rows (trimmed mean, see ``validation_trim``) is fitted, then the flow is trained twice,
        on the standard normal and on that mixture, from the same
        initialisation, and the better of the two and of the mixture itself
        (the mixture flow before training) on the held-out rows is kept
        (about twice the fit time of a fixed base). Without a hold-out
        (``early_stopping=False``, ``partial_fit``, under 10 rows) ``"auto"``
        picks 1 to 10 components by BIC.
    defensive_weight : float in [0, 1), default=0.01
        Weight ``w`` of a defensive component: the density is the mixture
        ``(1 - w) p_flow + w N(mean, diag(var))`` of the flow and the Gaussian
        with the training rows' means and variances (the standardisation's),
        which bounds how low the log-density of a row far from the training
        rows can fall. A flow trained on tables with near-discrete columns
        puts nearly all its mass on the training values and gives a few new
        rows log-densities of -1,000 to -20,000, which then decide a mean
        log-likelihood; the component costs at most ``-log(1 - w)`` (.01 nat)
        per row elsewhere. The couplings train on the flow's own likelihood;
        ``score_samples``, ``sample`` and the validation score use the
        mixture. 0: the flow alone.
    validation_trim : float in [0, 0.5), default=0.05
        Share of the held-out rows with the lowest log-densities that the
        validation score leaves out: the early stopping and the ``"auto"``
        base choice follow the mean held-out log-density of the other rows
        (a trimmed mean), so a handful of held-out rows far from the training
        rows cannot stop training at once nor decide the base. 0: the plain
        mean (the flow's validation loss).
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows, stop after
        ``n_iter_no_change`` epochs without a better validation score (see
        ``validation_trim``) and keep the best epoch's weights (flows overfit
        small tables quickly).
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
    validation_score_curve_ : list of float
        The validation score of each epoch: trimmed mean log-density of the
        held-out rows, nats per row, higher is better (only with
        ``early_stopping``).
    n_base_components_ : int
        Components of the base distribution (1 for the standard normal).
    base_validation_log_likelihood_ : dict or None
        With ``n_base_components="auto"`` and a hold-out: the best validation
        score (trimmed mean held-out log-density, nats per row) of each candidate,
        ``{"normal": ..., "mixture(k)": ..., "mixture(k) untrained": ...}``;
        the fitted flow is the largest (``loss_curve_`` and
        ``validation_loss_curve_`` are its training run's, also when the
        untrained mixture is kept).
        None otherwise.
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
        "defensive_weight": [Interval(Real, 0, 1, closed="left")],
        "validation_trim": [Interval(Real, 0, 0.5, closed="left")],
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
        n_base_components="auto",
        defensive_weight=0.01,
        validation_trim=0.05,
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
        self.defensive_weight = defensive_weight
        self.validation_trim = validation_trim
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
        shifted = X + 0.5 if self.dequantize else X
        loc = shifted.mean(axis=0)
        std = shifted.std(axis=0)
        std[std < 1e-6] = 1.0  # a constant column is left unscaled
        Z = (shifted - loc) / std
        rng = check_random_state(self.random_state)
        held_out = self.early_stopping and len(X) >= 10 and not first_block
        if self.n_base_components != "auto" or not held_out:
            base = self._fit_base(Z, rng)
            self.base_validation_log_likelihood_ = None
            self._train(self._flow_net(X, loc, std, base, rng, held_out), X, epochs=1 if first_block else None)
            self._record_validation_score(self.net_)
            return self
        # "auto" with a hold-out: the flow with the standard-normal base and the flow with the mixture that the
        # held-out rows prefer train on the same split from the same initialisation; the mixture flow before
        # training (couplings at the identity: the mixture itself) is a third candidate. The best validation score
        # (trimmed mean held-out log-density) is kept.
        net_seed = int(rng.randint(np.iinfo(np.int32).max))
        train_rows, valid_rows = self._split_rows(len(X), net_seed)
        mixture, k = self._held_out_mixture(Z[train_rows], Z[valid_rows], rng)
        start = {}

        def remember_start(net, dataset):
            start["state"] = copy.deepcopy(net.module_.state_dict())
            start["score"] = trimmed_mean(forward_in_batches(net.module_, X[valid_rows], _log_prob,
                                                             device=self.device_, row_exact=False),
                                          self.validation_trim)

        scores, fitted = {}, {}
        for name, base, n_components in (("normal", {}, 1), (f"mixture({k})", mixture, k)):
            self._train(self._flow_net(X, loc, std, base, net_seed, held_out), X,
                        before_training=remember_start if base else None)
            self._record_validation_score(self.net_)
            scores[name] = float(np.max(self.validation_score_curve_))
            fitted[name] = (self.net_, list(self.validation_loss_curve_), list(self.validation_score_curve_),
                            n_components)
        scores[f"mixture({k}) untrained"] = start["score"]
        fitted[f"mixture({k}) untrained"] = fitted[f"mixture({k})"]
        best = max(scores, key=scores.get)
        net, valid_curve, score_curve, self.n_base_components_ = fitted[best]
        if best.endswith("untrained"):
            net.module_.load_state_dict(start["state"])
        self._record_history(net)
        self.validation_loss_curve_ = valid_curve
        self.validation_score_curve_ = score_curve
        self.base_validation_log_likelihood_ = scores
        return self

    def _record_validation_score(self, net):
        if net.train_split is None:
            self.__dict__.pop("validation_score_curve_", None)
        else:
            self.validation_score_curve_ = [-float(row["valid_trimmed_loss"]) for row in net.history]

    def _flow_net(self, X, loc, std, base, random_state, held_out):
        return self._build_net(
            module=RealNVPFlow,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_coupling_layers=self.n_coupling_layers,
                hidden_dims=check_hidden_dims(self.hidden_dims),
                activation=self.activation,
                dequantize=self.dequantize,
                loc=torch.as_tensor(loc, dtype=torch.float32),
                log_std=torch.as_tensor(np.log(std), dtype=torch.float32),
                defensive_weight=float(self.defensive_weight),
                **base,
            ),
            criterion=FlowNLLLoss,
            random_state=random_state,
            validation_fraction=self.validation_fraction if held_out else None,
            n_iter_no_change=self.n_iter_no_change,
            callbacks=[("trimmed_validation", _TrimmedValidationLoss(float(self.validation_trim)))] if held_out else (),
            # the flow's own validation loss when the score is the plain mean of the flow alone
            monitor="valid_loss" if self.validation_trim == 0 and self.defensive_weight == 0 else "valid_trimmed_loss",
        )

    def _split_rows(self, n, net_seed):
        """The training and validation rows of the nets built with ``random_state=net_seed``."""
        split = TensorValidSplit(self.validation_fraction, seed=self._seed(net_seed))
        train, valid = split(TensorDataset(torch.arange(n)))
        return train.X.numpy(), valid.X.numpy()

    def _held_out_mixture(self, Z_train, Z_valid, rng):
        """The full-covariance mixture of 1, 2, 4, 8 or 16 components with the best held-out trimmed mean likelihood."""
        seed = int(rng.randint(np.iinfo(np.int32).max))
        fits = [_gaussian_mixture(k, Z_train, seed) for k in AUTO_BASE_COMPONENTS if k <= len(Z_train)]
        gmm = max(fits, key=lambda g: trimmed_mean(g.score_samples(Z_valid), self.validation_trim))
        return _mixture_tensors(gmm), gmm.n_components

    def _fit_base(self, Z, rng):
        """Base mixture on the standardised rows (empty dict for the standard normal)."""
        k = self.n_base_components
        if k == 1:
            self.n_base_components_ = 1
            return {}
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if k == "auto":  # no hold-out (early_stopping=False, partial_fit, < 10 rows): BIC
            fits = [_gaussian_mixture(c, Z, seed) for c in range(1, min(10, len(Z)) + 1)]
            gmm = min(fits, key=lambda g: g.bic(Z))
        else:
            if k > len(Z):
                raise ValueError(f"n_base_components={k} must be <= n_samples={len(Z)}.")
            gmm = _gaussian_mixture(k, Z, seed)
        self.n_base_components_ = gmm.n_components
        return _mixture_tensors(gmm)

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
        X = self._forward(lambda m, zb: m.inverse(zb), Z.astype(np.float32)).astype(np.float64)
        if getattr(flow, "defensive_weight", 0.0) > 0:
            # rows of the defensive Gaussian, N(loc, diag(std^2)) before dequantisation
            rows = rng.random_sample(n) < flow.defensive_weight
            loc, std = flow.loc.cpu().numpy(), flow.log_std.exp().cpu().numpy()
            X[rows] = loc + std * rng.standard_normal(size=(int(rows.sum()), d)) - (0.5 if flow.dequantize else 0.0)
        return X
