"""The torch-backed estimator base: a skorch net built in ``fit`` (composition), flat parameters."""

import copy
import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch.exceptions import DeviceWarning

from .._nn import TensorBatchIterator, TensorDataset, TensorValidSplit, UnsupervisedNet, as_float32_tensor
from ..base import BaseEstimator
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from ..utils._validation import check_float32_range
from ._device import (
    OPTIMIZERS,
    accelerated_net_class,
    make_accelerator,
    optimizer_and_kwargs,
    resolve_device,
    strip_accelerator,
    torch_rng,
)
from ._inference import INFERENCE_BATCH_ROWS, forward_in_batches, has_batch_norm
from ._portable import estimator_state_from_plain, estimator_state_to_plain
from ._threads import threads_for, torch_threads

__all__ = ["BaseTorchEstimator"]


class BaseTorchEstimator(BaseEstimator, metaclass=ABCMeta):
    """Base class of the torch-backed estimators (not for direct use).

    The contract, in one screen:

    * a subclass implements :meth:`_fit` (``fit`` is defined here, under
      scikit-learn's ``_fit_context``): validate ``X``, build the network with
      :meth:`_build_net`, train it with :meth:`_train`, set the fitted
      attributes;
    * :meth:`_forward` runs batch-independent inference with ``net_.module_``;
    * :meth:`_validate_fit_data` / :meth:`_validate_predict_data` are the input
      checks (2-d, finite, within float32's range);
    * partial fitting comes from :class:`TorchPartialFitMixin` and its hooks.

    This class owns the parameters every torch estimator shares:

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
        environment; the fitted net is a plain skorch net again.
    random_state : int, RandomState instance or None
        Seeds weight initialisation, shuffling and any sampling during
        training through a private generator; torch's global random state is
        left as it was. The same seed gives identical results on CPU.
    verbose : int
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.

    Fitted attributes set by :meth:`_train`: ``net_`` (the fitted skorch net),
    ``device_``, ``n_iter_`` (epochs run) and ``loss_curve_`` (mean training
    loss of each epoch); ``validation_loss_curve_`` with a validation hold-out.
    """

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _records_torch_version = True

    #: Drop every partial last batch of an epoch (not only one of a single row
    #: under BatchNorm): for losses built on batch statistics, e.g. Barlow Twins.
    _drop_partial_batch = False

    # ------------------------------------------------------------------ the contract
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit(X, first_block=False)
        return self

    @abstractmethod
    def _fit(self, X, *, first_block):
        """Validate X, build and train the model, set the fitted attributes.

        ``first_block=True`` is the first call of ``partial_fit``: the main training
        stage runs one epoch (``self._train(net, X, epochs=1)``) and holds out
        no validation rows; a pre-training stage keeps its own epochs.
        """

    # ------------------------------------------------------------------ input checks
    def _validate_fit_data(self, X, *, ensure_min_samples=1):
        """``validate_data`` for fit: 2-d, finite, float64/float32, dense, within float32's range."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=ensure_min_samples)
        return check_float32_range(X, type(self).__name__)

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return check_float32_range(X, type(self).__name__)

    # ------------------------------------------------------------------ training
    def _seed(self, random_state=None):
        """A 31-bit seed drawn from ``random_state`` (default: the estimator's)."""
        rng = check_random_state(self.random_state if random_state is None else random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _callbacks(self):
        callbacks = copy.deepcopy(list(self.callbacks)) if self.callbacks else []
        if self.verbose >= 2:
            from skorch.callbacks import ProgressBar

            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def _build_net(
        self,
        *,
        module,
        criterion,
        module_kwargs=None,
        criterion_kwargs=None,
        random_state=None,
        net_class=UnsupervisedNet,
        iterator=TensorBatchIterator,
        callbacks=(),
        max_epochs=None,
        lr=None,
        optimizer=None,
        validation_fraction=None,
        n_iter_no_change=10,
        monitor="valid_loss",
    ):
        """An uninitialised skorch net for ``module`` and ``criterion`` (classes).

        Their arguments go through skorch's ``module__``/``criterion__`` routing,
        so the fitted net pickles and moves between devices the skorch way.
        ``max_epochs``, ``lr`` and ``optimizer`` override the estimator's own
        for this net (a pre-training stage). With ``validation_fraction``, that
        share of the rows is held out, training stops after
        ``n_iter_no_change`` epochs without a better validation loss and the
        best epoch's weights are restored; ``monitor`` names the history key
        the early stopping follows (lower is better; a callback in ``callbacks``
        may record its own). Sets ``device_``.
        """
        seed = self._seed(random_state)
        net_kwargs = {}
        if isinstance(self.device, str) and self.device == "accelerate":
            accelerator = make_accelerator()
            self.device_ = str(accelerator.device)
            net_class = accelerated_net_class(net_class)
            # skorch's accelerate path prints the epoch log whatever verbose is unless the sink is print
            net_kwargs = {"accelerator": accelerator,
                          "callbacks__print_log__sink": accelerator.print if self.verbose else print}
        else:
            self.device_ = resolve_device(self.device)
        opt_cls, opt_kwargs = optimizer_and_kwargs(self.optimizer if optimizer is None else optimizer,
                                                   self.weight_decay)
        net_kwargs.update({f"module__{k}": v for k, v in (module_kwargs or {}).items()})
        net_kwargs.update({f"criterion__{k}": v for k, v in (criterion_kwargs or {}).items()})
        net_kwargs.update({f"optimizer__{k}": v for k, v in opt_kwargs.items()})
        callbacks = list(callbacks) + self._callbacks()
        train_split = None
        if validation_fraction:
            from skorch.callbacks import EarlyStopping

            train_split = TensorValidSplit(validation_fraction, seed=seed)
            callbacks.append(("early_stopping", EarlyStopping(monitor=monitor, patience=int(n_iter_no_change),
                                                              threshold=0, load_best=True)))
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
            iterator_train__drop_last=False,
            iterator_valid=TensorBatchIterator,
            **net_kwargs,
        )
        return net

    def _train(self, net, X, y=None, *, epochs=None, before_training=None):
        """Initialise ``net``, train it ``epochs`` passes (default its ``max_epochs``) on X; store it as ``net_``.

        ``y`` is an optional per-row tensor handed to the criterion (neighbour
        indices, row ids). ``before_training(net, dataset)`` runs after the
        initialisation and before the first epoch (e.g. DeepSVDD's centre). A
        callback may end training early by raising ``KeyboardInterrupt``
        (skorch stops cleanly); an epoch cut short that way is dropped from
        the history. Sets ``net_``, ``n_iter_``, ``loss_curve_`` and
        ``validation_loss_curve_`` (a hold-out run) or removes a stale one.
        """
        seed = net.iterator_train__seed
        dataset = TensorDataset(as_float32_tensor(X), y)
        with torch_rng(self.device_, seed):
            net.initialize()
            net.iterator_train__drop_last = self._drop_last(net, len(dataset))
            with torch_threads(threads_for(net.module_, self.batch_size, self.device_)):
                if before_training is not None:
                    before_training(net, dataset)
                net.partial_fit(dataset, None, epochs=epochs)
        if "accelerator" in net.__dict__:
            strip_accelerator(net, type(net).__bases__[1])  # (AccelerateMixin, net_class)
        self._record_history(net)
        if net.train_split is not None:
            self.validation_loss_curve_ = [float(row["valid_loss"]) for row in net.history]
        else:
            self.__dict__.pop("validation_loss_curve_", None)
        return net

    def _continue_net(self, X, y=None):
        """One more pass of ``net_`` over ``X``, keeping weights and optimizer state.

        The shuffling and any sampling are seeded from ``random_state`` and the
        number of passes already run, so the same sequence of calls gives the
        same model.
        """
        net = self.net_
        seed = (self._seed() + 7919 * (self.n_iter_ + 1)) % np.iinfo(np.int32).max
        # plain attributes: skorch's set_params would treat these as module parameters
        net.iterator_train__drop_last = self._drop_last(net, len(X))
        net.iterator_train__seed = seed
        with torch_rng(self.device_, seed), torch_threads(threads_for(net.module_, self.batch_size, self.device_)):
            net.partial_fit(TensorDataset(as_float32_tensor(X), y), None, epochs=1)
        self._record_history(net)
        return net

    def _record_history(self, net):
        while len(net.history) and "train_loss" not in net.history[-1]:
            net.history.pop()  # an epoch cut short by a callback's early stop
        self.net_ = net
        self.n_iter_ = len(net.history)
        self.loss_curve_ = [float(row["train_loss"]) for row in net.history]

    def _drop_last(self, net, n_rows):
        """Whether the last, smaller batch of each epoch is dropped (the one drop-last rule).

        A module with BatchNorm cannot train on a batch of one row, so a last
        batch of one row is dropped; ``_drop_partial_batch`` drops every partial
        last batch. One batch holding all rows is never dropped; a module with
        BatchNorm and fewer than two rows per batch is refused here, naming the
        setting to change.
        """
        bs = int(self.batch_size)
        batch_norm = has_batch_norm(net.module_)
        if batch_norm and min(bs, n_rows) < 2:
            what = f"n_samples={n_rows}" if n_rows < 2 else f"batch_size={bs}"
            raise ValueError(
                f"{type(self).__name__}'s network has BatchNorm layers, which need at least 2 rows per "
                f"training batch; got {what}. Use batch_size >= 2 and at least 2 training rows."
            )
        if n_rows <= bs:
            return False
        if self._drop_partial_batch:
            return n_rows % bs != 0
        return batch_norm and n_rows % bs == 1

    # ------------------------------------------------------------------ inference
    def _forward(self, fn, X, *, numpy=True):
        """``fn(module, x_batch) -> tensor`` over X in eval mode; each row's output depends on that row only.

        Rows are processed in chunks of ``max(batch_size, 1024)``, each
        zero-padded to that size (see :func:`forward_in_batches`): a call with
        a few rows costs one chunk.
        """
        module = self.net_.module_
        batch_size = max(int(self.batch_size), INFERENCE_BATCH_ROWS)
        with torch_threads(threads_for(module, batch_size, self.device_)):
            return forward_in_batches(module, X, fn, device=self.device_, batch_size=batch_size, numpy=numpy)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        # Nets and tensors as arrays and plain data (see _portable): no nested torch
        # pickle, so that skops.io can persist the model and check every type it loads.
        return estimator_state_to_plain(super().__getstate__())

    def __setstate__(self, state):
        # A model fitted on CUDA and loaded on a CPU-only machine is loaded on the CPU.
        device = state.get("device_")
        if device is not None and device.startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(f"{type(self).__name__} was saved on {device!r} and CUDA is not available here: "
                          "it is loaded on the CPU.", DeviceWarning, stacklevel=2)
            state["device_"] = device = "cpu"
        super().__setstate__(estimator_state_from_plain(state, device or "cpu"))
