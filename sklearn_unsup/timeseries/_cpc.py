"""CPC: a causal conv + GRU encoder of (multivariate) time series trained by contrastive predictive coding,
or by SimTPR's next-step prediction across two views with feature decorrelation."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._nn._cpc import CPCNet, InfoNCELoss, n_frames
from .._nn._simtpr import PredictiveDecorrelationLoss, PredictiveDecorrelationNet
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ._validation import SeriesInputMixin

__all__ = ["CPCEncoder"]

#: Series time steps processed by a fit with ``max_epochs="auto"`` (20-90 s on two CPU cores).
_AUTO_STEP_BUDGET = 2e6

#: Frames aimed at by ``strides="auto"``: the largest total stride (1, 2, 4 or 8) leaving at least this many.
_AUTO_MIN_FRAMES = 32


class CPCEncoder(
    ClassNamePrefixFeaturesOutMixin, SeriesInputMixin, TransformerMixin, TorchPartialFitMixin, BaseTorchEstimator
):
    """Causal conv + GRU encoder of time series, trained without labels by contrastive predictive coding (CPC).

    A stack of strided 1-d convolutions ``g_enc`` maps each series to frames
    ``z_t``; a GRU ``g_ar`` summarises ``z_1..z_t`` into a context ``c_t``.
    For each future step ``k = 1..K`` a linear map ``W_k`` scores
    ``z_{t+k}^T W_k c_t``, and training minimises InfoNCE: the cross-entropy
    of picking the series' own future frame ``z_{t+k}`` among the frames
    ``z_{t+k}`` of the other series of the batch at the same step (in-batch
    negatives), averaged over ``k``. :meth:`transform` returns the context
    ``c_t`` of the last frame (the paper's representation) or its mean over
    the frames.

    ``objective="predictive_decorrelation"`` trains the same encoder and GRU
    with the objective of SimTPR [2]_ instead: each batch is seen as two
    random views (Gaussian jitter of standard deviation 0.1, a per-series,
    per-channel scale factor ``1 + 0.1 N(0, 1)``, and 10 % of the time steps
    set to 0 in every channel); the frames pass through a projection
    (Linear, ReLU, Linear, then each feature standardised over the batch's
    frames, as a BatchNorm without affine that leaves padding out) before
    the GRU, and a predictor (Linear,
    LayerNorm, ReLU, Linear) maps the context ``c_t`` of one view to the
    projected frame ``z_{t+1}`` of the other. The loss is the symmetrised
    ``2 - 2 cos(prediction, stopgrad(target))``, the target coming from the
    same encoder without gradient (no moving average), plus ``reg_lambda``
    times a Barlow Twins term on the L2-normalised frames ``z_{t+1}`` of the
    two views (off-diagonal weight 0.005), which decorrelates the embedding
    dimensions against dimensional collapse (``effective_rank_``).

    Input: 3-d ``(n_series, n_channels, n_timepoints)`` or 2-d
    ``(n_series, n_timepoints)`` (univariate). Every channel is standardised
    with the training series' mean and standard deviation. Shorter series are
    NaN-padded at the end: the trailing steps where every channel is NaN are
    padding. The convolutions are causal and the GRU runs forward, so a
    frame never reads a later step; frames of padding are left out of the
    loss (as targets and as negatives) and of the pooling, and padding never
    changes a series' code. Other NaN (missing values) are refused; fill them
    first, e.g. with :meth:`TSTEncoder.impute`.

    Parameters
    ----------
    n_components : int, default=64
        Width of the context ``c_t`` (GRU hidden size) and of the codes.
    encoder_dim : int, default=64
        Width of the frames ``z_t`` (channels of every conv layer).
    strides : "auto" or tuple of int, default="auto"
        Stride of each conv layer (kernel: twice the stride, 3 for stride 1);
        the product is the number of time steps per frame. ``"auto"``: three
        layers with total stride 1, 2, 4 or 8, the largest that leaves at
        least 32 frames (e.g. 1 for 40 steps, 2 for 100, 4 for 250, 8 for
        500).
    n_prediction_steps : int or "auto", default="auto"
        Future frames ``K`` predicted from each context; fewer than the
        number of frames. ``"auto"``: a quarter of the frames, between 1 and
        12 (the paper's ``K``). ``objective="predictive_decorrelation"``
        predicts the next frame only (``K = 1``) and ignores it.
    pooling : {"last", "mean"}, default="mean"
        Output of :meth:`transform`: the context of the series' last frame or
        the mean of its contexts over the frames. Mean pooling probed better
        on most sets of ``benchmarks/results/timeseries.md``.
    objective : {"infonce", "predictive_decorrelation"}, default="infonce"
        Training objective: CPC's InfoNCE over the next ``K`` frames with
        in-batch negatives, or SimTPR's next-frame prediction across two
        views plus ``reg_lambda`` times Barlow decorrelation (see above).
    reg_lambda : float >= 0, default=0.01
        Weight of the decorrelation term of
        ``objective="predictive_decorrelation"`` (the reference code's
        ``reg_lmbda``); 0 turns it off. Unused by ``"infonce"``.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"``: as many passes (1 to 200)
        as make about ``2e6`` series time steps, ``n_series * n_timepoints`` per
        pass: 20 seconds to 1.5 minutes on two CPU cores at the default
        network size (more with stride 1, where every step is a frame of the
        GRU), e.g. 200 passes over 80 series of 100 steps, 10 over 5,000
        series of 40 steps. The same for ``objective="predictive_decorrelation"``,
        whose epoch (two views, no ``K`` scores) costs 0.65-1 times InfoNCE's
        on the benchmark sets.
    batch_size : int, default=64
        Rows per optimisation step. The other series of a batch are the
        negatives, so larger batches make a harder task.
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
        The fitted skorch net; ``net_.module_`` is the encoder, GRU and prediction maps.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch: InfoNCE in nats (``log(batch_size)``
        is chance), or consistency (0 to 4) plus ``reg_lambda`` times Barlow.
    strides_ : tuple of int
        Stride of each conv layer.
    n_prediction_steps_ : int
        Future frames ``K`` predicted (1 for ``"predictive_decorrelation"``).
    effective_rank_ : float
        Collapse diagnostic: the entropy-based effective rank (Roy & Vetterli)
        of the centred codes of the training series, ``exp`` of the Shannon
        entropy of their normalised singular values, with the ``pooling`` set
        at fit; from 1 (codes along one direction) to ``n_components``, 0 for
        constant codes. SimTPR logs instead the number of singular values above
        a threshold. After :meth:`partial_fit`, that of the last block.
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
    sklearn_unsup.timeseries.TSTEncoder : Transformer encoder pre-trained by masked-value imputation.
    sklearn_unsup.timeseries.make_windows : Cut one long series into windows to encode.

    Notes
    -----
    Adapted to short series (tens to hundreds of steps, where the paper
    encodes 20,480 audio samples with a total stride of 160): stride-1/2
    causal convolutions, ``K`` at most a quarter of the frames, and the loss
    averaged over every reference frame ``t`` of the batch instead of one
    random ``t`` per batch as in the reference code, since a short series has
    few ``(t, k)`` pairs. A LayerNorm over each frame's channels replaces the
    reference code's BatchNorm, whose batch statistics would mix padding
    frames into the valid ones. Adam with ``lr=1e-3`` (the paper's ``2e-4``
    is for far longer training). The predictive-decorrelation objective keeps
    these optimiser defaults (the SimTPR code: AdamW, ``lr=3e-4``, gradient
    norm clipped at 0.5, 10 epochs of far more data).

    References
    ----------
    .. [1] A. van den Oord, Y. Li and O. Vinyals, "Representation Learning with
       Contrastive Predictive Coding", arXiv:1807.03748, 2018.
    .. [2] H. Lee, K. Lee, D. Hwang, H. Lee, B. Lee and J. Choo, "On the
       Importance of Feature Decorrelation for Unsupervised Representation
       Learning in Reinforcement Learning", ICML 2023. The paper encodes
       windows of Atari frames with image augmentations (random shift,
       intensity) and a causal transformer; the views by jitter, scaling and
       masking and the GRU are this package's adaptation to time series, and
       the action-prediction term of demonstration data is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.timeseries import CPCEncoder
    >>> t = np.linspace(0, 6, 40)
    >>> X = np.sin(t + np.random.RandomState(0).uniform(0, 3, (100, 2, 1)))  # 100 series, 2 channels
    >>> enc = CPCEncoder(n_components=16, encoder_dim=16, max_epochs=3, random_state=0).fit(X)
    >>> enc.transform(X).shape
    (100, 16)
    >>> enc.strides_, enc.n_prediction_steps_
    ((1, 1, 1), 10)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "encoder_dim": [Interval(Integral, 1, None, closed="left")],
        "strides": ["array-like", StrOptions({"auto"})],
        "n_prediction_steps": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "pooling": [StrOptions({"last", "mean"})],
        "objective": [StrOptions({"infonce", "predictive_decorrelation"})],
        "reg_lambda": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components=64,
        *,
        encoder_dim=64,
        strides="auto",
        n_prediction_steps="auto",
        pooling="mean",
        objective="infonce",
        reg_lambda=0.01,
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
        self.n_components = n_components
        self.encoder_dim = encoder_dim
        self.strides = strides
        self.n_prediction_steps = n_prediction_steps
        self.pooling = pooling
        self.objective = objective
        self.reg_lambda = reg_lambda
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
    _overflow_reason = "the float32 squares of the encoder's LayerNorms would overflow"

    def _resolve_strides(self):
        if isinstance(self.strides, str):
            n_halvings = int(np.clip(np.floor(np.log2(max(self.n_timepoints_, 1) / _AUTO_MIN_FRAMES)), 0, 3))
            return tuple([2] * n_halvings + [1] * (3 - n_halvings))
        strides = np.asarray(self.strides)
        if strides.ndim != 1 or strides.size == 0 or strides.dtype.kind not in "iu" or (strides < 1).any():
            raise ValueError(f"strides must be 'auto' or a non-empty sequence of integers >= 1; got {self.strides!r}.")
        return tuple(int(s) for s in strides)

    def _resolve_steps(self, frames):
        if self.objective == "predictive_decorrelation":
            return 1
        if self.n_prediction_steps == "auto":
            return int(np.clip(frames // 4, 1, 12))
        if self.n_prediction_steps >= frames:
            raise ValueError(
                f"n_prediction_steps={self.n_prediction_steps} must be fewer than the {frames} frames that strides="
                f"{self.strides_} make of {self.n_timepoints_} time steps: lower n_prediction_steps or the strides."
            )
        return int(self.n_prediction_steps)

    # ------------------------------------------------------------------ training
    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        self.strides_ = self._resolve_strides()
        self.n_prediction_steps_ = self._resolve_steps(n_frames(self.n_timepoints_, self.strides_))
        self._fit_channel_scaling(X)
        module_kwargs = dict(n_channels=self.n_channels_, strides=self.strides_, encoder_dim=self.encoder_dim,
                             n_components=self.n_components)
        if self.objective == "infonce":
            module, criterion, criterion_kwargs = CPCNet, InfoNCELoss, {}
            module_kwargs["n_prediction_steps"] = self.n_prediction_steps_
        else:
            module, criterion = PredictiveDecorrelationNet, PredictiveDecorrelationLoss
            criterion_kwargs = dict(reg_lambda=float(self.reg_lambda))
        net = self._build_net(module=module, module_kwargs=module_kwargs, criterion=criterion,
                              criterion_kwargs=criterion_kwargs, max_epochs=self._n_epochs(len(X)))
        rows = self._standardize(X)
        self._train(net, rows, epochs=1 if first_block else None)
        self._record_effective_rank(rows)
        return self

    def _n_epochs(self, n_series):
        if self.max_epochs != "auto":
            return int(self.max_epochs)
        return int(np.clip(round(_AUTO_STEP_BUDGET / (n_series * self.n_timepoints_)), 1, 200))

    # ------------------------------------------------------------------ inference
    @property
    def _n_features_out(self):
        if not hasattr(self, "net_"):
            raise AttributeError("_n_features_out")
        return self.n_components

    def transform(self, X):
        """Pooled contexts ``c_t`` of each series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_channels, n_timepoints) or (n_series, n_timepoints)
            Series of the fitted shape; shorter ones NaN-padded at the end.

        Returns
        -------
        codes : ndarray of shape (n_series, n_components)
            The context of the last frame (``pooling="last"``) or the mean
            over the frames; in the float dtype of the validated input.
        """
        X = self._validate_predict_data(X)
        return self._codes(self._standardize(X)).astype(X.dtype, copy=False)

    def _codes(self, rows):
        pooling = self.pooling
        return self._forward(lambda m, xb: m.pool(xb, pooling), rows)
