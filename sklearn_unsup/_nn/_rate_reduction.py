"""Rate-reduction clustering (CPP / MLC): the two-head network, the batch Sinkhorn membership and the MCR² loss.

The network maps a row to two L2-normalised codes: ``Z`` (the subspace
features) and ``C`` (the cluster features). A batch's membership ``Pi`` is a
doubly stochastic matrix from the kernel ``exp(|C Cᵀ| / eta)`` (row ``i`` is
the soft "cluster" of row ``i``); the loss expands the coding rate of the
whole batch of ``Z`` and compresses the rate of each soft cluster.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._augment import AUGMENTATIONS

__all__ = ["RateReductionLoss", "RateReductionNet", "coding_rate", "membership_coding_rate", "sinkhorn_membership"]


class RateReductionNet(nn.Module):
    """MLP trunk (BatchNorm after the first layer, ReLU after every layer) and two L2-normalised linear heads.

    ``forward(x)`` returns ``(Z, C)``; in training mode ``x`` first goes
    through the tabular augmentation ``augment`` (none by default).
    """

    def __init__(self, n_features, hidden_dims=(512, 512), n_components=64, augment="none", rate=0.2, scale=0.1):
        super().__init__()
        hidden_dims = tuple(hidden_dims)
        layers = [nn.Linear(n_features, hidden_dims[0]), nn.BatchNorm1d(hidden_dims[0]), nn.ReLU()]
        for a, b in zip(hidden_dims[:-1], hidden_dims[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.trunk = nn.Sequential(*layers)
        self.subspace = nn.Linear(hidden_dims[-1], n_components)
        self.cluster = nn.Linear(hidden_dims[-1], n_components)
        self.augment = augment
        self.rate = rate
        self.scale = scale

    def encode(self, x):
        """The L2-normalised subspace features ``Z``."""
        return F.normalize(self.subspace(self.trunk(x)), dim=1)

    def forward(self, x):
        if self.training and self.augment not in (None, "none"):
            x = AUGMENTATIONS[self.augment](x, rate=self.rate, scale=self.scale)
        h = self.trunk(x)
        return F.normalize(self.subspace(h), dim=1), F.normalize(self.cluster(h), dim=1)

    def copy_subspace_to_cluster(self):
        """MLC's one-shot initialisation: the cluster head starts as a copy of the subspace head."""
        with torch.no_grad():
            self.cluster.weight.copy_(self.subspace.weight)
            self.cluster.bias.copy_(self.subspace.bias)


def sinkhorn_membership(C, eta=0.175, n_iter=5):
    """``n · Sinkhorn(|C Cᵀ|)``: a doubly stochastic membership (rows and columns sum to ~1), log domain.

    Uniform marginals; the potentials are updated alternately (rows first),
    ``n_iter`` half-steps in all, so an odd count ends on exact row sums. As in
    the authors' code the column potential carries no gradient.
    """
    n = C.shape[0]
    K = (C @ C.T).abs() / eta
    log_marginal = -torch.log(torch.tensor(float(n), dtype=C.dtype, device=C.device))
    f = torch.zeros(n, dtype=C.dtype, device=C.device)
    g = torch.zeros_like(f)
    for it in range(int(n_iter)):
        if it % 2 == 0:
            f = log_marginal - torch.logsumexp(K + g[None, :], dim=1)
        else:
            g = (log_marginal - torch.logsumexp(K + f[:, None], dim=0)).detach()
    return torch.exp(K + f[:, None] + g[None, :]) * n


def coding_rate(Z, eps):
    """``½ logdet(I + d/(n eps) ZᵀZ)`` of the rows of ``Z`` (n, d): the total coding rate."""
    n, d = Z.shape
    gram = Z.T @ Z
    eye = torch.eye(d, dtype=Z.dtype, device=Z.device)
    return 0.5 * torch.linalg.slogdet(eye + (d / (n * eps)) * gram)[1]


def membership_coding_rate(Z, Pi, eps):
    """``Σ_i (trΠ_i / 2n) logdet(I + d/(trΠ_i eps) Zᵀ diag(Π_i) Z)``: the rate of the soft clusters (rows of Pi).

    The n weighted Gram matrices come from one matrix product
    ``Pi @ (z_j z_jᵀ)_j`` of shape (n, d²), then one batched Cholesky
    (n logdets of d x d): O(n² d² + n d³) per batch.
    """
    n, d = Z.shape
    outer = (Z[:, :, None] * Z[:, None, :]).reshape(n, d * d)
    tr = Pi.sum(1) + 1e-8
    grams = (Pi @ outer).reshape(n, d, d) * (d / (tr * eps))[:, None, None]
    grams = grams + torch.eye(d, dtype=Z.dtype, device=Z.device)
    logdet = 2.0 * torch.log(torch.diagonal(torch.linalg.cholesky(grams), dim1=1, dim2=2)).sum(1)
    return (tr * logdet).sum() / (2 * n)


class RateReductionLoss(nn.Module):
    """The MLC objective of a batch: ``-R(Z) + R_c(Z, Pi) + pi_reg · ½‖Pi‖²_F``, Pi from the cluster head.

    With ``phase="tcr"`` (the warm-up) only ``-R(Z)``, the total coding rate.
    ``eps`` is the squared distortion ε² of the coding rates.
    """

    def __init__(self, eps=0.1, pi_reg=0.05, sinkhorn_eta=0.175, sinkhorn_iter=5):
        super().__init__()
        self.eps = eps
        self.pi_reg = pi_reg
        self.sinkhorn_eta = sinkhorn_eta
        self.sinkhorn_iter = sinkhorn_iter
        self.phase = "mcr"

    def forward(self, y_pred, X):
        Z, C = y_pred
        expand = coding_rate(Z, self.eps)
        if self.phase == "tcr":
            return -expand
        Pi = sinkhorn_membership(C, self.sinkhorn_eta, self.sinkhorn_iter)
        # the soft clusters are the columns of Pi, as in the authors' loss (Pi is nearly symmetric)
        return -expand + membership_coding_rate(Z, Pi.T, self.eps) + self.pi_reg * 0.5 * (Pi**2).sum()
