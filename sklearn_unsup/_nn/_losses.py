"""Losses of the unsupervised nets (criteria receive ``(y_pred, X)``)."""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DenoisingReconstructionLoss", "JointVAELoss", "ReconstructionLoss", "VAELoss"]


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


class DenoisingReconstructionLoss(ReconstructionLoss):
    """:class:`ReconstructionLoss` of the clean rows' reconstructions from the rows and from a perturbed view.

    ``y_pred = (reconstruction, code, reconstruction of the view)`` from
    :class:`~sklearn_unsup._nn.ShiftAugmentedAutoEncoder` in training mode (the mean of both
    losses against the clean rows); a two-element ``y_pred`` (eval mode) gives the plain loss.
    """

    def forward(self, y_pred, X):
        if len(y_pred) == 2:
            return super().forward(y_pred, X)
        return 0.5 * (super().forward(y_pred[0], X) + super().forward(y_pred[2], X))


class VAELoss(nn.Module):
    """Negative beta-ELBO, averaged over the batch (per-row sums over features), plus DIP's penalty.

    ``y_pred = (out, mu, logvar, log_scale)`` from :class:`~sklearn_unsup._nn.MLPVAE`.
    ``beta = 1`` is the VAE; ``beta > 1`` the beta-VAE of Higgins et al.
    ``regularizer="dip-i"`` / ``"dip-ii"`` adds Kumar et al.'s moment matching of
    the aggregate posterior's covariance ``C`` to the prior's identity,
    ``lambda_offdiag sum_{i != j} C_ij^2 + lambda_diag sum_i (C_ii - 1)^2``, with
    ``C`` the batch covariance of the posterior means (I), plus the batch mean of
    the posterior variances (II), as disentanglement_lib computes them.
    """

    def __init__(self, beta=1.0, likelihood="gaussian", regularizer=None, lambda_offdiag=10.0, lambda_diag=100.0):
        super().__init__()
        self.beta = beta
        self.likelihood = likelihood
        self.regularizer = regularizer
        self.lambda_offdiag = lambda_offdiag
        self.lambda_diag = lambda_diag

    def forward(self, y_pred, X):
        from ._vae import _gaussian_kl, log_likelihood

        out, mu, logvar, log_scale = y_pred
        rec = log_likelihood(X, out, log_scale, self.likelihood)
        loss = (-rec + self.beta * _gaussian_kl(mu, logvar)).mean()
        if self.regularizer is None:
            return loss
        centered = mu - mu.mean(dim=0)
        covariance = centered.T @ centered / mu.shape[0]  # E[mu mu^T] - E[mu] E[mu]^T
        if self.regularizer == "dip-ii":
            covariance = covariance + torch.diag(logvar.exp().mean(dim=0))
        diagonal = torch.diagonal(covariance)
        off_diagonal = covariance - torch.diag(diagonal)
        return loss + self.lambda_offdiag * off_diagonal.pow(2).sum() + self.lambda_diag * (diagonal - 1.0).pow(2).sum()


class JointVAELoss(nn.Module):
    """JointVAE objective with linearly increasing capacities (Dupont, 2018).

    ``L = -log p(x|z, c) + gamma |KL_z - C_z(t)| + gamma |KL_c - C_c(t)|``,
    where each capacity grows linearly from 0 to its maximum over
    ``ramp_steps`` training steps (a step counter kept in a buffer, so it
    survives pickling).
    """

    def __init__(self, continuous_capacity=5.0, discrete_capacity=5.0, gamma=30.0,
                 ramp_steps=1000, likelihood="gaussian", usage_weight=0.0):
        super().__init__()
        self.usage_weight = usage_weight
        self.continuous_capacity = continuous_capacity
        self.discrete_capacity = discrete_capacity
        self.gamma = gamma
        self.ramp_steps = max(1, int(ramp_steps))
        self.likelihood = likelihood
        self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def forward(self, y_pred, X):
        import math

        from ._vae import _gaussian_kl, log_likelihood

        out, mu, logvar, logits, log_scale = y_pred
        rec = log_likelihood(X, out, log_scale, self.likelihood).mean()
        kl_z = _gaussian_kl(mu, logvar).mean()
        log_q = F.log_softmax(logits, dim=-1)
        kl_c = (log_q.exp() * (log_q + math.log(logits.shape[-1]))).sum(-1).mean()
        frac = min(1.0, float(self.step) / self.ramp_steps)
        if self.training:
            self.step += 1
        c_z = self.continuous_capacity * frac
        c_c = self.discrete_capacity * frac
        loss = -rec + self.gamma * (kl_z - c_z).abs() + self.gamma * (kl_c - c_c).abs()
        if self.usage_weight:
            # KL(mean_batch q(c|x) || uniform): every category in use (not in the paper)
            mean_q = log_q.exp().mean(0)
            usage_kl = (mean_q * (mean_q.clamp_min(1e-12).log() + math.log(logits.shape[-1]))).sum()
            loss = loss + self.usage_weight * usage_kl
        return loss


class CategoricalTargetLoss(nn.Module):
    """Cross-entropy of a model's categorical logits against given per-row targets.

    ``y_pred[logits_index]`` are the logits (for :class:`MLPJointVAE`, the
    fourth output); the target is the per-row class index handed to the net
    as ``y``. JointVAE's k-means warm start of its categorical head.
    """

    uses_target = True

    def __init__(self, logits_index=3):
        super().__init__()
        self.logits_index = logits_index

    def forward(self, y_pred, X, y):
        return nn.functional.cross_entropy(y_pred[self.logits_index], y.long())
