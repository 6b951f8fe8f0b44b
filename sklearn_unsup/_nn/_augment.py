"""Tabular augmentations (the image augmentations of SimCLR/SCAN/SwAV, adapted to tables).

Each takes a float batch ``x`` (batch, features) and returns a new view; random
numbers come from torch's generator, which the estimators fork and seed.
"""

import torch

__all__ = ["AUGMENTATIONS", "feature_mask", "gaussian_noise", "marginal_shift", "scarf_corruption"]


def scarf_corruption(x, rate=0.6, scale=None):
    """SCARF: replace a random ``rate`` of each row's features with the same
    feature of another random row of the batch (a draw from its empirical marginal)."""
    n = x.shape[0]
    mask = torch.rand_like(x) < rate
    donors = x[torch.randint(n, x.shape, device=x.device), torch.arange(x.shape[1], device=x.device)]
    return torch.where(mask, donors, x)


def gaussian_noise(x, rate=None, scale=0.1):
    """Add ``N(0, scale^2)`` noise (for standardised features)."""
    return x + scale * torch.randn_like(x)


def feature_mask(x, rate=0.2, scale=None):
    """Zero a random ``rate`` of the features of each row."""
    return x * (torch.rand_like(x) >= rate).to(x.dtype)


def marginal_shift(x, rate=0.5, scale=2.0):
    """A synthetic covariate shift of the batch: one random monotone transform per feature, shared by all
    rows, on a random ``rate`` of the (standardised) features: ``y = x * exp(a) + b``, then
    ``y + t * tanh(y)``, with ``a ~ U(-g/2, g/2)``, ``b ~ U(-g, g)``, ``t ~ U(-g/2, g)`` per feature and the
    strength ``g ~ U(0, scale)`` drawn once per batch."""
    d = x.shape[1]
    g = scale * torch.rand(1, device=x.device)
    on = (torch.rand(d, device=x.device) < rate).to(x.dtype)
    a = (torch.rand(d, device=x.device) - 0.5) * g
    b = (2 * torch.rand(d, device=x.device) - 1) * g
    t = (1.5 * torch.rand(d, device=x.device) - 0.5) * g
    y = x * torch.exp(a) + b
    y = y + t * torch.tanh(y)
    return on * y + (1 - on) * x


AUGMENTATIONS = {"scarf": scarf_corruption, "gaussian": gaussian_noise, "mask": feature_mask}
