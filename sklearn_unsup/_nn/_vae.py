"""Variational autoencoder modules: Gaussian latents (VAE / beta-VAE) and joint
continuous + discrete latents (JointVAE)."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._mlp import make_mlp

__all__ = ["MLPVAE", "MLPJointVAE", "log_likelihood"]

_LOG_2PI = math.log(2 * math.pi)
_MIN_LOG_SCALE = -7.0  # sigma >= 1e-3: constant features cannot drive the likelihood to +inf


def log_likelihood(x, out, log_scale, likelihood):
    """Per-row log p(x | z): Gaussian with per-feature learned scale, or Bernoulli on logits."""
    if likelihood == "bernoulli":
        return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1)
    ls = log_scale.clamp(min=_MIN_LOG_SCALE)
    return (-0.5 * ((x - out) * torch.exp(-ls)) ** 2 - ls - 0.5 * _LOG_2PI).sum(-1)


def _gaussian_kl(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)) per row."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


class MLPVAE(nn.Module):
    """MLP encoder to (mu, log-variance), MLP decoder to the likelihood's parameters.

    ``forward`` returns ``(out, mu, logvar, log_scale)`` with ``out`` the
    decoder output for a reparameterised sample (training) or for the posterior
    mean (eval); the loss and the bounds are computed from it.
    """

    def __init__(self, n_features, n_components, hidden_dims, activation="relu", likelihood="gaussian"):
        super().__init__()
        hidden_dims = tuple(hidden_dims)
        self.likelihood = likelihood
        self.encoder = make_mlp(n_features, hidden_dims, 2 * n_components, activation=activation)
        self.decoder = make_mlp(n_components, hidden_dims[::-1], n_features, activation=activation)
        self.log_scale = nn.Parameter(torch.zeros(n_features))

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar.clamp(-12.0, 8.0)

    def decode(self, z):
        return self.decoder(z)

    def decode_mean(self, z):
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x):
        mu, logvar = self.encode(x)
        if self.training:
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        else:
            z = mu
        return self.decode(z), mu, logvar, self.log_scale

    def elbo(self, x, eps):
        """Per-row ELBO, Monte Carlo over the given noise draws ``eps`` (S, n_components)."""
        mu, logvar = self.encode(x)
        std = torch.exp(0.5 * logvar)
        rec = 0.0
        for s in range(eps.shape[0]):
            z = mu + std * eps[s]
            rec = rec + log_likelihood(x, self.decode(z), self.log_scale, self.likelihood)
        return rec / eps.shape[0] - _gaussian_kl(mu, logvar)

    def importance_bound(self, x, eps):
        """Per-row importance-weighted bound (Burda et al.) with K = len(eps) samples."""
        mu, logvar = self.encode(x)
        std = torch.exp(0.5 * logvar)
        terms = []
        for s in range(eps.shape[0]):
            z = mu + std * eps[s]
            log_px = log_likelihood(x, self.decode(z), self.log_scale, self.likelihood)
            log_pz = (-0.5 * z.pow(2) - 0.5 * _LOG_2PI).sum(-1)
            log_qz = (-0.5 * eps[s].pow(2) - 0.5 * logvar - 0.5 * _LOG_2PI).sum(-1)
            terms.append(log_px + log_pz - log_qz)
        stacked = torch.stack(terms)
        return torch.logsumexp(stacked, dim=0) - math.log(eps.shape[0])


class MLPJointVAE(nn.Module):
    """JointVAE: Gaussian latents plus one categorical latent (Gumbel-softmax relaxation).

    ``forward`` returns ``(out, mu, logvar, logits, log_scale)``. Training
    samples ``z`` by reparameterisation and ``c`` by Gumbel-softmax at
    ``temperature``; eval decodes the posterior mean and the one-hot argmax.
    """

    def __init__(
        self,
        n_features,
        n_components,
        n_clusters,
        hidden_dims,
        activation="relu",
        likelihood="gaussian",
        temperature=0.67,
    ):
        super().__init__()
        hidden_dims = tuple(hidden_dims)
        self.likelihood = likelihood
        self.n_components = n_components
        self.temperature = temperature
        self.encoder = make_mlp(
            n_features, hidden_dims, 2 * n_components + n_clusters, activation=activation
        )
        self.decoder = make_mlp(
            n_components + n_clusters, hidden_dims[::-1], n_features, activation=activation
        )
        self.log_scale = nn.Parameter(torch.zeros(n_features))

    def encode(self, x):
        h = self.encoder(x)
        k = self.n_components
        return h[:, :k], h[:, k : 2 * k].clamp(-12.0, 8.0), h[:, 2 * k :]

    def forward(self, x):
        mu, logvar, logits = self.encode(x)
        if self.training:
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            c = F.gumbel_softmax(logits, tau=self.temperature, hard=False)
        else:
            z = mu
            c = F.one_hot(logits.argmax(-1), logits.shape[-1]).to(mu.dtype)
        return self.decoder(torch.cat([z, c], dim=-1)), mu, logvar, logits, self.log_scale

    def decode_mean(self, z, c):
        out = self.decoder(torch.cat([z, c], dim=-1))
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out
