"""Associative memory, masked-reconstruction loss and best-epoch callback of ClAM (Saha et al., ICML 2023)."""

import torch
from skorch.callbacks import Callback
from torch import nn

__all__ = ["AssociativeMemory", "KeepBestPrototypes", "MaskedReconstructionLoss"]


class AssociativeMemory(nn.Module):
    """k prototypes and the associative-memory dynamics that pull a row towards them.

    One step moves a state ``v`` by ``alpha * (sum_mu p_mu rho_mu - v)``,
    ``p = softmax(-beta / 2 * ||rho - v||^2)`` over the prototypes ``rho``
    (the same as ``alpha * sum_mu p_mu (rho_mu - v)``, since the weights sum
    to one), on the masked coordinates only; ``n_steps`` steps are run. In
    training mode ``forward`` masks ``n_masked`` random features of each row
    (set to ``fill``, the value standing for a missing feature), lets the
    memory complete them and returns ``(v_T, mask)``; in eval mode every
    coordinate moves and ``(v_T, None)`` is returned.

    Parameters
    ----------
    n_features : int
        Width of the rows.
    n_clusters : int
        Number of prototypes.
    beta : float
        Inverse temperature of the attention over the prototypes.
    alpha : float
        Step size of the dynamics.
    n_steps : int
        Steps run per forward pass.
    n_masked : int
        Features masked per row in training.
    fill : sequence of float
        Value written into each masked feature.
    init_mean, init_std : float
        Prototypes start as independent ``N(init_mean, init_std**2)`` draws.
    """

    def __init__(self, n_features, n_clusters, beta, alpha, n_steps, n_masked, fill, init_mean=0.1, init_std=0.1):
        super().__init__()
        self.beta = float(beta)
        self.alpha = float(alpha)
        self.n_steps = int(n_steps)
        self.n_masked = int(n_masked)
        self.prototypes = nn.Parameter(torch.randn(int(n_clusters), int(n_features)) * init_std + init_mean)
        self.register_buffer("fill", torch.as_tensor(fill, dtype=torch.float32).reshape(1, -1))

    def sq_distances(self, v):
        """Squared euclidean distances of states ``v`` (n, d) to the prototypes, shape (n, k)."""
        rho = self.prototypes
        d2 = (v * v).sum(1, keepdim=True) - 2.0 * v @ rho.T + (rho * rho).sum(1)
        return d2.clamp_min(0.0)

    def attention(self, v):
        """Weights ``softmax(-beta / 2 * ||rho_mu - v||^2)`` of each state over the prototypes."""
        return torch.softmax(-0.5 * self.beta * self.sq_distances(v), dim=1)

    def settle(self, v, mask=None):
        """``n_steps`` steps of the dynamics from ``v`` (only where ``mask`` is 1, when given)."""
        for _ in range(self.n_steps):
            step = self.attention(v) @ self.prototypes - v
            v = v + self.alpha * (step if mask is None else step * mask)
        return v

    def random_mask(self, x):
        """A 0/1 mask with ``n_masked`` distinct features set in each row (torch's generator)."""
        scores = torch.rand(x.shape, device=x.device)
        kth = scores.kthvalue(self.n_masked, dim=1, keepdim=True).values
        return (scores <= kth).to(x.dtype)

    def forward(self, x):
        if not self.training:
            return self.settle(x), None
        mask = self.random_mask(x)
        v = torch.where(mask.bool(), self.fill.to(x.dtype).expand_as(x), x)
        return self.settle(v, mask), mask


class MaskedReconstructionLoss(nn.Module):
    """Mean of ``(x - v_T)^2`` over the masked entries, averaged over all entries as the authors do.

    An output without a mask (eval mode) is compared on every coordinate.
    """

    def forward(self, y_pred, X):
        v, mask = y_pred
        err = (X - v) ** 2
        return (err if mask is None else err * mask).mean()


class KeepBestPrototypes(Callback):
    """Restore, at the end of training, the prototypes of the epoch with the lowest training loss.

    The authors keep their lowest-loss epoch's memories. ``best_epoch_`` is
    the 1-based epoch kept (its loss ``best_loss_``).
    """

    def on_train_begin(self, net, **kwargs):
        self.best_loss_, self.best_epoch_, self._best = float("inf"), 0, None

    def on_epoch_end(self, net, **kwargs):
        loss = float(net.history[-1, "train_loss"])
        if loss < self.best_loss_:
            self.best_loss_, self.best_epoch_ = loss, len(net.history)
            self._best = net.module_.prototypes.detach().clone()

    def on_train_end(self, net, **kwargs):
        if self._best is not None:
            with torch.no_grad():
                net.module_.prototypes.copy_(self._best)
        self._best = None
