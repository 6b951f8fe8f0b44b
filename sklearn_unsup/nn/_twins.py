"""Encoder + projector twins and the Barlow Twins loss (TLDR, contrastive encoders)."""

import torch
from torch import nn

from ._mlp import make_mlp

__all__ = ["TwinEncoder", "BarlowTwinsLoss", "barlow_twins_loss"]


class TwinEncoder(nn.Module):
    """Encoder (linear or MLP) followed by a projector MLP with BatchNorm (no affine) outputs.

    ``forward((xa, xb))`` returns the two projections; ``encode(x)`` the
    representation kept after training.
    """

    def __init__(self, n_features, n_components, encoder_hidden_dims=(), projector_dims=(2048, 2048),
                 activation="relu"):
        super().__init__()
        self.encoder = make_mlp(n_features, tuple(encoder_hidden_dims), n_components, activation=activation,
                                batch_norm=bool(encoder_hidden_dims))
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

    def encode(self, x):
        return self.encoder(x)

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
