"""Noise-conditional score network and its denoising score-matching objective (MSMA)."""

import torch
from torch import nn

from ._mlp import make_mlp

__all__ = ["NoiseConditionalScoreNet"]


class NoiseConditionalScoreNet(nn.Module):
    """``s(x, sigma) ~ grad_x log p_sigma(x)`` for a fixed ladder of noise levels.

    An MLP reads the row and ``log sigma`` and its output is divided by
    ``sigma`` (the scale of the true score of a sigma-smoothed density), so
    one network covers all levels while the norms at different levels stay
    distinct features (a purely rescaled unconditional net would make them
    proportional).

    In training mode :meth:`forward` draws a noise level per row, perturbs
    the row, and returns the per-row denoising score-matching loss with
    Song & Ermon's ``sigma^2`` weighting, ``|sigma * s(x + sigma z, sigma) + z|^2 / 2``;
    the estimator's criterion averages it.
    """

    def __init__(self, n_features, sigmas, hidden_dims=(256, 256), activation="silu"):
        super().__init__()
        self.register_buffer("sigmas", torch.as_tensor(sigmas, dtype=torch.float32))
        self.mlp = make_mlp(n_features + 1, tuple(hidden_dims), n_features, activation=activation)

    def score(self, x, sigma):
        """Score estimate at noise level(s) ``sigma`` (shape (n, 1) or scalar)."""
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).expand(x.shape[0], 1)
        return self.mlp(torch.cat([x, torch.log(sigma)], dim=1)) / sigma

    def forward(self, x):
        level = torch.randint(len(self.sigmas), (x.shape[0],), device=x.device)
        sigma = self.sigmas[level][:, None]
        z = torch.randn_like(x)
        return 0.5 * (sigma * self.score(x + sigma * z, sigma) + z).pow(2).sum(dim=1)

    def score_norms(self, x):
        """L2 norm of the score at every level, on the clean rows: shape (n, n_levels)."""
        return torch.stack([self.score(x, s).norm(dim=1) for s in self.sigmas], dim=1)
