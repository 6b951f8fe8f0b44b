"""Volume-preserving network for learning non-linear invariants."""

import torch
from torch import nn

from ._mlp import make_mlp

__all__ = ["AdditiveCoupling", "InvariantNet", "InvariantLoss"]


class AdditiveCoupling(nn.Module):
    """``target += t(source)``: an invertible map with unit Jacobian determinant.

    The last layer of ``t`` starts at zero, so the coupling starts as the identity.
    """

    def __init__(self, n_source, n_target, hidden_dims, activation="relu"):
        super().__init__()
        self.t = make_mlp(n_source, tuple(hidden_dims), n_target, activation=activation)
        nn.init.zeros_(self.t[-1].weight)
        nn.init.zeros_(self.t[-1].bias)

    def forward(self, source, target):
        return target + self.t(source)

    def reverse(self, source, target):
        return target - self.t(source)


class InvariantNet(nn.Module):
    """Volume-preserving map whose last ``n_invariants`` outputs are trained towards zero.

    The input is rotated by a fixed orthogonal matrix (the principal axes of
    the training rows, so that the last coordinates are the minor components)
    and split into the main and the invariant block. ``n_coupling_layers`` pairs of
    additive couplings follow, ``main += f(inv)`` then ``inv += g(main)``: the
    invariant block learns ``inv - g(main)``, the part of the minor directions
    that the main coordinates do not explain non-linearly. Rotations and
    additive couplings preserve volume, so the network cannot shrink all of
    the data to zero. At initialisation (zero couplings) the outputs are the
    affine invariants (PCA's minor components).

    ``transform`` returns the outputs; ``reverse`` inverts them.
    """

    def __init__(self, rotation, mean, n_invariants, n_coupling_layers=4, hidden_dims=(128, 128), activation="relu"):
        super().__init__()
        rotation = torch.as_tensor(rotation, dtype=torch.float32)
        self.register_buffer("rotation", rotation)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        d = rotation.shape[0]
        self.n_invariants = int(n_invariants)
        n_main = d - self.n_invariants
        self.to_main = nn.ModuleList()
        self.to_inv = nn.ModuleList()
        for _ in range(n_coupling_layers):
            self.to_main.append(AdditiveCoupling(self.n_invariants, n_main, hidden_dims, activation))
            self.to_inv.append(AdditiveCoupling(n_main, self.n_invariants, hidden_dims, activation))

    def transform(self, x):
        """All outputs ``[main, invariants]``."""
        z = (x - self.mean) @ self.rotation
        main, inv = z[:, : -self.n_invariants], z[:, -self.n_invariants :]
        for f, g in zip(self.to_main, self.to_inv):
            main = f(inv, main)
            inv = g(main, inv)
        return torch.cat([main, inv], dim=1)

    def forward(self, x):
        """``(invariants, reconstruction of x from the outputs with the invariants set to zero)``."""
        z = self.transform(x)
        k = self.n_invariants
        return z[:, -k:], self.reverse(torch.cat([z[:, :-k], torch.zeros_like(z[:, -k:])], dim=1))

    def reverse(self, z):
        main, inv = z[:, : -self.n_invariants], z[:, -self.n_invariants :]
        for f, g in zip(reversed(self.to_main), reversed(self.to_inv)):
            inv = g.reverse(main, inv)
            main = f.reverse(inv, main)
        return torch.cat([main, inv], dim=1) @ self.rotation.T + self.mean

    def invariants(self, x):
        """The invariant outputs only: shape (n, n_invariants)."""
        return self.transform(x)[:, -self.n_invariants :]


class InvariantLoss(nn.Module):
    """Mean squared invariant outputs plus the reconstruction error with the invariants set to zero.

    The official code takes the two terms as two optimizer steps per batch;
    here they are summed into one step (the same gradients at the same weights).
    """

    def __init__(self, reconstruction_weight=1.0):
        super().__init__()
        self.reconstruction_weight = reconstruction_weight

    def forward(self, y_pred, X):
        inv, x_rec = y_pred
        return inv.pow(2).mean() + self.reconstruction_weight * (x_rec - X).pow(2).mean()
