"""Real NVP: affine coupling flow for tabular densities."""

import math

import torch
from torch import nn

from ._mlp import make_mlp

__all__ = ["RealNVPFlow", "FlowNLLLoss"]

_LOG_2PI = math.log(2 * math.pi)


def coupling_masks(n_features, n_coupling_layers):
    """Masks cycling through even/odd and first-half/second-half features.

    Alternating within each pair guarantees every feature is transformed; the
    half splits mix features that the parity split never puts together.
    """
    idx = torch.arange(n_features)
    patterns = [idx % 2 == 0, idx % 2 == 1, idx < n_features // 2, idx >= n_features // 2]
    return torch.stack([patterns[i % 4] for i in range(n_coupling_layers)]).float()


class AffineCoupling(nn.Module):
    """``y = m*x + (1-m)*(x*exp(s(m*x)) + t(m*x))`` with ``s = scale * tanh(raw)``."""

    def __init__(self, n_features, hidden_dims, activation="relu"):
        super().__init__()
        self.net = make_mlp(n_features, hidden_dims, 2 * n_features, activation=activation)
        nn.init.zeros_(self.net[-1].weight)  # start as the identity map
        nn.init.zeros_(self.net[-1].bias)
        self.scale = nn.Parameter(torch.ones(n_features))

    def _st(self, x_masked, mask):
        s_raw, t = self.net(x_masked).chunk(2, dim=-1)
        s = self.scale * torch.tanh(s_raw) * (1 - mask)
        return s, t * (1 - mask)

    def forward(self, x, mask):
        s, t = self._st(x * mask, mask)
        return x * torch.exp(s) + t, s.sum(-1)

    def inverse(self, y, mask):
        s, t = self._st(y * mask, mask)
        return (y - t) * torch.exp(-s)


class RealNVPFlow(nn.Module):
    """Standardisation, then ``n_coupling_layers`` affine couplings; base density N(0, I).

    ``forward(x)`` returns ``(z, log_det, base_log_prob)`` where
    ``log p(x) = base_log_prob(z) + log_det``.
    ``loc``/``log_std`` are buffers set from the training data (an exact affine
    layer with its log-determinant). With ``dequantize`` the training rows get
    uniform [0, 1) noise (integer data); evaluation uses the cell midpoint.
    With ``defensive_weight = w > 0``, ``log_prob`` is the log-density of the
    mixture ``(1 - w) p_flow + w N(loc, diag(std^2))`` (a defensive component
    that bounds how low the density of a row far from the training rows can
    fall); ``forward`` and the training loss are the flow's alone.
    """

    def __init__(self, n_features, n_coupling_layers, hidden_dims, activation="relu", dequantize=False,
                 loc=None, log_std=None, base_weights=None, base_means=None, base_prec_chol=None,
                 defensive_weight=0.0):
        super().__init__()
        self.defensive_weight = float(defensive_weight)
        # base density: N(0, I), or a fixed Gaussian mixture (FlowGMM-style) given by
        # weights (K,), means (K, d) and precision Cholesky factors (K, d, d)
        self.register_buffer(
            "base_log_weights",
            torch.zeros(0) if base_weights is None else torch.as_tensor(base_weights).float().log(),
        )
        self.register_buffer(
            "base_means", torch.zeros(0, n_features) if base_means is None else torch.as_tensor(base_means).float()
        )
        self.register_buffer(
            "base_prec_chol",
            torch.zeros(0, n_features, n_features)
            if base_prec_chol is None else torch.as_tensor(base_prec_chol).float(),
        )
        self.register_buffer("loc", torch.zeros(n_features) if loc is None else torch.as_tensor(loc).float())
        self.register_buffer(
            "log_std", torch.zeros(n_features) if log_std is None else torch.as_tensor(log_std).float()
        )
        self.register_buffer("masks", coupling_masks(n_features, n_coupling_layers))
        self.dequantize = dequantize
        self.layers = nn.ModuleList(
            AffineCoupling(n_features, hidden_dims, activation) for _ in range(n_coupling_layers)
        )

    def forward(self, x):
        if self.dequantize:
            x = x + (torch.rand_like(x) if self.training else 0.5)
        z = (x - self.loc) * torch.exp(-self.log_std)
        log_det = -self.log_std.sum().expand(x.shape[0])
        for layer, mask in zip(self.layers, self.masks):
            z, ld = layer(z, mask)
            log_det = log_det + ld
        return z, log_det, self.base_log_prob

    def base_log_prob(self, z):
        """Log-density of the base distribution at z (per row)."""
        if self.base_means.shape[0] == 0:
            return (-0.5 * z.pow(2) - 0.5 * _LOG_2PI).sum(-1)
        d = z.shape[-1]
        # y_k = (z - mu_k) P_k with P_k the precision Cholesky factor (as in scikit-learn)
        y = torch.einsum("nd,kde->nke", z, self.base_prec_chol) - torch.einsum(
            "kd,kde->ke", self.base_means, self.base_prec_chol
        )
        log_det = torch.log(torch.diagonal(self.base_prec_chol, dim1=-2, dim2=-1)).sum(-1)
        comp = -0.5 * y.pow(2).sum(-1) + log_det - 0.5 * d * _LOG_2PI + self.base_log_weights
        return torch.logsumexp(comp, dim=-1)

    def log_prob(self, x):
        z, log_det, _ = self.forward(x)
        log_p = self.base_log_prob(z) + log_det
        w = getattr(self, "defensive_weight", 0.0)
        if w <= 0:
            return log_p
        if self.dequantize:
            x = x + 0.5
        z0 = (x - self.loc) * torch.exp(-self.log_std)
        log_q = (-0.5 * z0.pow(2) - 0.5 * _LOG_2PI).sum(-1) - self.log_std.sum()
        return torch.logaddexp(log_p + math.log1p(-w), log_q + math.log(w))

    def inverse(self, z):
        for layer, mask in zip(reversed(self.layers), reversed(self.masks)):
            z = layer.inverse(z, mask)
        x = z * torch.exp(self.log_std) + self.loc
        return x - 0.5 if self.dequantize else x


class FlowNLLLoss(nn.Module):
    """Mean negative log-likelihood of a flow: ``-(log p_base(z) + log_det)``.

    ``y_pred = (z, log_det, base_log_prob)`` where the last item is the flow's
    ``base_log_prob`` method (so the criterion follows the flow's base).
    """

    def forward(self, y_pred, X):
        z, log_det, base_log_prob = y_pred
        return -(base_log_prob(z) + log_det).mean()
