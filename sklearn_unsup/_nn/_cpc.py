"""Contrastive Predictive Coding for time series: causal conv encoder, GRU context, InfoNCE (van den Oord et al.).

Series travel as float32 tensors of shape (batch, n_channels, n_timepoints) in
standardised units. NaN marks end padding of a shorter series (the trailing
steps where every channel is NaN); it enters the network as 0. The encoder's
convolutions are causal (padded on the left only) and the GRU runs forward in
time, so frame ``f`` (input steps up to ``f * total_stride``) and its context
never see a later step: the frames of a series' padding are marked invalid and
no prediction, target or negative uses them.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["CPCNet", "InfoNCELoss", "info_nce_loss"]


def kernel_size(stride):
    """Kernel of a conv layer with ``stride``: twice the stride (as the paper's 10/5, 8/4, 4/2), 3 for stride 1."""
    return 2 * stride if stride > 1 else 3


def n_frames(n_timepoints, strides):
    """Frames the causal encoder makes of ``n_timepoints`` steps: ``ceil(n_timepoints / prod(strides))``."""
    for s in strides:
        n_timepoints = (n_timepoints - 1) // s + 1
    return n_timepoints


def info_nce_loss(z, predictions, valid):
    """InfoNCE over future frames with in-batch negatives, averaged over the prediction steps k.

    For each step ``k`` and each reference frame ``t`` of series ``i``, the
    score of candidate series ``j`` is ``z[j, t + k] . predictions[i, t, k - 1]``
    (the bilinear ``z_{t+k}^T W_k c_t``); the loss term is the cross-entropy of
    picking ``j = i`` among the series whose frame ``t + k`` is valid. Terms
    whose target frame is invalid (padding) are left out; each ``k`` contributes
    the mean of its terms, and the loss is the mean over the ``k`` with at least
    one term (0 when there is none).

    Parameters
    ----------
    z : tensor of shape (batch, n_frames, encoder_dim)
        Encoded frames.
    predictions : tensor of shape (batch, n_frames, n_steps, encoder_dim)
        ``W_k c_t`` for every frame ``t`` and step ``k = 1..n_steps``.
    valid : bool tensor of shape (batch, n_frames)
        Frames inside the series (not padding).
    """
    n, n_f, n_steps, _ = predictions.shape
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    losses = []
    for k in range(1, min(n_steps, n_f - 1) + 1):
        target = valid[:, k:].T  # (n_f - k, batch): frame t + k of series j is observed
        if not bool(target.any()):
            continue
        scores = torch.einsum("itd,jtd->tij", predictions[:, : n_f - k, k - 1], z[:, k:])
        # a padded frame is never a negative; the diagonal stays so that every row has a finite entry
        scores = scores.masked_fill(~(target[:, None, :] | eye), -torch.inf)
        log_p = torch.diagonal(torch.log_softmax(scores, dim=-1), dim1=1, dim2=2)  # (n_f - k, batch)
        losses.append(-torch.where(target, log_p, 0.0).sum() / target.sum())
    if not losses:
        return predictions.sum() * 0.0  # no (t, k) pair: a zero loss that keeps the graph
    return torch.stack(losses).mean()


class InfoNCELoss(nn.Module):
    """``forward((z, predictions, valid), x)``: :func:`info_nce_loss` of the network's output; ``x`` is unused."""

    def forward(self, outputs, x=None):
        return info_nce_loss(*outputs)


class CPCNet(nn.Module):
    """The CPC network: causal strided conv encoder ``g_enc``, GRU ``g_ar`` and one linear map per future step.

    ``forward(x)`` with ``x`` of shape (batch, n_channels, n_timepoints)
    returns ``(z, predictions, valid)`` for :func:`info_nce_loss`. Each conv
    layer (kernel :func:`kernel_size` of its stride) is followed by a
    LayerNorm over the channels of each frame and ReLU; :meth:`pool` returns
    the context ``c_t`` of the last valid frame or the mean over valid frames.

    Parameters
    ----------
    n_channels : int
        Channels of a series.
    strides : tuple of int
        Stride of each conv layer (their product is the frame length).
    encoder_dim : int
        Width of the frames ``z_t`` (conv channels).
    n_components : int
        Width of the context ``c_t`` (GRU hidden size).
    n_prediction_steps : int
        Future frames ``K`` predicted from each context.
    """

    def __init__(self, n_channels, strides=(1, 1, 1), encoder_dim=64, n_components=64, n_prediction_steps=4):
        super().__init__()
        self.strides = tuple(int(s) for s in strides)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        width = n_channels
        for s in self.strides:
            self.convs.append(nn.Conv1d(width, encoder_dim, kernel_size(s), stride=s))
            self.norms.append(nn.LayerNorm(encoder_dim))
            width = encoder_dim
        self.gru = nn.GRU(encoder_dim, n_components, batch_first=True)
        self.n_prediction_steps = int(n_prediction_steps)
        self.encoder_dim = int(encoder_dim)
        # K bilinear maps W_k (n_components -> encoder_dim), held as one linear layer
        self.predict = nn.Linear(n_components, self.n_prediction_steps * encoder_dim)

    def _frames(self, x):
        observed = ~torch.isnan(x).all(dim=1)  # (batch, n_timepoints): a step with an observed channel
        lengths = observed.sum(dim=1)
        h = torch.nan_to_num(x, nan=0.0)
        for conv, norm in zip(self.convs, self.norms):
            h = conv(F.pad(h, (conv.kernel_size[0] - 1, 0)))  # causal: pad on the left only
            h = torch.relu(norm(h.transpose(1, 2))).transpose(1, 2)
        z = h.transpose(1, 2)  # (batch, n_frames, encoder_dim)
        total = 1
        for s in self.strides:
            total *= s
        # frame f reads input steps up to f * total: valid while that step is inside the series
        valid = torch.arange(z.shape[1], device=x.device)[None, :] * total < lengths[:, None]
        return z, valid

    def context(self, x):
        """Encoded frames ``z``, contexts ``c`` (batch, n_frames, n_components) and the frames' validity."""
        z, valid = self._frames(x)
        c, _ = self.gru(z)
        return z, c, valid

    def forward(self, x):
        z, c, valid = self.context(x)
        predictions = self.predict(c).unflatten(-1, (self.n_prediction_steps, self.encoder_dim))
        return z, predictions, valid

    def pool(self, x, pooling):
        """The context of each series' last valid frame (``"last"``) or the mean over its valid frames."""
        _, c, valid = self.context(x)
        n_valid = valid.sum(dim=1)
        if pooling == "last":
            return c[torch.arange(len(c), device=c.device), (n_valid - 1).clamp_min(0)]
        return torch.where(valid[:, :, None], c, 0.0).sum(dim=1) / n_valid.clamp_min(1)[:, None]
