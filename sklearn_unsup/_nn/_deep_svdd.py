"""Deep SVDD network: a bias-free MLP whose output is compared with a fixed centre."""

import torch
from torch import nn

from ._mlp import make_mlp

__all__ = ["DeepSVDDNet", "MeanLoss"]


class DeepSVDDNet(nn.Module):
    """``forward(x) = |phi(x) - c|^2`` per row, with ``phi`` an MLP without bias terms.

    No biases and no bounded activations, as Ruff et al. require, so a
    constant map to ``c`` (hypersphere collapse) is not available to the
    network. The centre ``c`` is a buffer set once from the initial network's
    mean output (see :meth:`set_center`).
    """

    def __init__(self, n_features, n_components, hidden_dims, activation="leaky_relu"):
        super().__init__()
        self.phi = make_mlp(n_features, tuple(hidden_dims), n_components, activation=activation, bias=False)
        self.register_buffer("center", torch.zeros(n_components))

    @torch.no_grad()
    def set_center(self, X, eps=0.1, batch_size=4096):
        """c = mean of phi over X; coordinates closer to 0 than eps are pushed to +-eps."""
        outs = [self.phi(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
        c = torch.cat(outs).mean(0)
        c[(c.abs() < eps) & (c < 0)] = -eps
        c[(c.abs() < eps) & (c >= 0)] = eps
        self.center.copy_(c)

    def forward(self, x):
        return (self.phi(x) - self.center).pow(2).sum(-1)


class MeanLoss(nn.Module):
    """Mean of the module's per-row output (the one-class Deep SVDD objective)."""

    def forward(self, y_pred, X):
        return y_pred.mean()
