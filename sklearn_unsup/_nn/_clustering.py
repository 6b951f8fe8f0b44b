"""Cluster-head networks and the losses of the deep clusterers (SCAN, SeLa, DeepCluster, SwAV, DEC).

A clustering network is an MLP encoder (the embedding ``transform`` returns)
followed by one or several linear cluster heads. During training the network
sees two views of each row: ``(x_a, x_b)`` where ``x_b`` is a random
neighbour of ``x_a`` (SCAN's mined neighbours) or ``x_a`` itself, each passed
through a tabular augmentation.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._augment import AUGMENTATIONS
from ._mlp import make_mlp

__all__ = [
    "ClusteringNet",
    "DECNet",
    "DECLoss",
    "PrototypeNet",
    "PseudoLabelLoss",
    "SCANLoss",
    "SwAVLoss",
    "scan_loss",
    "self_label_loss",
]

_EPS = 1e-8


def _augment(x, augment, rate, scale):
    if augment is None or augment == "none":
        return x
    return AUGMENTATIONS[augment](x, rate=rate, scale=scale)


class ClusteringNet(nn.Module):
    """MLP encoder with ``n_heads`` linear cluster heads.

    ``forward((x_a, x_b))`` (training) returns the logits of the augmented
    views, shape ``(n_heads, batch, n_clusters)`` each, plus the un-augmented
    logits of ``x_a`` (for confidence-based self-labelling). In eval mode no
    augmentation is applied. ``head`` is the index of the head used by
    :meth:`logits` (the one kept after training).
    """

    def __init__(self, n_features, n_clusters, hidden_dims=(512, 512), n_components=64, n_heads=1,
                 activation="relu", augment="mask", rate=0.2, scale=0.1):
        super().__init__()
        self.encoder = make_mlp(n_features, tuple(hidden_dims), n_components, activation=activation,
                                batch_norm=True)
        self.heads = nn.ModuleList(nn.Linear(n_components, n_clusters) for _ in range(int(n_heads)))
        self.augment = augment
        self.rate = rate
        self.scale = scale
        self.head = 0

    def encode(self, x):
        return self.encoder(x)

    def logits(self, x):
        return self.heads[self.head](self.encoder(x))

    def all_logits(self, x):
        z = self.encoder(x)
        return torch.stack([h(z) for h in self.heads])

    def reset_heads(self):
        """Re-initialise every head (DeepCluster does so before each epoch)."""
        for h in self.heads:
            h.reset_parameters()

    def forward(self, pair):
        xa, xb = pair if isinstance(pair, (tuple, list)) else (pair, pair)
        if not self.training:
            return self.all_logits(xa), self.all_logits(xb), None
        weak = None
        if self.augment not in (None, "none"):
            with torch.no_grad():
                weak = self.all_logits(xa)
        va = _augment(xa, self.augment, self.rate, self.scale)
        vb = _augment(xb, self.augment, self.rate, self.scale)
        return self.all_logits(va), self.all_logits(vb), weak


def _sorted_log_prior(log_prior, n_clusters, like):
    """``log_prior`` sorted in decreasing order, on ``like``'s device and dtype (None stays None)."""
    if log_prior is None:
        return None
    lp = torch.as_tensor(log_prior, dtype=like.dtype, device=like.device).reshape(n_clusters)
    return lp.sort(descending=True).values


def scan_loss(logits_a, logits_b, entropy_weight=5.0, log_prior=None):
    """SCAN: ``-mean log <p_a, p_b> - entropy_weight * H(mean p_a)`` per head.

    ``logits_*`` have shape (n_heads, batch, n_clusters). Returns the total,
    consistency and prior terms, each of shape (n_heads,).

    With ``log_prior`` (log cluster proportions, shape (n_clusters,)), the
    entropy is replaced by ``-KL(sort(mean p_a) || sort(prior))``: the
    *sorted* mean prediction is pulled towards the sorted prior, so the prior
    fixes the distribution of cluster sizes without saying which cluster is
    the large one. A uniform prior gives the entropy minus ``log n_clusters``.
    """
    pa = F.softmax(logits_a, dim=-1)
    pb = F.softmax(logits_b, dim=-1)
    consistency = -torch.log((pa * pb).sum(-1).clamp_min(_EPS)).mean(-1)
    mean_p = pa.mean(1)
    lp = _sorted_log_prior(log_prior, mean_p.shape[-1], mean_p)
    if lp is None:
        prior_term = -(mean_p * torch.log(mean_p.clamp_min(_EPS))).sum(-1)
    else:
        sp = mean_p.sort(dim=-1, descending=True).values
        prior_term = -(sp * (torch.log(sp.clamp_min(_EPS)) - lp)).sum(-1)
    return consistency - entropy_weight * prior_term, consistency, prior_term


class SCANLoss(nn.Module):
    """SCAN's clustering loss summed over heads, then (``phase="self_label"``) its self-labelling loss.

    Self-labelling: rows whose un-augmented prediction (kept head) has a
    maximum probability above ``confidence_threshold`` take its argmax as
    target; cross-entropy on the augmented view's logits, each target class
    weighted by the inverse of its frequency among the confident rows (times
    the prior share matched to it by rank, with ``log_prior``).
    ``head_losses`` accumulates each head's SCAN loss over the current epoch.
    """

    def __init__(self, entropy_weight=5.0, confidence_threshold=0.99, log_prior=None):
        super().__init__()
        self.entropy_weight = entropy_weight
        self.confidence_threshold = confidence_threshold
        self.log_prior = log_prior
        self.phase = "scan"
        self.head = 0
        self.head_losses = None

    def forward(self, y_pred, X):
        la, lb, weak = y_pred
        if self.phase == "scan":
            total, _, _ = scan_loss(la, lb, self.entropy_weight, self.log_prior)
            detached = total.detach().cpu()
            self.head_losses = detached if self.head_losses is None else self.head_losses + detached
            return total.sum()
        return self_label_loss(la[self.head], la[self.head] if weak is None else weak[self.head],
                               self.confidence_threshold, self.log_prior)


def self_label_loss(strong_logits, weak_logits, threshold, log_prior=None):
    """Cross-entropy of the strong view on the confident weak predictions (class-balanced).

    Each target class is weighted by the inverse of its count among the
    confident rows, so that every class weighs the same; with ``log_prior``
    the classes, ranked by count, weigh the prior's shares ranked the same way.
    """
    with torch.no_grad():
        prob = F.softmax(weak_logits, dim=-1)
        conf, target = prob.max(-1)
        mask = conf > threshold
    if not bool(mask.any()):
        return strong_logits.sum() * 0.0
    target = target[mask]
    n_clusters = strong_logits.shape[-1]
    counts = torch.bincount(target, minlength=n_clusters).to(strong_logits.dtype)
    weight = torch.where(counts > 0, mask.sum() / counts.clamp_min(1), torch.zeros_like(counts))
    lp = _sorted_log_prior(log_prior, n_clusters, counts)
    if lp is not None:
        share = torch.empty_like(counts)
        share[counts.argsort(descending=True, stable=True)] = lp.exp() * n_clusters
        weight = weight * share
    return F.cross_entropy(strong_logits[mask], target, weight=weight)


class PseudoLabelLoss(nn.Module):
    """Cross-entropy of the kept head's logits on per-row pseudo-labels (DeepCluster, SeLa).

    ``targets`` (set by the estimator between epochs) holds one label per
    training row; the net passes each batch's row indices as ``y``. Both
    views of a row are classified into the row's pseudo-label.
    """

    uses_target = True

    def __init__(self):
        super().__init__()
        self.targets = None

    def forward(self, y_pred, X, idx):
        la, lb, _ = y_pred
        t = self.targets[idx.cpu()].to(la.device)
        return 0.5 * (F.cross_entropy(la[0], t) + F.cross_entropy(lb[0], t))


class PrototypeNet(nn.Module):
    """SwAV's network: MLP encoder, projector, L2-normalised output, prototypes (no bias).

    ``forward((x_a, x_b))`` returns the prototype scores of the two augmented
    views (cosine similarities), shape (batch, n_prototypes) each, and their
    normalised projections (for the optional queue).
    """

    def __init__(self, n_features, n_prototypes, hidden_dims=(512, 512), n_components=64, projector_dims=(128,),
                 activation="relu", augment="mask", rate=0.2, scale=0.1):
        super().__init__()
        self.encoder = make_mlp(n_features, tuple(hidden_dims), n_components, activation=activation,
                                batch_norm=True)
        projector_dims = tuple(projector_dims)
        self.projector = make_mlp(n_components, projector_dims[:-1], projector_dims[-1], activation=activation,
                                  batch_norm=True) if projector_dims else nn.Identity()
        out = projector_dims[-1] if projector_dims else n_components
        self.prototypes = nn.Linear(out, n_prototypes, bias=False)
        self.augment = augment
        self.rate = rate
        self.scale = scale

    def encode(self, x):
        return self.encoder(x)

    def embed(self, x):
        return F.normalize(self.projector(self.encoder(x)), dim=1)

    def normalize_prototypes(self):
        with torch.no_grad():
            self.prototypes.weight.copy_(F.normalize(self.prototypes.weight, dim=1))

    def scores(self, x):
        return self.prototypes(self.embed(x))

    def forward(self, pair):
        xa, xb = pair if isinstance(pair, (tuple, list)) else (pair, pair)
        if self.training:
            xa = _augment(xa, self.augment, self.rate, self.scale)
            xb = _augment(xb, self.augment, self.rate, self.scale)
        za, zb = self.embed(xa), self.embed(xb)
        return self.prototypes(za), self.prototypes(zb), za, zb


class SwAVLoss(nn.Module):
    """Swapped prediction: each view's softmax(scores / temperature) predicts the other view's Sinkhorn codes.

    ``sinkhorn`` is a callable ``scores (ndarray) -> codes (ndarray)`` (the
    numba kernel), run on the detached scores: the codes carry no gradient.
    """

    def __init__(self, sinkhorn=None, temperature=0.1):
        super().__init__()
        self.sinkhorn = sinkhorn
        self.temperature = temperature

    def _codes(self, scores):
        with torch.no_grad():
            return torch.from_numpy(self.sinkhorn(scores.detach().cpu().numpy())).to(scores.device)

    def forward(self, y_pred, X):
        sa, sb, _, _ = y_pred
        qa, qb = self._codes(sa), self._codes(sb)
        la = F.log_softmax(sa / self.temperature, dim=1)
        lb = F.log_softmax(sb / self.temperature, dim=1)
        return -0.5 * ((qb * la).sum(1).mean() + (qa * lb).sum(1).mean())


class DECNet(nn.Module):
    """An MLP autoencoder plus DEC's cluster centres.

    ``forward`` returns the Student-t soft assignment of the codes to the
    centres and the reconstruction; ``alpha`` is the Student-t degrees of
    freedom (1 in DEC).
    """

    def __init__(self, n_features, n_clusters, n_components=10, hidden_dims=(500, 500, 2000), activation="relu",
                 alpha=1.0):
        super().__init__()
        from ._autoencoder import MLPAutoEncoder

        self.autoencoder = MLPAutoEncoder(n_features, n_components, tuple(hidden_dims), activation=activation)
        self.centers = nn.Parameter(torch.zeros(n_clusters, n_components))
        self.alpha = alpha

    def encode(self, x):
        return self.autoencoder.encode(x)

    def assignment(self, z):
        # log q = -(alpha + 1) / 2 * log(1 + d / alpha), normalised by a softmax. Each row's differences are
        # divided by their largest magnitude s (when > 1) first, so |z - mu|^2 cannot overflow float32:
        # log(1 + d / alpha) = log(d' / alpha + 1 / s^2) + 2 log s, and 2 log s is common to the row.
        # s is a constant for autograd, so the gradients are those of the plain formula.
        diff = z.unsqueeze(1) - self.centers.unsqueeze(0)
        scale = diff.detach().abs().amax(dim=(1, 2), keepdim=True).clamp_min(1.0)
        d = (diff / scale).pow(2).sum(-1)
        log_q = -(self.alpha + 1.0) / 2.0 * torch.log(d / self.alpha + scale.reshape(-1, 1).pow(-2))
        return torch.softmax(log_q, dim=1)

    def forward(self, x):
        z = self.encode(x)
        return self.assignment(z), self.autoencoder.decode(z)


class DECLoss(nn.Module):
    """``KL(P || Q) + reconstruction_weight * mean squared reconstruction error`` (IDEC when > 0).

    ``targets`` (the target distribution P over all training rows) is set by
    the estimator every ``update_interval`` batches; batches carry row indices.
    """

    uses_target = True

    def __init__(self, reconstruction_weight=0.0):
        super().__init__()
        self.reconstruction_weight = reconstruction_weight
        self.targets = None

    def forward(self, y_pred, X, idx):
        q, recon = y_pred
        p = self.targets[idx.cpu()].to(q.device)
        kl = (p * (torch.log(p.clamp_min(_EPS)) - torch.log(q.clamp_min(_EPS)))).sum(1).mean()
        if self.reconstruction_weight > 0:
            kl = kl + self.reconstruction_weight * F.mse_loss(recon, X)
        return kl
