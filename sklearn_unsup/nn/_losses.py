"""Losses of the unsupervised nets (criteria receive ``(y_pred, X)``)."""

import torch.nn.functional as F
from torch import nn

__all__ = ["ReconstructionLoss"]


class ReconstructionLoss(nn.Module):
    """Mean reconstruction loss of an autoencoder.

    Parameters
    ----------
    kind : {"mse", "bce"}, default="mse"
        ``"mse"``: squared error (Gaussian likelihood); ``"bce"``: binary
        cross-entropy on logits (Bernoulli likelihood, for data in [0, 1]).
    """

    def __init__(self, kind="mse"):
        super().__init__()
        self.kind = kind

    def forward(self, y_pred, X):
        recon = y_pred[0] if isinstance(y_pred, tuple) else y_pred
        if self.kind == "bce":
            return F.binary_cross_entropy_with_logits(recon, X)
        return F.mse_loss(recon, X)
