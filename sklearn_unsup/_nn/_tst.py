"""Time-series transformer encoder, geometric masks and masked MSE (TST, Zerveas et al., KDD 2021).

Series travel as float32 tensors of shape (batch, n_channels, n_timepoints) in
standardised units. NaN marks a value that is not there: end padding of a
shorter series (the steps after the last one with an observed channel are
padding keys for the attention) or, in ``impute``, a missing value (also when
every channel of a step is missing). Unobserved and masked values
enter the network as 0 (the paper), or as the linear interpolation of their
channel's visible values with a missing-value indicator per channel
(``masked_input="interpolate"``).
"""

import math

import torch
from torch import nn

from ._data import TensorBatchIterator

__all__ = ["GeometricMaskIterator", "MaskedMSELoss", "TSTNet", "geometric_keep_mask", "interpolate_hidden"]


def geometric_keep_mask(shape, masking_ratio, mean_mask_length, generator=None):
    """Boolean keep-mask (True = visible) of masked runs with geometric lengths, drawn per channel.

    Each (series, channel) row of ``shape = (n, n_channels, n_timepoints)`` is a
    two-state Markov chain along time: a masked run ends with probability
    ``1 / mean_mask_length`` at each step, a visible run with probability
    ``masking_ratio / ((1 - masking_ratio) * mean_mask_length)``, so masked runs
    have mean length ``mean_mask_length``, visible runs mean length
    ``mean_mask_length * (1 - masking_ratio) / masking_ratio``, and a share
    ``masking_ratio`` of the values is masked on average. The first state is
    masked with probability ``masking_ratio`` (the stationary distribution).
    Channels are masked independently (the paper's "separate" mode).
    """
    n, n_channels, n_timepoints = shape
    p_stop_masked = 1.0 / mean_mask_length
    p_stop_visible = p_stop_masked * masking_ratio / (1.0 - masking_ratio)
    draws = torch.rand((n_timepoints + 1, n, n_channels), generator=generator)
    visible = draws[0] >= masking_ratio
    keep = torch.empty(shape, dtype=torch.bool)
    for t in range(n_timepoints):
        keep[:, :, t] = visible
        switch = draws[t + 1] < torch.where(visible, p_stop_visible, p_stop_masked)
        visible = visible ^ switch
    return keep


def interpolate_hidden(x, visible):
    """Each value not visible replaced by the linear interpolation of its channel's visible neighbours.

    ``x`` and ``visible`` have shape (batch, n_channels, n_timepoints). Before
    the first (after the last) visible value of a channel the first (last)
    visible value is repeated; a channel with no visible value is 0. Visible
    values are returned unchanged.
    """
    n_timepoints = x.shape[2]
    steps = torch.arange(n_timepoints, device=x.device).expand_as(x)
    before = torch.cummax(torch.where(visible, steps, -1), dim=2).values
    after = torch.where(visible, steps, n_timepoints).flip(2).cummin(dim=2).values.flip(2)
    seen = torch.where(visible, x, 0.0)
    left = torch.gather(seen, 2, before.clamp_min(0))
    right = torch.gather(seen, 2, after.clamp_max(n_timepoints - 1))
    has_left, has_right = before >= 0, after < n_timepoints
    share = (steps - before).to(x.dtype) / (after - before).clamp_min(1).to(x.dtype)
    filled = torch.where(has_left & has_right, left + share * (right - left),
                         torch.where(has_left, left, torch.where(has_right, right, 0.0)))
    return torch.where(visible, x, filled)


class GeometricMaskIterator(TensorBatchIterator):
    """Batches ``((x, keep), None)``: each batch with fresh geometric masks (see :func:`geometric_keep_mask`).

    The masks are drawn with the iterator's private generator, re-seeded each
    epoch, so training is reproducible and leaves torch's global random state
    alone.

    Parameters
    ----------
    dataset, batch_size, shuffle, seed, drop_last
        As :class:`~sklearn_unsup._nn.TensorBatchIterator`.
    masking_ratio : float in (0, 1), default=0.15
        Expected share of masked values.
    mean_mask_length : float >= 1, default=3.0
        Mean length of a masked run.
    """

    def __init__(self, dataset, batch_size, shuffle=False, seed=0, drop_last=False, masking_ratio=0.15,
                 mean_mask_length=3.0):
        super().__init__(dataset, batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)
        self.masking_ratio = float(masking_ratio)
        self.mean_mask_length = float(mean_mask_length)

    def __iter__(self):
        for xb, _ in super().__iter__():
            keep = geometric_keep_mask(tuple(xb.shape), self.masking_ratio, self.mean_mask_length, self.generator)
            yield (xb, keep), None


class MaskedMSELoss(nn.Module):
    """Mean squared error over the masked, observed values only.

    ``forward(pred, (x, keep))``: the mean of ``(pred - x) ** 2`` over the
    entries with ``keep`` False and ``x`` not NaN (padding and missing values
    never count). A batch without such an entry gives 0.
    """

    def forward(self, pred, inputs):
        x, keep = inputs
        target = ~keep & ~torch.isnan(x)
        diff = torch.where(target, pred - torch.nan_to_num(x), 0.0)
        return (diff**2).sum() / target.sum().clamp_min(1)


class _BatchNormEncoderLayer(nn.Module):
    """Self-attention and feed-forward blocks, each residual and followed by BatchNorm over (batch, time).

    Dropout acts on the blocks' outputs, not on the attention weights: dropping
    attention weights forces the unfused attention path, about ten times
    slower on a CPU for series of a few hundred steps.
    """

    def __init__(self, d_model, n_heads, dim_feedforward, dropout):
        super().__init__()
        self.attention = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.feedforward = nn.Sequential(
            nn.Linear(d_model, dim_feedforward), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim_feedforward, d_model)
        )
        self.norm_attention = nn.BatchNorm1d(d_model)
        self.norm_feedforward = nn.BatchNorm1d(d_model)
        self.dropout_attention = nn.Dropout(dropout)
        self.dropout_feedforward = nn.Dropout(dropout)

    @staticmethod
    def _norm(norm, h):
        return norm(h.transpose(1, 2)).transpose(1, 2)

    def forward(self, h, padding):
        attended = self.attention(h, h, h, key_padding_mask=padding, need_weights=False)[0]
        h = self._norm(self.norm_attention, h + self.dropout_attention(attended))
        return self._norm(self.norm_feedforward, h + self.dropout_feedforward(self.feedforward(h)))


def _sinusoidal(n_timepoints, d_model):
    position = torch.arange(n_timepoints, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(n_timepoints, d_model)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq)[:, : d_model // 2]
    return table


class TSTNet(nn.Module):
    """The TST encoder: per-step linear embedding, positional encoding, BatchNorm transformer layers.

    ``forward(x)`` or ``forward((x, keep))`` with ``x`` of shape (batch,
    n_channels, n_timepoints) returns the reconstruction of every value, same
    shape; values that are NaN or not kept enter as 0. :meth:`pool` returns a
    fixed-size vector per series from the final-layer embeddings (after GELU).

    Parameters
    ----------
    n_channels, n_timepoints : int
        Input shape of one series.
    d_model, n_heads, n_layers, dim_feedforward : int
        Width, attention heads, layers and feed-forward width of the transformer.
    dropout : float
        Dropout in the layers, after the positional encoding and before the output layer.
    pos_encoding : {"learnable", "fixed"}
        A learned table (initialised uniform on [-0.02, 0.02]) or the sinusoidal one.
    masked_input : {"zero", "interpolate"}
        How a hidden value enters: as 0 (the paper), or as the linear
        interpolation of its channel's visible values (:func:`interpolate_hidden`)
        beside a 0/1 hidden-value indicator per channel; the output is then a
        correction added to the interpolation.
    """

    def __init__(self, n_channels, n_timepoints, d_model=64, n_heads=8, n_layers=3, dim_feedforward=256, dropout=0.1,
                 pos_encoding="learnable", masked_input="zero"):
        super().__init__()
        self.d_model = d_model
        self.masked_input = masked_input
        self.embed = nn.Linear(n_channels * (2 if masked_input == "interpolate" else 1), d_model)
        if pos_encoding == "learnable":
            self.position = nn.Parameter(torch.empty(n_timepoints, d_model).uniform_(-0.02, 0.02))
        else:
            self.register_buffer("position", _sinusoidal(n_timepoints, d_model))
        self.dropout_input = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            _BatchNormEncoderLayer(d_model, n_heads, dim_feedforward, dropout) for _ in range(n_layers)
        )
        self.activation = nn.GELU()
        self.dropout_output = nn.Dropout(dropout)
        self.output = nn.Linear(d_model, n_channels)

    def _hidden(self, x, keep=None):
        observed = ~torch.isnan(x)
        # (batch, n_timepoints): the steps after the last one with an observed channel (end padding); a step
        # inside the series with every channel missing is a value to impute, not padding
        steps = torch.arange(1, x.shape[2] + 1, device=x.device)
        length = (observed.any(dim=1) * steps).amax(dim=1, keepdim=True)
        padding = steps > length
        visible = observed if keep is None else observed & keep
        if self.masked_input == "interpolate":
            base = interpolate_hidden(torch.nan_to_num(x), visible).masked_fill(padding[:, None, :], 0.0)
            hidden = (~visible).masked_fill(padding[:, None, :], False).to(x.dtype)
            inputs = torch.cat([base, hidden], dim=1)
        else:
            base = None
            inputs = torch.where(visible, x, 0.0)
        h = self.embed(inputs.transpose(1, 2)) * math.sqrt(self.d_model)
        h = self.dropout_input(h + self.position)
        key_padding = padding if bool(padding.any()) else None
        for layer in self.layers:
            h = layer(h, key_padding)
        return self.activation(h), padding, base

    def forward(self, inputs):
        x, keep = inputs if isinstance(inputs, (tuple, list)) else (inputs, None)
        h, _, base = self._hidden(x, keep)
        out = self.output(self.dropout_output(h)).transpose(1, 2)
        return out if base is None else base + out

    def pool(self, x, pooling):
        """Mean or max over the observed steps, or the flattened (n_timepoints * d_model) embeddings."""
        h, padding, _ = self._hidden(x)
        if pooling == "flatten":
            return h.masked_fill(padding[:, :, None], 0.0).flatten(1)
        if pooling == "max":
            return h.masked_fill(padding[:, :, None], -torch.inf).amax(dim=1)
        h = h.masked_fill(padding[:, :, None], 0.0)
        return h.sum(dim=1) / (~padding).sum(dim=1, keepdim=True).clamp_min(1)
