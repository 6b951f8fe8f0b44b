"""Shared bases: the torch-backed estimator and the outlier-detector conventions.

``BaseTorchEstimator`` holds the plumbing every torch method needs (device,
seeding, optimizer, callbacks, the skorch net, batched inference) so that an
estimator module contains only its method. The skorch net is built inside
``fit`` and stored as ``net_`` (composition): the estimator's own parameters
stay flat, documented and validated the scikit-learn way.
"""

import copy
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils import check_array, check_random_state

from .nn import (
    TensorBatchIterator,
    TensorDataset,
    TensorValidSplit,
    UnsupervisedNet,
    as_float32_tensor,
)
from .utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    check_is_fitted,
    validate_data,
)

__all__ = ["BaseTorchEstimator", "OutlierDetectorMixin", "TorchPartialFitMixin"]

_OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
    "rmsprop": (torch.optim.RMSprop, {}),
}


def _check_hidden_dims(hidden_dims):
    """Validate an architecture given as a sequence of positive layer widths."""
    if isinstance(hidden_dims, (str, bytes)) or not hasattr(hidden_dims, "__iter__"):
        raise TypeError(
            f"hidden_dims must be a sequence of positive ints, got {hidden_dims!r}."
        )
    dims = tuple(hidden_dims)
    for h in dims:
        if not isinstance(h, (Integral, np.integer)) or isinstance(h, bool) or h < 1:
            raise ValueError(
                f"hidden_dims must be a sequence of positive ints, got {hidden_dims!r}."
            )
    return tuple(int(h) for h in dims)


def _check_unit_interval(X, setting, alternative):
    """Refuse rows outside [0, 1] for a loss/likelihood that needs them (BCE, Bernoulli)."""
    low, high = X.min(), X.max()
    if low < 0 or high > 1:
        raise ValueError(
            f"{setting} needs X in [0, 1] (e.g. pixels / 255 or MinMaxScaler); got values in "
            f"[{low:.3g}, {high:.3g}]. Use {alternative} instead."
        )


_ACCELERATED_NET_CLASSES = {}


def _accelerated_net_class(net_class):
    """``net_class`` with skorch's ``AccelerateMixin`` in front (one class per net class)."""
    if net_class not in _ACCELERATED_NET_CLASSES:
        from skorch.hf import AccelerateMixin

        _ACCELERATED_NET_CLASSES[net_class] = type(f"Accelerated{net_class.__name__}",
                                                   (AccelerateMixin, net_class), {})
    return _ACCELERATED_NET_CLASSES[net_class]


def _strip_accelerator(net, plain_net_class):
    """After training: unwrap the modules and turn the net back into a plain, picklable one."""
    net._unwrap_accelerator()
    net.accelerator.free_memory()
    for name in ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator"):
        net.__dict__.pop(name, None)
    net.__class__ = plain_net_class
    return net


class BaseTorchEstimator(BaseEstimator):
    """Base class of the torch-backed estimators (not for direct use).

    Subclasses call :meth:`_fit_net` with their torch module and loss and
    :meth:`_forward` for batched inference. This class owns the parameters
    every such estimator shares:

    max_epochs : int
        Passes over the training data.
    batch_size : int
        Rows per optimisation step.
    lr : float
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class
        ``"sgd"`` uses momentum 0.9.
    weight_decay : float
        L2 penalty passed to the optimizer.
    callbacks : list of skorch callbacks or (name, callback) tuples, or None
        Extra skorch callbacks, e.g. ``skorch.callbacks.EarlyStopping(
        monitor="train_loss")``. Copied at fit, so the parameter is not
        modified.
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ..., or ``"accelerate"``: train through skorch's
        ``AccelerateMixin`` with an ``accelerate.Accelerator`` configured by the
        environment (``accelerate launch`` / ``accelerate config``: device,
        mixed precision, processes); the fitted net is a plain skorch net again.
    random_state : int, RandomState instance or None
        Seeds weight initialisation, shuffling and any sampling during
        training through a private generator; torch's global random state is
        left as it was. The same seed gives identical results on CPU.
    verbose : int
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.

    Fitted attributes set by :meth:`_fit_net`: ``net_`` (the fitted skorch
    net), ``device_``, ``n_iter_`` (epochs run) and ``loss_curve_`` (mean
    training loss of each epoch).
    """

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ fit helpers
    def _make_accelerator(self):
        """An ``accelerate.Accelerator`` from the environment; skorch places the tensors."""
        try:
            from accelerate import Accelerator
        except ImportError as exc:  # pragma: no cover - accelerate is in the 'scale' extra
            raise ImportError(
                "device='accelerate' needs the accelerate package: pip install 'sklearn_unsup[scale]'."
            ) from exc
        # device_placement=False: skorch moves the module and every batch to
        # net.device (our batch iterator is not a DataLoader accelerate could wrap)
        return Accelerator(device_placement=False)

    def _resolve_device(self):
        if isinstance(self.device, str) and self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                f"device={self.device!r} is not a valid torch device; use 'auto', "
                "'cpu' or 'cuda'."
            ) from exc
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but CUDA is not available "
                "on this machine; use device='auto' or 'cpu'."
            )
        return str(device)

    def _validate_fit_data(self, X, *, ensure_min_samples=1):
        """``validate_data`` for fit: 2-d, finite, float64/float32, dense."""
        return validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=ensure_min_samples,
        )

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def _validate_codes(self, X):
        """Latent codes given to ``inverse_transform``: 2-d, finite, ``n_components`` columns."""
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects "
                f"n_components={self.n_components} codes."
            )
        return Z

    def _sampling_rng(self, n_samples, random_state):
        """Checked ``n_samples`` and the generator of a ``sample`` call."""
        check_is_fitted(self)
        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}.")
        return int(n_samples), check_random_state(self.random_state if random_state is None else random_state)

    def _optimizer_and_kwargs(self, optimizer=None):
        optimizer = self.optimizer if optimizer is None else optimizer
        if isinstance(optimizer, str):
            cls, kwargs = _OPTIMIZERS[optimizer]
            kwargs = dict(kwargs)
        else:
            if not issubclass(optimizer, torch.optim.Optimizer):
                raise TypeError(
                    "optimizer must be one of "
                    f"{sorted(_OPTIMIZERS)} or a torch.optim.Optimizer subclass, "
                    f"got {optimizer!r}."
                )
            cls, kwargs = optimizer, {}
        kwargs["weight_decay"] = float(self.weight_decay)
        return cls, kwargs

    def _callbacks(self):
        callbacks = copy.deepcopy(list(self.callbacks)) if self.callbacks else []
        if self.verbose >= 2:
            from skorch.callbacks import ProgressBar

            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    @contextmanager
    def _torch_rng(self, seed):
        """Fork torch's RNG, seed the fork, restore the caller's state on exit."""
        device = torch.device(self.device_)
        devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def _fit_net(
        self,
        X,
        *,
        module,
        criterion,
        module_kwargs=None,
        criterion_kwargs=None,
        y=None,
        random_state=None,
        net_class=UnsupervisedNet,
        drop_last=False,
        extra_callbacks=(),
        max_epochs=None,
        validation_fraction=None,
        n_iter_no_change=10,
        iterator=TensorBatchIterator,
        before_training=None,
        lr=None,
        optimizer=None,
        **net_kwargs,
    ):
        """Build ``net_`` and train it on ``X`` (and optional per-row ``y``).

        ``module`` and ``criterion`` are classes; their arguments go through
        skorch's ``module__``/``criterion__`` routing so the fitted net can be
        pickled and moved between devices by skorch.

        ``before_training(net, dataset)``, if given, runs after the net is
        initialised and before the first epoch.

        ``lr``, ``optimizer`` and ``max_epochs`` override the estimator's
        own for this net (methods with a pre-training stage).

        A callback may end training early by raising ``KeyboardInterrupt``
        (skorch stops cleanly); an epoch cut short that way is dropped from
        the history.

        With ``validation_fraction``, that share of the rows is held out,
        training stops after ``n_iter_no_change`` epochs without a better
        validation loss and the best epoch's weights are restored
        (``validation_loss_curve_`` is recorded).
        """
        rng = check_random_state(self.random_state if random_state is None else random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if getattr(self, "_partial_first_pass", False):
            # the first call of partial_fit: the fit path with one pass of the main
            # training stage (a pre-training stage that names its own epochs keeps
            # them) and no hold-out
            validation_fraction = None
            if max_epochs is None:
                max_epochs = 1
        accelerator = None
        plain_net_class = net_class
        if isinstance(self.device, str) and self.device == "accelerate":
            accelerator = self._make_accelerator()
            self.device_ = str(accelerator.device)
            net_class = _accelerated_net_class(net_class)
            # skorch's accelerate path prints the epoch log whatever verbose is unless the sink is print
            net_kwargs = {**net_kwargs, "accelerator": accelerator,
                          "callbacks__print_log__sink": accelerator.print if self.verbose else print}
        else:
            self.device_ = self._resolve_device()
        opt_cls, opt_kwargs = self._optimizer_and_kwargs(optimizer)
        params = {f"module__{k}": v for k, v in (module_kwargs or {}).items()}
        params.update({f"criterion__{k}": v for k, v in (criterion_kwargs or {}).items()})
        params.update({f"optimizer__{k}": v for k, v in opt_kwargs.items()})
        params.update(net_kwargs)
        callbacks = list(extra_callbacks) + self._callbacks()
        train_split = None
        if validation_fraction:
            from skorch.callbacks import EarlyStopping

            train_split = TensorValidSplit(validation_fraction, seed=seed)
            callbacks.append(
                ("early_stopping", EarlyStopping(monitor="valid_loss", patience=int(n_iter_no_change),
                                                 threshold=0, load_best=True))
            )
        net = net_class(
            module,
            criterion=criterion,
            optimizer=opt_cls,
            lr=float(self.lr if lr is None else lr),
            max_epochs=int(self.max_epochs if max_epochs is None else max_epochs),
            batch_size=int(self.batch_size),
            train_split=train_split,
            callbacks=callbacks or None,
            device=self.device_,
            verbose=int(self.verbose > 0),
            dataset=TensorDataset,
            iterator_train=iterator,
            iterator_train__shuffle=True,
            iterator_train__seed=seed,
            iterator_train__drop_last=drop_last,
            iterator_valid=TensorBatchIterator,
            **params,
        )
        dataset = TensorDataset(as_float32_tensor(X), y)
        with self._torch_rng(seed):
            net.initialize()
            if before_training is not None:
                before_training(net, dataset)  # e.g. DeepSVDD's centre from the initial network
            net.partial_fit(dataset, None)
        if accelerator is not None:
            _strip_accelerator(net, plain_net_class)
        while len(net.history) and "train_loss" not in net.history[-1]:
            net.history.pop()  # an epoch cut short by a callback's early stop
        self.net_ = net
        self.n_iter_ = len(net.history)
        self.loss_curve_ = [float(row["train_loss"]) for row in net.history]
        if validation_fraction:
            self.validation_loss_curve_ = [float(row["valid_loss"]) for row in net.history]
        return net

    def _continue_drop_last(self, n_rows):
        """Drop a last batch of one row where batch statistics need two."""
        return bool(getattr(self, "batch_norm", False) and n_rows % int(self.batch_size) == 1 and n_rows > 1)

    def _continue_net(self, X, y=None):
        """One more pass of ``net_`` over ``X``, keeping weights and optimizer state.

        The shuffling and any sampling are seeded from ``random_state`` and the
        number of passes already run, so the same sequence of calls gives the
        same model.
        """
        net = self.net_
        rng = check_random_state(self.random_state)
        seed = (int(rng.randint(np.iinfo(np.int32).max)) + 7919 * (self.n_iter_ + 1)) % np.iinfo(np.int32).max
        drop_last = self._continue_drop_last(len(X))
        # plain attributes: skorch's set_params would treat these as module parameters
        net.iterator_train__drop_last = drop_last
        net.iterator_train__seed = seed
        dataset = TensorDataset(as_float32_tensor(X), y)
        n_before = len(net.history)
        with self._torch_rng(seed):
            net.partial_fit(dataset, None, epochs=1)
        while len(net.history) > n_before and "train_loss" not in net.history[-1]:
            net.history.pop()
        self.n_iter_ = len(net.history)
        self.loss_curve_ = [float(row["train_loss"]) for row in net.history]
        return net

    # ------------------------------------------------------------ inference helpers
    def _forward(self, fn, X, *, batch_size=None):
        """Apply ``fn(module, x_batch) -> tensor`` in eval mode over row batches.

        Each row's output depends on that row only: eval mode (no batch
        statistics), and every batch is zero-padded to the same number of rows,
        so the BLAS kernels see identical shapes whatever the number of rows in
        the call (float32 GEMM results can otherwise change in the last bits
        with the matrix shape). Returns a NumPy float32 array.
        """
        module = self.net_.module_
        was_training = module.training
        module.eval()
        bs = int(batch_size or max(self.batch_size, 1024))
        Xt = as_float32_tensor(X)
        outputs = []
        try:
            with torch.no_grad():
                for start in range(0, len(Xt), bs):
                    xb = Xt[start : start + bs]
                    n = len(xb)
                    if n < bs:
                        xb = torch.cat([xb, xb.new_zeros((bs - n,) + tuple(xb.shape[1:]))])
                    outputs.append(fn(module, xb.to(self.device_)).detach().to("cpu")[:n])
        finally:
            module.train(was_training)
        return torch.cat(outputs).numpy()

    # ------------------------------------------------------------------- pickling
    def __setstate__(self, state):
        # A model fitted on CUDA and loaded on a CPU-only machine: skorch maps the
        # net's tensors to the CPU (with a DeviceWarning); follow it here.
        device = state.get("device_")
        if device is not None and device.startswith("cuda") and not torch.cuda.is_available():
            state["device_"] = "cpu"
        super().__setstate__(state)


class TorchPartialFitMixin:
    """``partial_fit``: one pass of optimisation over the given rows (mixin, not public).

    For the torch estimators whose training is one network and one loss over
    independent rows. The first call runs ``fit`` with one epoch (and no
    validation hold-out), so the network, the scaling and any data-dependent
    initialisation come from that first block of rows; every later call is one
    more epoch over its rows with the weights and the optimizer state kept.
    ``fit`` restarts from scratch; ``partial_fit`` after ``fit`` continues the
    fitted model. Subclasses may define ``_check_training_rows(X)`` (input
    checks shared with ``fit``), ``_training_rows(X)`` (e.g. the fitted
    scaling), ``_continue_training(X)`` (a method-specific continuation around
    ``_continue_net``) and ``_after_partial_fit(X)`` (e.g. a detector's
    threshold).
    """

    def partial_fit(self, X, y=None):
        """One pass of training over X, continuing from the current state.

        The first call builds and initialises the model from X (as ``fit``
        with one epoch); each later call trains one more epoch on its rows
        with the weights and optimizer state kept. Feed data larger than
        memory block by block (e.g. with ``dask_ml.wrappers.Incremental``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of training rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not hasattr(self, "net_"):
            self._partial_first_pass = True
            try:
                self.fit(X)
            finally:
                del self._partial_first_pass
            return self
        self._validate_params()
        X = self._validate_predict_data(X)
        if getattr(self, "batch_norm", False) and X.shape[0] < 2:
            raise ValueError(f"batch_norm=True needs at least 2 samples, got n_samples={X.shape[0]}.")
        if hasattr(self, "_check_training_rows"):
            self._check_training_rows(X)
        rows = self._training_rows(X) if hasattr(self, "_training_rows") else X
        if hasattr(self, "_continue_training"):
            self._continue_training(rows)
        else:
            self._continue_net(rows)
        if hasattr(self, "_after_partial_fit"):
            self._after_partial_fit(rows)
        return self


class OutlierDetectorMixin(OutlierMixin):
    """scikit-learn's outlier conventions, shared by every detector here.

    The detector implements ``score_samples(X)`` (higher = more normal) and
    calls :meth:`_set_offset` on its training scores at the end of ``fit``.
    Then ``decision_function = score_samples - offset_`` (negative for
    outliers) and ``predict`` returns +1 for inliers and -1 for outliers, as
    in :class:`sklearn.ensemble.IsolationForest`.

    ``contamination``: a float in (0, 0.5] puts ``offset_`` at that
    quantile of the training scores, so that fraction of the training rows is
    flagged. ``"auto"`` uses Tukey's lower fence of the training scores,
    ``Q1 - 1.5 * IQR``: rows far below the bulk of the data are flagged, and no
    prior guess of the outlier fraction is needed.
    """

    _parameter_constraints: dict = {
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
    }

    def _set_offset(self, train_scores):
        train_scores = np.asarray(train_scores, dtype=np.float64)
        if self.contamination == "auto":
            q1, q3 = np.percentile(train_scores, [25.0, 75.0])
            self.offset_ = float(q1 - 1.5 * (q3 - q1))
        else:
            self.offset_ = float(np.percentile(train_scores, 100.0 * self.contamination))
        return self

    def decision_function(self, X):
        """Signed normality: ``score_samples(X) - offset_``; negative means outlier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Return +1 for inliers and -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,) of int
        """
        decision = self.decision_function(X)
        labels = np.ones(decision.shape[0], dtype=int)
        labels[decision < 0] = -1
        return labels
