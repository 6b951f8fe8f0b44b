"""Hierarchical (top-down) MLP VAE and its bounds with the lowest latents taken from the prior (HVAE OOD)."""

import torch
from torch import nn

from ._mlp import make_mlp
from ._vae import log_likelihood

__all__ = ["MLPHierarchicalVAE", "HierarchicalVAELoss"]


def _split(params):
    mu, logvar = params.chunk(2, dim=-1)
    return mu, logvar.clamp(-12.0, 8.0)


def _kl(mu_q, logvar_q, mu_p, logvar_p):
    """KL(N(mu_q, exp(logvar_q)) || N(mu_p, exp(logvar_p))) per row."""
    return 0.5 * (logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p).pow(2)) * torch.exp(-logvar_p) - 1.0).sum(-1)


class MLPHierarchicalVAE(nn.Module):
    """VAE with ``L`` stochastic levels: ``p(x|z_1) p(z_1|z_2) ... p(z_L)``, level 1 nearest the data.

    Inference is a bottom-up deterministic ladder ``h_1 = f_1(x)``,
    ``h_i = f_i(h_{i-1})`` with ``q(z_i | x) = N(mu_i(h_i), sigma_i(h_i))``;
    generation is top-down, each conditional prior a diagonal Gaussian from
    an MLP of the level above, the likelihood a Gaussian with per-feature
    learned scale. Given posterior samples the KL terms are analytic:
    ``ELBO = log p(x|z_1) - sum_i KL(q(z_i|x) || p(z_i|z_{i+1}))``.

    :meth:`bounds` also gives ``L^{>k}``: the same bound with the ``k``
    lowest latents set to the mode of their conditional prior
    ``p(z_{<=k} | z_{>k})`` (decoded downwards from a posterior sample of
    ``z_{k+1}``) and their KL terms dropped (Havtorn et al. 2021).

    In training mode :meth:`forward` returns the per-row terms
    ``[-log p(x|z_1), KL_1, ..., KL_L]`` (shape (n, L + 1)) for
    :class:`HierarchicalVAELoss`.
    """

    def __init__(self, n_features, latent_dims, hidden_dims, activation="relu"):
        super().__init__()
        latent_dims, hidden_dims = tuple(latent_dims), tuple(hidden_dims)
        self.latent_dims = latent_dims
        widths = (n_features,) + hidden_dims
        self.up = nn.ModuleList(make_mlp(widths[i], (hidden_dims[i],), hidden_dims[i], activation=activation)
                                for i in range(len(latent_dims)))
        self.q_heads = nn.ModuleList(nn.Linear(h, 2 * d) for h, d in zip(hidden_dims, latent_dims))
        # p_heads[i]: p(z_i | z_{i+1}) for i < L - 1
        self.p_heads = nn.ModuleList(make_mlp(latent_dims[i + 1], (hidden_dims[i + 1],), 2 * latent_dims[i],
                                              activation=activation) for i in range(len(latent_dims) - 1))
        self.decoder = make_mlp(latent_dims[0], (hidden_dims[0],), n_features, activation=activation)
        self.log_scale = nn.Parameter(torch.zeros(n_features))

    def posteriors(self, x):
        """``[(mu_i, logvar_i)]`` of ``q(z_i | x)``, level 1 first."""
        out, h = [], x
        for up, head in zip(self.up, self.q_heads):
            h = torch.relu(up(h))
            out.append(_split(head(h)))
        return out

    def prior(self, i, z_above):
        """``(mu, logvar)`` of ``p(z_i | z_{i+1})`` (0-based level ``i`` < L - 1)."""
        return _split(self.p_heads[i](z_above))

    def _terms(self, x, eps, n_skip=0):
        """Per-row ``(log p(x|z_1), [KL_i])`` with posterior noise ``eps`` (a list, one (n, d_i) per level).

        The ``n_skip`` lowest levels take the mode of their conditional prior
        (no KL term), the others a posterior sample.
        """
        post = self.posteriors(x)
        n_levels = len(post)
        kls = [None] * n_levels
        z = None
        for i in reversed(range(n_levels)):
            if i == n_levels - 1:
                mu_p = torch.zeros_like(post[i][0])
                logvar_p = torch.zeros_like(mu_p)
            else:
                mu_p, logvar_p = self.prior(i, z)
            if i < n_skip:
                z = mu_p
            else:
                mu_q, logvar_q = post[i]
                z = mu_q + torch.exp(0.5 * logvar_q) * eps[i]
                kls[i] = _kl(mu_q, logvar_q, mu_p, logvar_p)
        rec = log_likelihood(x, self.decoder(z), self.log_scale, "gaussian")
        return rec, kls

    def forward(self, x):
        eps = [torch.randn(x.shape[0], d, device=x.device, dtype=x.dtype) for d in self.latent_dims]
        rec, kls = self._terms(x, eps)
        return torch.stack([-rec] + kls, dim=1)

    def bounds(self, x, eps, n_skip, lk_kl_terms="upper"):
        """Per-row ``(ELBO, L^{>k})``, shape (n, 2), averaged over the fixed noise draws ``eps``.

        ``eps`` is a list over levels of tensors (S, d_i); the same draws
        serve both bounds (common random numbers), so ``ELBO - L^{>k}``
        differs only where the ``n_skip`` lowest latents were replaced.
        """
        n = x.shape[0]
        n_draws = eps[0].shape[0]
        total = torch.zeros(n, 2, dtype=x.dtype, device=x.device)
        for s in range(n_draws):
            e = [level[s].expand(n, -1) for level in eps]
            rec, kls = self._terms(x, e)
            elbo = rec - sum(kls)
            rec_k, kls_k = self._terms(x, e, n_skip=n_skip)
            if lk_kl_terms == "all":  # the authors' script: every KL of the ELBO pass, so the ratio is rec - rec_k
                lk = rec_k - sum(kls)
            else:
                lk = rec_k - sum(kl for kl in kls_k if kl is not None) if n_skip < len(kls_k) else rec_k
            total = total + torch.stack([elbo, lk], dim=1)
        return total / n_draws


class HierarchicalVAELoss(nn.Module):
    """Negative ELBO with free nats: ``mean(-log p(x|z_1)) + sum_i max(mean(KL_i), free_nats)``.

    The KL of a level below ``free_nats`` (batch mean) costs a constant, so
    the optimiser does not collapse that level's posterior onto its prior
    early in training (Kingma et al. 2016's free bits, per level).
    """

    def __init__(self, free_nats=0.0):
        super().__init__()
        self.free_nats = float(free_nats)

    def forward(self, y_pred, X):
        rec = y_pred[:, 0].mean()
        kl = y_pred[:, 1:].mean(dim=0)
        return rec + torch.clamp(kl, min=self.free_nats).sum()
