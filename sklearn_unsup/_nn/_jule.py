"""JULE's pieces: an MLP encoder and the weighted triplet loss on triplets mined inside each batch."""

import torch
import torch.nn.functional as F
from torch import nn

from ._mlp import make_mlp

__all__ = ["MLPEncoder", "WeightedTripletLoss", "mine_triplets", "weighted_triplet_loss"]


class MLPEncoder(nn.Module):
    """An MLP (BatchNorm, ReLU) mapping rows to ``n_components`` codes; ``encode`` is ``forward``."""

    def __init__(self, n_features, n_components=32, hidden_dims=(256, 256)):
        super().__init__()
        self.encoder = make_mlp(n_features, tuple(hidden_dims), n_components, batch_norm=True)

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x):
        return self.encoder(x)


def weighted_triplet_loss(a, p, n, margin=0.2, pos_weight=1.0):
    """Mean of ``max(0, pos_weight * |a - p|^2 - |a - n|^2 + margin)`` over the rows of a, p and n."""
    d_pos = (a - p).pow(2).sum(-1)
    d_neg = (a - n).pow(2).sum(-1)
    return F.relu(pos_weight * d_pos - d_neg + margin).mean()


def mine_triplets(labels, n_negatives, max_pairs_per_cluster, generator=None):
    """Triplets ``(anchor, positive, negative)`` of batch positions, from the batch's cluster labels.

    Positives: the pairs ``i < j`` of one cluster, at most ``max_pairs_per_cluster``
    per cluster (drawn at random when there are more). Negatives: for each pair, up
    to ``n_negatives`` distinct rows of other clusters, drawn at random (all of them
    when fewer). Returns three index tensors (empty when no pair or no other
    cluster is in the batch).
    """
    labels = labels.reshape(-1)
    device = labels.device
    b = labels.shape[0]
    same = labels[:, None] == labels[None, :]
    i, j = torch.triu(same, diagonal=1).nonzero(as_tuple=True)
    empty = torch.empty(0, dtype=torch.long, device=device)
    if i.numel() == 0 or bool(same.all()):
        return empty, empty, empty
    # keep a random subset of at most max_pairs_per_cluster pairs per cluster
    key = torch.rand(i.numel(), generator=generator).to(device)
    order = torch.argsort(key)
    order = order[torch.sort(labels[i[order]], stable=True).indices]
    grp = labels[i[order]]
    _, counts = torch.unique_consecutive(grp, return_counts=True)
    starts = torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
    keep = order[(torch.arange(order.numel(), device=device) - starts) < max_pairs_per_cluster]
    i, j = i[keep], j[keep]
    # negatives: the top n_negatives of random scores among the rows of other clusters
    scores = torch.rand(i.numel(), b, generator=generator).to(device)
    scores = scores.masked_fill(same[i], -1.0)
    k = min(int(n_negatives), b)
    val, neg = scores.topk(k, dim=1)
    valid = val >= 0
    a = i[:, None].expand(-1, k)[valid]
    p = j[:, None].expand(-1, k)[valid]
    return a, p, neg[valid]


class WeightedTripletLoss(nn.Module):
    """JULE's weighted triplet loss on the L2-normalised codes of a batch, triplets mined from its labels.

    The batch target is each row's current cluster; see :func:`mine_triplets`
    and :func:`weighted_triplet_loss`. A batch without any triplet gives 0.
    """

    uses_target = True

    def __init__(self, margin=0.2, pos_weight=1.0, n_negatives=20, max_pairs_per_cluster=100):
        super().__init__()
        self.margin = margin
        self.pos_weight = pos_weight
        self.n_negatives = n_negatives
        self.max_pairs_per_cluster = max_pairs_per_cluster

    def forward(self, codes, X, labels):
        z = F.normalize(codes, dim=1)
        a, p, n = mine_triplets(labels.to(z.device), self.n_negatives, self.max_pairs_per_cluster)
        if a.numel() == 0:
            return z.sum() * 0.0
        return weighted_triplet_loss(z[a], z[p], z[n], self.margin, self.pos_weight)
