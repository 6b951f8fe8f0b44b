"""Encoder + projector twins and the Barlow Twins loss (TLDR, contrastive encoders)."""

import torch
from torch import nn

from ._augment import AUGMENTATIONS
from ._mlp import make_mlp

__all__ = [
    "AugmentedTwin",
    "BarlowTwinsLoss",
    "TwinEncoder",
    "TwinLoss",
    "barlow_twins_loss",
    "nt_xent_loss",
    "vicreg_loss",
]


class TwinEncoder(nn.Module):
    """Encoder (linear or MLP) followed by a projector MLP with BatchNorm (no affine) outputs.

    ``forward((xa, xb))`` returns the two projections; ``encode(x)`` the
    representation kept after training.
    """

    def __init__(self, n_features, n_components, hidden_dims=(), projector_dims=(2048, 2048),
                 activation="relu"):
        super().__init__()
        self.encoder = make_mlp(n_features, tuple(hidden_dims), n_components, activation=activation,
                                batch_norm=bool(hidden_dims))
        projector_dims = tuple(projector_dims)
        layers = []
        width = n_components
        for i, h in enumerate(projector_dims):
            layers.append(nn.Linear(width, h, bias=False))
            if i < len(projector_dims) - 1:
                layers += [nn.BatchNorm1d(h), nn.ReLU()]
            width = h
        self.projector = nn.Sequential(*layers)
        self.bn_out = nn.BatchNorm1d(width, affine=False)

    def encode(self, x, layer=0):
        """The encoder's output (``layer=0``) or that of the first projector block (``layer=1``: Linear,
        BatchNorm, ReLU), SimCLRv2's representation."""
        z = self.encoder(x)
        return self.projector[:3](z) if layer == 1 else z

    def project(self, x):
        return self.bn_out(self.projector(self.encoder(x)))

    def forward(self, pair):
        xa, xb = pair
        return self.project(xa), self.project(xb)


def barlow_twins_loss(za, zb, redundancy_weight=3.9e-3, scale=1.0 / 32):
    """Barlow Twins: ``sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2`` times ``scale``.

    ``za``, ``zb`` are batch-normalised projections (batch, dim); ``C`` is their
    cross-correlation over the batch.
    """
    c = za.T @ zb / za.shape[0]
    diag = torch.diagonal(c)
    on = (diag - 1).pow(2).sum()
    off = c.pow(2).sum() - diag.pow(2).sum()
    return scale * (on + redundancy_weight * off)


class BarlowTwinsLoss(nn.Module):
    """Criterion wrapper of :func:`barlow_twins_loss` for skorch (``y_pred = (za, zb)``)."""

    def __init__(self, redundancy_weight=3.9e-3, scale=1.0 / 32):
        super().__init__()
        self.redundancy_weight = redundancy_weight
        self.scale = scale

    def forward(self, y_pred, X):
        za, zb = y_pred
        return barlow_twins_loss(za, zb, self.redundancy_weight, self.scale)


def vicreg_loss(za, zb, invariance=25.0, variance=25.0, covariance=1.0):
    """VICReg: MSE between views + hinge on each dimension's std (to 1) + off-diagonal covariance."""
    inv = torch.nn.functional.mse_loss(za, zb)
    var = 0.0
    cov = 0.0
    for z in (za, zb):
        z = z - z.mean(0)
        std = torch.sqrt(z.var(0) + 1e-4)
        var = var + torch.relu(1 - std).mean()
        c = z.T @ z / max(z.shape[0] - 1, 1)
        off = c.pow(2).sum() - torch.diagonal(c).pow(2).sum()
        cov = cov + off / z.shape[1]
    return invariance * inv + variance * var + covariance * cov


def nt_xent_loss(za, zb, temperature=0.5):
    """SimCLR's normalised-temperature cross-entropy: each view must find its twin among 2B - 1."""
    z = torch.nn.functional.normalize(torch.cat([za, zb]), dim=1)
    sim = z @ z.T / temperature
    n = za.shape[0]
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return torch.nn.functional.cross_entropy(sim, targets)


class AugmentedTwin(TwinEncoder):
    """Two augmented views of each row (training), encoder + projector on both.

    ``augment`` names one of :data:`~sklearn_unsup._nn.AUGMENTATIONS`; in eval mode
    no augmentation is applied.
    """

    def __init__(self, n_features, n_components, hidden_dims=(256,), projector_dims=(256, 256),
                 activation="relu", augment="scarf", rate=0.6, scale=0.1):
        super().__init__(n_features, n_components, hidden_dims, projector_dims, activation)
        self.augment = augment
        self.rate = rate
        self.scale = scale

    def forward(self, x):
        fn = AUGMENTATIONS[self.augment]
        if self.training:
            xa, xb = fn(x, rate=self.rate, scale=self.scale), fn(x, rate=self.rate, scale=self.scale)
        else:
            xa, xb = x, x
        return self.project(xa), self.project(xb)


class TwinLoss(nn.Module):
    """Self-supervised loss on two projections: ``"barlow_twins"``, ``"vicreg"`` or ``"simclr"``."""

    def __init__(self, loss="barlow_twins", redundancy_weight=3.9e-3, temperature=0.5):
        super().__init__()
        self.loss = loss
        self.redundancy_weight = redundancy_weight
        self.temperature = temperature

    def forward(self, y_pred, X):
        za, zb = y_pred
        if self.loss == "vicreg":
            return vicreg_loss(za, zb)
        if self.loss == "simclr":
            return nt_xent_loss(za, zb, self.temperature)
        return barlow_twins_loss(za, zb, self.redundancy_weight)
