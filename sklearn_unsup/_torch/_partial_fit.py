"""``partial_fit`` for the torch estimators, with its hooks declared as documented no-ops."""

from ..utils._sklearn_compat import _fit_context

__all__ = ["TorchPartialFitMixin"]


class TorchPartialFitMixin:
    """``partial_fit``: one pass of optimisation over the given rows (mixin, not public).

    For the torch estimators whose training is one network and one loss over
    independent rows. The first call is ``_fit(X, partial=True)``: the network,
    the scaling and any data-dependent initialisation come from that first block,
    and the main stage trains one epoch with no validation hold-out. Every later
    call validates the block, then runs the hooks below in order, each a no-op
    (or the plain continuation) unless the estimator overrides it, as skorch's
    ``Callback`` methods. ``fit`` restarts from scratch; ``partial_fit`` after
    ``fit`` continues the fitted model.
    """

    @_fit_context(prefer_skip_nested_validation=True)
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
            self._fit(X, first_block=True)
            return self
        X = self._validate_predict_data(X)
        self._check_training_rows(X)
        rows = self._training_rows(X)
        self._continue_training(rows)
        self._after_partial_fit(rows)
        return self

    # ------------------------------------------------------------------ hooks
    def _check_training_rows(self, X):
        """Input checks that ``fit`` also applies (e.g. X in [0, 1] for a Bernoulli likelihood). No-op."""

    def _training_rows(self, X):
        """The rows the network trains on, from validated X (e.g. the fitted scaling). Identity."""
        return X

    def _continue_training(self, X):
        """One more epoch on the block: ``_continue_net(X)``; override around it (e.g. refresh targets)."""
        self._continue_net(X)

    def _after_partial_fit(self, X):
        """After the epoch, e.g. a detector's threshold from the block's scores. No-op."""
