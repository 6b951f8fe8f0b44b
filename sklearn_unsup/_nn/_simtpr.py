"""Next-frame prediction across two views plus Barlow decorrelation: SimTPR's objective (Lee et al., ICML 2023).

The network is :class:`~sklearn_unsup._nn._cpc.CPCNet`'s causal conv encoder and
GRU with a projection on the frames and a predictor in place of the InfoNCE
maps. Each training batch is seen as two random views (jitter, per-channel
scaling, masked time steps; end padding kept as NaN); the context of frame
``t`` in one view predicts the (projected) frame ``t + 1`` of the other view,
which is a stop-gradient target from the same encoder (no moving average).
A small Barlow Twins term on the L2-normalised frames of the two views
decorrelates the embedding dimensions. Frames of padding are left out of both
terms.
"""

import torch
from torch import nn
from torch.nn import functional as F

from ._cpc import CPCNet
from ._twins import barlow_twins_loss

__all__ = [
    "FrameNorm",
    "PredictiveDecorrelationLoss",
    "PredictiveDecorrelationNet",
    "consistency_loss",
    "decorrelation_loss",
    "predictive_decorrelation_loss",
    "series_views",
]

#: Standard deviation of the additive jitter and of the per-series, per-channel scale factor (standardised units).
JITTER, SCALING = 0.1, 0.1
#: Share of the time steps whose values (every channel) are set to 0, the channel mean, in a view.
MASK_RATE = 0.1


def series_views(x):
    """A random view of a batch of standardised series: jitter, per-channel scaling and masked time steps.

    ``x`` is (batch, n_channels, n_timepoints) with NaN end padding; the view
    keeps NaN exactly where ``x`` has it, so it has the same padding. Random
    numbers come from torch's global generator (forked and seeded by the
    estimator).
    """
    pad = torch.isnan(x)
    h = torch.nan_to_num(x, nan=0.0)
    n, c, t = h.shape
    scale = 1.0 + SCALING * torch.randn(n, c, 1, device=x.device, dtype=h.dtype)
    keep = (torch.rand(n, 1, t, device=x.device) >= MASK_RATE).to(h.dtype)
    view = (h * scale + JITTER * torch.randn_like(h)) * keep
    return view.masked_fill(pad, torch.nan)


def consistency_loss(prediction, target):
    """``2 - 2 cos(prediction, stopgrad(target))`` per row, averaged; no gradient reaches ``target``."""
    return (2.0 - 2.0 * F.cosine_similarity(prediction, target.detach(), dim=-1)).mean()


def _standardize(z):
    z = F.normalize(z, dim=-1)
    return (z - z.mean(0)) / z.std(0).clamp_min(1e-6)


def decorrelation_loss(z1, z2, redundancy_weight=0.005):
    """Barlow Twins on two views' frames (rows): ``sum_i (1 - C_ii)^2 + w sum_{i != j} C_ij^2``.

    Each row is L2-normalised, each column then standardised over the rows
    (unbiased standard deviation, floored at 1e-6); ``C = z1^T z2 / n_rows``.
    """
    return barlow_twins_loss(_standardize(z1), _standardize(z2), redundancy_weight, scale=1.0)


def predictive_decorrelation_loss(p1, p2, t1, t2, reg_lambda=0.01, redundancy_weight=0.005):
    """Symmetrised next-frame consistency plus ``reg_lambda`` times the decorrelation term.

    ``p1`` (``p2``): predictions from view 1 (2) of the frames ``t2`` (``t1``)
    of the other view, one row per (series, frame) pair whose next frame is
    inside the series. Returns ``0.5 (cons(p1, t2) + cons(p2, t1)) +
    reg_lambda * decorrelation_loss(t1, t2)``; 0 (with a graph) when there are
    fewer than two rows.
    """
    if len(t1) < 2:
        return (t1.sum() + t2.sum()) * 0.0
    cons = 0.5 * (consistency_loss(p1, t2) + consistency_loss(p2, t1))
    if reg_lambda == 0:
        return cons
    return cons + reg_lambda * decorrelation_loss(t1, t2, redundancy_weight)


class PredictiveDecorrelationLoss(nn.Module):
    """``forward((p1, p2, t1, t2), x)``: :func:`predictive_decorrelation_loss`; ``x`` is unused."""

    def __init__(self, reg_lambda=0.01, redundancy_weight=0.005):
        super().__init__()
        self.reg_lambda = float(reg_lambda)
        self.redundancy_weight = float(redundancy_weight)

    def forward(self, outputs, x=None):
        return predictive_decorrelation_loss(*outputs, reg_lambda=self.reg_lambda,
                                             redundancy_weight=self.redundancy_weight)


class FrameNorm(nn.Module):
    """Standardise each feature over the valid frames of a batch (BatchNorm without affine, padding left out).

    ``forward(z, valid)`` with ``z`` (batch, n_frames, dim): in training mode
    the valid frames' mean and (biased) variance standardise them and update
    running estimates (momentum 0.1, as BatchNorm); in eval mode, and in
    training with fewer than two valid frames, the running estimates are used,
    so a series' output depends on that series only. Invalid frames are 0.
    """

    def __init__(self, dim, momentum=0.1, eps=1e-5):
        super().__init__()
        self.momentum, self.eps = float(momentum), float(eps)
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, z, valid):
        rows = z[valid]
        if self.training and len(rows) > 1:
            mean, var = rows.mean(0), rows.var(0, unbiased=False)
            with torch.no_grad():
                n = len(rows)
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var * n / (n - 1), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        return torch.zeros_like(z).masked_scatter(valid[..., None], (rows - mean) / torch.sqrt(var + self.eps))


class PredictiveDecorrelationNet(CPCNet):
    """CPC's causal conv encoder and GRU, with a frame projection and a next-frame predictor.

    Frames ``z_t`` are the conv frames through a projection (Linear, ReLU,
    Linear, then :class:`FrameNorm`: without that standardisation the frames
    collapse to a shared offset that makes every cosine 1); the GRU reads them; the predictor (Linear, LayerNorm, ReLU,
    Linear; the reference code's BatchNorm would mix the frames of a batch's
    series and its padding) maps the context ``c_t`` to a prediction of ``z_{t+1}``. In
    training mode ``forward(x)`` encodes two :func:`series_views` of ``x`` and
    returns ``(p1, p2, t1, t2)`` over the (series, frame) pairs whose next
    frame is valid; in eval mode both views are ``x``. :meth:`pool` (from
    :class:`CPCNet`) pools the contexts.
    """

    def __init__(self, n_channels, strides=(1, 1, 1), encoder_dim=64, n_components=64):
        super().__init__(n_channels, strides, encoder_dim, n_components, n_prediction_steps=1)
        self.project = nn.Sequential(nn.Linear(encoder_dim, encoder_dim, bias=False), nn.ReLU(),
                                     nn.Linear(encoder_dim, encoder_dim))
        self.frame_norm = FrameNorm(encoder_dim)
        self.predict = nn.Sequential(nn.Linear(n_components, n_components, bias=False),
                                     nn.LayerNorm(n_components), nn.ReLU(), nn.Linear(n_components, encoder_dim))

    def context(self, x):
        h, valid = self._frames(x)
        z = self.frame_norm(self.project(h), valid)
        c, _ = self.gru(z)
        return z, c, valid

    def forward(self, x):
        views = (series_views(x), series_views(x)) if self.training else (x, x)
        (z1, c1, valid), (z2, c2, _) = (self.context(v) for v in views)
        pairs = valid[:, 1:]  # frame t + 1 is inside the series (then so is t)
        t1, t2 = z1[:, 1:][pairs], z2[:, 1:][pairs]
        p1, p2 = self.predict(c1[:, :-1][pairs]), self.predict(c2[:, :-1][pairs])
        return p1, p2, t1, t2
