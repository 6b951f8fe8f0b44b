"""MLP autoencoder module."""

import torch
from torch import nn

from ._augment import marginal_shift
from ._mlp import make_mlp

__all__ = ["MLPAutoEncoder", "ShiftAugmentedAutoEncoder"]


class MLPAutoEncoder(nn.Module):
    """Symmetric MLP autoencoder.

    The encoder maps ``n_features -> hidden_dims -> n_components``; the decoder
    mirrors it. ``forward`` returns ``(reconstruction, code)``; the
    reconstruction is unbounded (for a Bernoulli loss it is a logit).

    Parameters
    ----------
    n_features : int
        Input width.
    n_components : int
        Code width.
    hidden_dims : sequence of int
        Encoder hidden widths; the decoder uses them reversed.
    activation : str, default="relu"
        Hidden activation.
    dropout : float, default=0.0
        Dropout after each hidden activation.
    batch_norm : bool, default=False
        Batch normalisation after each hidden linear layer.
    """

    def __init__(self, n_features, n_components, hidden_dims, activation="relu", dropout=0.0, batch_norm=False):
        super().__init__()
        hidden_dims = tuple(hidden_dims)
        self.encoder = make_mlp(
            n_features, hidden_dims, n_components, activation=activation, dropout=dropout, batch_norm=batch_norm
        )
        self.decoder = make_mlp(
            n_components, hidden_dims[::-1], n_features, activation=activation, dropout=dropout,
            batch_norm=batch_norm,
        )

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


class ShiftAugmentedAutoEncoder(MLPAutoEncoder):
    """:class:`MLPAutoEncoder` that, in training mode, also reconstructs a shifted view of the batch.

    The view is :func:`~sklearn_unsup._nn.marginal_shift` of the batch (``rate`` and ``scale`` passed
    on); ``forward`` then returns ``(reconstruction, code, reconstruction of the view)`` for
    :class:`~sklearn_unsup._nn.DenoisingReconstructionLoss`. In eval mode it is the plain autoencoder.
    """

    def __init__(self, n_features, n_components, hidden_dims, activation="relu", dropout=0.0, batch_norm=False,
                 rate=0.5, scale=2.0):
        super().__init__(n_features, n_components, hidden_dims, activation=activation, dropout=dropout,
                         batch_norm=batch_norm)
        self.rate = rate
        self.scale = scale
        # with batch normalisation both views go through one pass, so the batch statistics used in training and
        # the running statistics used at inference describe the same (mixed) batches
        self.joint_pass = bool(batch_norm)

    def forward(self, x):
        if self.training and self.joint_pass:
            n = x.shape[0]
            z = self.encoder(torch.cat([x, marginal_shift(x, self.rate, self.scale)]))
            rec = self.decoder(z)
            return rec[:n], z[:n], rec[n:]
        z = self.encoder(x)
        rec = self.decoder(z)
        if not self.training:
            return rec, z
        return rec, z, self.decoder(self.encoder(marginal_shift(x, self.rate, self.scale)))
