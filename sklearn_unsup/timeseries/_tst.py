"""TST: a transformer encoder of (multivariate) time series pre-trained by masked-value imputation."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._nn._tst import GeometricMaskIterator, MaskedMSELoss, TSTNet
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions, check_is_fitted
from ._validation import SeriesInputMixin, check_series, input_ndim

__all__ = ["TSTEncoder"]

#: Series time steps processed by a fit with ``max_epochs="auto"`` (about a minute on two CPU cores).
_AUTO_STEP_BUDGET = 2e6

#: Attention scores held at once by an inference chunk (float32 entries): bounds memory for long series.
_ATTENTION_BUDGET = 2**25


class TSTEncoder(
    ClassNamePrefixFeaturesOutMixin, SeriesInputMixin, TransformerMixin, TorchPartialFitMixin, BaseTorchEstimator
):
    """Transformer encoder of time series, pre-trained without labels by imputing masked values (TST).

    Each time step (a vector of ``n_channels`` values) is embedded linearly,
    a positional encoding is added and ``n_layers`` transformer layers with
    BatchNorm (instead of LayerNorm) and GELU follow; a linear layer maps
    every step back to the channels. Training hides, in every channel
    independently, runs of values of geometric length (mean
    ``mean_mask_length``) covering a share ``masking_ratio`` of the values,
    sets them to 0, and minimises the mean squared error of the
    reconstruction on the hidden values only. :meth:`transform` pools the
    final-layer embeddings into one vector per series; :meth:`impute` fills
    missing values with the reconstruction, the task the network was trained
    on.

    Input: 3-d ``(n_series, n_channels, n_timepoints)`` or 2-d
    ``(n_series, n_timepoints)`` (univariate). Every channel is standardised
    with the training series' mean and standard deviation. Shorter series are
    NaN-padded at the end: the trailing steps where every channel is NaN are
    padding, left out of the attention, the loss and the pooling. Other NaN
    (missing values) are refused by ``fit`` and ``transform`` and filled by
    :meth:`impute`.

    Parameters
    ----------
    pooling : {"mean", "max", "flatten"}, default="mean"
        Output of :meth:`transform`: the mean or maximum of the final-layer
        embeddings over the series' time steps (``d_model`` values), or all of
        them flattened (``n_timepoints * d_model`` values, padding steps 0),
        as in the paper's classifier.
    d_model : int, default=64
        Width of the embeddings.
    n_heads : int, default=8
        Attention heads; must divide ``d_model``.
    n_layers : int, default=3
        Transformer layers.
    dim_feedforward : int, default=256
        Width of each layer's feed-forward block.
    dropout : float in [0, 1), default=0.1
        Dropout in the layers, after the positional encoding and before the output layer (training only).
    pos_encoding : {"fixed", "learnable"}, default="fixed"
        The sinusoidal positional encoding, or a learned table (the paper's
        choice). Within the CPU budget of ``max_epochs="auto"`` a learned table,
        started near zero, barely trains: the network then cannot tell
        neighbouring steps apart, and imputes worse.
    masked_input : {"zero", "interpolate"}, default="zero"
        How a hidden value enters the network. ``"zero"``: as 0 (the paper).
        ``"interpolate"`` (an adaptation for ``impute``): as the linear
        interpolation of its channel's visible values, beside a 0/1
        hidden-value indicator per channel, and the network learns a
        correction to that interpolation. It imputes better (below linear
        interpolation and KNNImputer on 5 of the 6 benchmark sets, where
        ``"zero"`` is on 1) but its codes are not better for
        classification or clustering (see the benchmark page): keep
        ``"zero"`` for ``transform``, use ``"interpolate"`` for ``impute``.
    masking_ratio : float in (0, 1), default=0.15
        Expected share of the values hidden in each training series.
    mean_mask_length : float >= 1, default=3.0
        Mean length of a hidden run. ``mean_mask_length * (1 - masking_ratio)
        / masking_ratio``, the mean visible run, must be at least 1.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"``: a compute budget, as many
        passes (1 to 400, the paper's count) as make about ``2e6`` series time
        steps, ``n_series * n_timepoints * (1 + n_timepoints / 400)`` per pass
        (the last factor for the attention's quadratic cost): about a minute on
        two CPU cores at the default network size, e.g. 200 passes over 80
        series of 100 steps, 9 over 5,000 series of 40 steps.
    batch_size : int, default=64
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
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
        The fitted skorch net; ``net_.module_`` is the transformer.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training loss (squared error on the hidden values, standardised units) of each epoch.
    effective_rank_ : float
        Collapse diagnostic: the entropy-based effective rank (Roy & Vetterli)
        of the centred codes of the training series with the ``pooling`` set
        at fit, as :attr:`CPCEncoder.effective_rank_`. After
        :meth:`partial_fit`, that of the last block.
    channel_mean_ : ndarray of shape (`n_channels_`,)
        Mean of each channel over the training series' observed values.
    channel_scale_ : ndarray of shape (`n_channels_`,)
        Standard deviation of each channel (1 for a constant channel).
    n_channels_ : int
        Channels of the training series (1 for 2-d input).
    n_timepoints_ : int
        Time steps of the (padded) training series; new series must have as many.
    n_features_in_ : int
        ``n_channels_ * n_timepoints_``: the width of a flattened series.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X is a DataFrame with string column names.

    See Also
    --------
    sklearn_unsup.timeseries.make_windows : Cut one long series into windows to encode.
    sklearn.decomposition.PCA : The linear baseline on flattened series.

    Notes
    -----
    Architecture and pre-training follow the authors' code: the input
    projection is scaled by ``sqrt(d_model)``, masked values are 0 in
    standardised units, and the loss counts only hidden, observed values.
    The paper trains for 400 epochs whatever the data size; ``max_epochs="auto"``
    caps the cost instead (per-epoch times in ``benchmarks/results/timeseries.md``).

    References
    ----------
    .. [1] G. Zerveas, S. Jayaraman, D. Patel, A. Bhamidipaty and C. Eickhoff,
       "A Transformer-based Framework for Multivariate Time Series
       Representation Learning", KDD 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.timeseries import TSTEncoder
    >>> t = np.linspace(0, 6, 40)
    >>> X = np.sin(t + np.random.RandomState(0).uniform(0, 3, (100, 2, 1)))  # 100 series, 2 channels
    >>> enc = TSTEncoder(d_model=16, n_heads=2, n_layers=1, max_epochs=3, random_state=0).fit(X)
    >>> enc.transform(X).shape
    (100, 16)
    >>> X_missing = X.copy()
    >>> X_missing[0, 1, 5:8] = np.nan
    >>> np.isnan(enc.impute(X_missing)).any()
    np.False_
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "pooling": [StrOptions({"mean", "max", "flatten"})],
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pos_encoding": [StrOptions({"learnable", "fixed"})],
        "masked_input": [StrOptions({"zero", "interpolate"})],
        "masking_ratio": [Interval(Real, 0, 1, closed="neither")],
        "mean_mask_length": [Interval(Real, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(
        self,
        pooling="mean",
        *,
        d_model=64,
        n_heads=8,
        n_layers=3,
        dim_feedforward=256,
        dropout=0.1,
        pos_encoding="fixed",
        masked_input="zero",
        masking_ratio=0.15,
        mean_mask_length=3.0,
        max_epochs="auto",
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.pooling = pooling
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.pos_encoding = pos_encoding
        self.masked_input = masked_input
        self.masking_ratio = masking_ratio
        self.mean_mask_length = mean_mask_length
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ input
    _overflow_reason = "the float32 attention scores of such a series leave float32's range"

    # ------------------------------------------------------------------ training
    def _fit(self, X, *, first_block):
        if self.d_model % self.n_heads:
            raise ValueError(f"n_heads={self.n_heads} must divide d_model={self.d_model}.")
        if self.mean_mask_length * (1 - self.masking_ratio) / self.masking_ratio < 1:
            raise ValueError(
                f"masking_ratio={self.masking_ratio} with mean_mask_length={self.mean_mask_length} asks for visible "
                "runs shorter than one step on average: lower masking_ratio or raise mean_mask_length."
            )
        X = self._validate_fit_data(X)
        self._fit_channel_scaling(X)
        net = self._build_net(
            module=TSTNet,
            module_kwargs=dict(n_channels=self.n_channels_, n_timepoints=self.n_timepoints_, d_model=self.d_model,
                               n_heads=self.n_heads, n_layers=self.n_layers, dim_feedforward=self.dim_feedforward,
                               dropout=self.dropout, pos_encoding=self.pos_encoding,
                               masked_input=self.masked_input),
            criterion=MaskedMSELoss,
            iterator=GeometricMaskIterator,
            max_epochs=self._n_epochs(len(X)),
        )
        # plain attributes, routed by skorch to the training iterator
        net.iterator_train__masking_ratio = float(self.masking_ratio)
        net.iterator_train__mean_mask_length = float(self.mean_mask_length)
        rows = self._standardize(X)
        self._train(net, rows, epochs=1 if first_block else None)
        self._record_effective_rank(rows)
        return self

    def _n_epochs(self, n_series):
        if self.max_epochs != "auto":
            return int(self.max_epochs)
        cost = n_series * self.n_timepoints_ * (1.0 + self.n_timepoints_ / 400.0)
        return int(np.clip(round(_AUTO_STEP_BUDGET / cost), 1, 400))

    # ------------------------------------------------------------------ inference
    def _forward(self, fn, X, *, numpy=True):
        # rows per chunk fixed by the fitted length (each row's output still depends on that row only)
        from .._torch import forward_in_batches

        rows = int(np.clip(_ATTENTION_BUDGET // (self.n_heads * self.n_timepoints_**2), 1, 1024))
        return forward_in_batches(self.net_.module_, X, fn, device=self.device_, batch_size=rows, numpy=numpy)

    @property
    def _n_features_out(self):
        # the output width depends on ``pooling``, which may change after fit
        if not hasattr(self, "net_"):
            raise AttributeError("_n_features_out")
        return self.d_model * (self.n_timepoints_ if self.pooling == "flatten" else 1)

    def transform(self, X):
        """Pooled final-layer embeddings of each series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_channels, n_timepoints) or (n_series, n_timepoints)
            Series of the fitted shape; shorter ones NaN-padded at the end.

        Returns
        -------
        codes : ndarray of shape (n_series, d_model) or (n_series, n_timepoints * d_model)
            ``n_timepoints * d_model`` columns with ``pooling="flatten"``; in
            the float dtype of the validated input.
        """
        X = self._validate_predict_data(X)
        return self._codes(self._standardize(X)).astype(X.dtype, copy=False)

    def _codes(self, rows):
        pooling = self.pooling
        return self._forward(lambda m, xb: m.pool(xb, pooling), rows)

    def impute(self, X):
        """Fill the missing (NaN) values of X with the network's reconstruction.

        Padding (the trailing steps where every channel is NaN) stays NaN;
        every other NaN is replaced, as the masked values are in training.
        Observed values are returned unchanged.

        Parameters
        ----------
        X : array-like of shape (n_series, n_channels, n_timepoints) or (n_series, n_timepoints)
            Series of the fitted shape with missing values as NaN.

        Returns
        -------
        X_filled : ndarray of the shape of X
            In the float dtype of the validated input.
        """
        check_is_fitted(self)
        ndim = input_ndim(X)
        X, lengths = check_series(self, X, reset=False, allow_missing=True)
        rec = self._forward(lambda m, xb: m(xb), self._standardize(X)).astype(np.float64)
        rec = rec * self.channel_scale_[:, None] + self.channel_mean_[:, None]
        fill = np.isnan(X) & (np.arange(X.shape[2]) < lengths[:, None, None])
        out = np.where(fill, rec, X).astype(X.dtype, copy=False)
        return out if ndim == 3 else out[:, 0, :]
