"""Coupled mixture VAE (cpl-mixVAE): several VAE arms with categorical and continuous latents, coupled on the category.

Each arm encodes its own augmented view of a row into a low-dimensional code,
a categorical posterior ``q_a(c|x) = softmax(softmax(logits) / tau)`` and, given a
Gumbel-softmax sample of ``c``, a Gaussian state ``s``; its decoder rebuilds
the clean row from ``[c, s]``. The loss couples the arms' categorical
posteriors: their log-probabilities, each scaled by the arm's per-category
standard deviation over the batch, should agree (Marghi, Gala and Sümbül).
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._augment import AUGMENTATIONS
from ._mlp import make_mlp

__all__ = ["CoupledMixtureLoss", "CoupledMixtureVAENet", "MixtureArm"]

_LOG_EPS = 1e-8  # floor of the probabilities inside the coupling's logarithms
_VAR_EPS = 1e-8  # floor of the per-category batch variance


class MixtureArm(nn.Module):
    """One arm: encoder to a normalised code, categorical head, Gaussian state head, decoder from ``[c, s]``.

    The state's variance is a sigmoid (in (0, 1)), as in the authors' code.
    """

    def __init__(self, n_features, n_clusters, n_components, hidden_dims, latent_dim, activation="relu"):
        super().__init__()
        self.encoder = nn.Sequential(
            make_mlp(n_features, hidden_dims, latent_dim, activation=activation, batch_norm=True),
            nn.ReLU(),
            nn.BatchNorm1d(latent_dim, affine=False),
        )
        self.categorical = nn.Linear(latent_dim, n_clusters)
        self.state = nn.Linear(latent_dim + n_clusters, 2 * n_components)
        self.decoder = make_mlp(n_clusters + n_components, hidden_dims[::-1], n_features, activation=activation)

    def state_posterior(self, h, c):
        mu, raw = self.state(torch.cat([h, c], dim=-1)).chunk(2, dim=-1)
        return mu, torch.log(torch.sigmoid(raw) + 1e-8)


class CoupledMixtureVAENet(nn.Module):
    """``n_arms`` mixture-VAE arms trained on independently augmented views of the same rows.

    ``forward(x)`` (training) returns ``(out, mu, logvar, log_q)``, each stacked
    over the arms (first axis): the decoder outputs, the state posteriors and
    the categorical log-posteriors at softmax temperature ``tau``. In eval mode
    no augmentation is applied and ``c`` is the one-hot argmax.
    """

    def __init__(self, n_features, n_clusters, n_components=3, n_arms=2, hidden_dims=(100, 100), latent_dim=10,
                 tau=0.1, temperature=1.0, activation="relu", augment="mask", rate=0.25, scale=0.1):
        super().__init__()
        hidden_dims = tuple(hidden_dims)
        self.arms = nn.ModuleList(
            MixtureArm(n_features, n_clusters, n_components, hidden_dims, latent_dim, activation)
            for _ in range(int(n_arms))
        )
        self.tau = float(tau)
        self.temperature = float(temperature)
        self.augment = augment
        self.rate = rate
        self.scale = scale

    def _view(self, x):
        if not self.training or self.augment in (None, "none"):
            return x
        return AUGMENTATIONS[self.augment](x, rate=self.rate, scale=self.scale)

    def _log_q(self, arm, h):
        # the authors' posterior: a softmax at temperature tau of the head's own softmax, which keeps every
        # probability above about exp(-1 / tau) / n_clusters
        return F.log_softmax(F.softmax(arm.categorical(h), dim=-1) / self.tau, dim=-1)

    def arm_log_proba(self, x):
        """Categorical log-posteriors of every arm, shape (n_arms, batch, n_clusters)."""
        return torch.stack([self._log_q(arm, arm.encoder(x)) for arm in self.arms])

    def proba(self, x):
        """Mean over the arms of ``q_a(c|x)``."""
        return self.arm_log_proba(x).exp().mean(0)

    def encode(self, x):
        """Posterior mean of the first arm's state given its most probable category."""
        arm = self.arms[0]
        h = arm.encoder(x)
        logits = arm.categorical(h)
        c = F.one_hot(logits.argmax(-1), logits.shape[-1]).to(h.dtype)
        return arm.state_posterior(h, c)[0]

    def forward(self, x):
        outs, mus, logvars, log_qs = [], [], [], []
        for arm in self.arms:
            h = arm.encoder(self._view(x))
            log_q = self._log_q(arm, h)
            if self.training:
                c = F.gumbel_softmax(log_q, tau=self.temperature, hard=False)
            else:
                c = F.one_hot(log_q.argmax(-1), log_q.shape[-1]).to(h.dtype)
            mu, logvar = arm.state_posterior(h, c)
            s = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
            outs.append(arm.decoder(torch.cat([c, s], dim=-1)))
            mus.append(mu)
            logvars.append(logvar)
            log_qs.append(log_q)
        return torch.stack(outs), torch.stack(mus), torch.stack(logvars), torch.stack(log_qs)


def coupling_distance(log_q_a, log_q_b):
    """Mean over rows of ``|| log q_a / sd_a - log q_b / sd_b ||^2``, ``sd``: each category's batch spread of q.

    The scaling by the batch spread is the authors' normalisation: a category
    an arm gives the same probability to every row has a tiny spread, so
    disagreement on it costs a lot.
    """
    terms = []
    for log_q in (log_q_a, log_q_b):
        q = log_q.exp()
        sd = torch.sqrt(q.var(0, unbiased=False) + _VAR_EPS)
        terms.append(torch.log(q + _LOG_EPS) / sd)
    return (terms[0] - terms[1]).pow(2).sum(-1).mean()


class CoupledMixtureLoss(nn.Module):
    """cpl-mixVAE objective for ``A`` arms.

    ``max(A - 1, 1) * sum_a [rec_a + beta KL(q_a(s|x, c) || N(0, I))]
    + coupling * sum_{a<b} d(q_a, q_b) + sum_{a<b} (E[sum_c q_a log q_a] + E[sum_c q_b log q_b])``

    with ``d`` the :func:`coupling_distance`; ``rec`` is half the squared
    error per row (``"gaussian"``, unit variance, the code's MSE mode) or the
    binary cross-entropy on logits (``"bernoulli"``). The constant of the
    paper's coupling term is left out.
    """

    def __init__(self, coupling=1.0, beta=1.0, likelihood="gaussian"):
        super().__init__()
        self.coupling = coupling
        self.beta = beta
        self.likelihood = likelihood

    def forward(self, y_pred, X):
        out, mu, logvar, log_q = y_pred
        n_arms = out.shape[0]
        target = X.unsqueeze(0).expand_as(out)
        if self.likelihood == "bernoulli":
            rec = F.binary_cross_entropy_with_logits(out, target, reduction="none").sum(-1).mean(-1)
        else:
            rec = 0.5 * (out - target).pow(2).sum(-1).mean(-1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1).mean(-1)
        loss = max(n_arms - 1, 1) * (rec + self.beta * kl).sum()
        neg_entropy = (log_q.exp() * log_q).sum(-1).mean(-1)
        for a in range(n_arms):
            for b in range(a + 1, n_arms):
                loss = loss + self.coupling * coupling_distance(log_q[a], log_q[b]) + neg_entropy[a] + neg_entropy[b]
        return loss

