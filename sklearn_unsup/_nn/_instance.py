"""Instance-discrimination nets and losses: MoCo's momentum encoder + queue, NPID's memory bank.

Both compare L2-normalised projections (the projector of :class:`TwinEncoder`)
with stored keys of past steps instead of the other rows of the batch only.
"""

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from ._augment import AUGMENTATIONS
from ._twins import AugmentedTwin

__all__ = ["MoCoLoss", "MomentumTwin", "NPIDLoss", "SingleViewTwin"]


class MomentumTwin(AugmentedTwin):
    """MoCo's encoders: a query encoder + projector trained by gradient, a key copy updated as its moving average.

    ``forward(x)`` (training) draws two views, updates the key copy
    ``theta_k <- momentum theta_k + (1 - momentum) theta_q`` (weights and
    BatchNorm statistics) and returns the L2-normalised query of the first view
    and key of the second, ``(q, k)``; with ``symmetric`` also the query of the
    second view and the key of the first. :class:`MoCoLoss` holds the queue.

    The key copy always runs in evaluation mode (its BatchNorm layers use their
    running statistics), so a key carries no statistics of its batch: on one
    device this stands in for MoCo's shuffled BatchNorm, which keeps the query
    and its key from sharing batch statistics. ``encode`` is the query encoder.
    """

    def __init__(self, n_features, n_components, hidden_dims=(256,), projector_dims=(256, 256),
                 activation="relu", augment="scarf", rate=0.6, scale=0.1, momentum=0.99, symmetric=False):
        super().__init__(n_features, n_components, hidden_dims, projector_dims, activation, augment, rate, scale)
        self.momentum = momentum
        self.symmetric = symmetric
        self.key_encoder = copy.deepcopy(self.encoder)
        self.key_projector = copy.deepcopy(self.projector)
        self.key_bn_out = copy.deepcopy(self.bn_out)
        for p in self._key_modules().parameters():
            p.requires_grad_(False)
        self._key_modules().train(False)

    def _key_modules(self):
        return nn.ModuleList([self.key_encoder, self.key_projector, self.key_bn_out])

    def _query_modules(self):
        return nn.ModuleList([self.encoder, self.projector, self.bn_out])

    def train(self, mode=True):
        super().train(mode)
        self._key_modules().train(False)
        return self

    @torch.no_grad()
    def momentum_update(self):
        queries, keys = self._query_modules(), self._key_modules()
        for q, k in zip(queries.parameters(), keys.parameters()):
            k.mul_(self.momentum).add_(q, alpha=1.0 - self.momentum)
        for q, k in zip(queries.buffers(), keys.buffers()):  # BatchNorm statistics and step counts
            if torch.is_floating_point(k):
                k.mul_(self.momentum).add_(q, alpha=1.0 - self.momentum)
            else:
                k.copy_(q)

    def query(self, x):
        return F.normalize(self.project(x), dim=1)

    @torch.no_grad()
    def key(self, x):
        return F.normalize(self.key_bn_out(self.key_projector(self.key_encoder(x))), dim=1)

    def forward(self, x):
        if not self.training:
            return self.query(x), self.key(x)
        fn = AUGMENTATIONS[self.augment]
        xa, xb = fn(x, rate=self.rate, scale=self.scale), fn(x, rate=self.rate, scale=self.scale)
        self.momentum_update()
        out = (self.query(xa), self.key(xb))
        if self.symmetric:
            out = out + (self.query(xb), self.key(xa))
        return out


class MoCoLoss(nn.Module):
    """InfoNCE against a FIFO queue of past keys (MoCo), summed over the query/key pairs of ``y_pred``.

    For each pair ``(q, k)`` the logits are ``[q.k, q.queue] / temperature``
    and the positive is first. The queue (``queue``, queue_size x dim) starts
    as random unit vectors; after a training step the step's keys replace the
    oldest ones. ``y`` holds the batch's row indices (or -1): the queue keeps
    the row of each key (``queue_rows``), and a row's own earlier key is left
    out of its negatives. MoCo's queue is a few percent of ImageNet; on a table
    it holds most of the rows, and a row's key of the previous epoch would
    otherwise be its hardest negative.
    """

    uses_target = True

    def __init__(self, queue_size, dim, temperature=0.2):
        super().__init__()
        self.temperature = temperature
        self.register_buffer("queue", F.normalize(torch.randn(int(queue_size), int(dim)), dim=1))
        self.register_buffer("queue_rows", torch.full((int(queue_size),), -1, dtype=torch.long))
        self.register_buffer("queue_ptr", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def enqueue(self, keys, rows):
        size = self.queue.shape[0]
        keys, rows = keys[-size:], rows[-size:]
        slots = (int(self.queue_ptr) + torch.arange(len(keys), device=keys.device)) % size
        self.queue[slots] = keys
        self.queue_rows[slots] = rows
        self.queue_ptr.fill_((int(self.queue_ptr) + len(keys)) % size)

    def forward(self, y_pred, X, y):
        rows = y.long()
        # own earlier keys are masked; the logits keep this step's queue (the enqueue below changes it)
        own = (self.queue_rows[None, :] == rows[:, None]) & (rows[:, None] >= 0)
        queue = self.queue.clone()
        target = torch.zeros(len(rows), dtype=torch.long, device=rows.device)
        loss = 0.0
        for q, k in zip(y_pred[0::2], y_pred[1::2]):
            negatives = (q @ queue.T).masked_fill(own, float("-inf"))
            logits = torch.cat([(q * k).sum(1, keepdim=True), negatives], dim=1) / self.temperature
            loss = loss + F.cross_entropy(logits, target)
        if self.training:
            self.enqueue(torch.cat(y_pred[1::2]).detach(), rows.repeat(len(y_pred) // 2))
        return loss


class SingleViewTwin(AugmentedTwin):
    """One augmented view per row (training), its L2-normalised projection (NPID's feature)."""

    def forward(self, x):
        if self.training:
            x = AUGMENTATIONS[self.augment](x, rate=self.rate, scale=self.scale)
        return F.normalize(self.project(x), dim=1)


class NPIDLoss(nn.Module):
    """Non-parametric instance discrimination against a memory bank of one code per training row.

    The bank (``memory``, n_samples x dim) starts uniform in ``+-1/sqrt(dim/3)``
    (rows of norm about 1) and, after each step, the rows of the batch become
    ``normalize(memory_momentum v_i + (1 - memory_momentum) f_i)``. The target
    ``y`` holds the batch's row indices.

    ``n_negatives=0``: softmax over the whole bank, ``-log exp(v_i.f / T) /
    sum_j exp(v_j.f / T)`` (exact). ``n_negatives=K``: noise-contrastive
    estimation with K rows drawn uniformly (one draw shared by the rows of the
    batch), ``P(j) = exp(v_j.f / T) / Z`` with ``Z`` estimated once, on the
    first batch, as n times the mean of ``exp(v_j.f / T)``, and the loss
    ``-[log P(i) / (P(i) + K/n) + sum_j log (K/n) / (P(j) + K/n)]``.
    """

    uses_target = True

    def __init__(self, n_samples, dim, temperature=0.07, memory_momentum=0.5, n_negatives=0):
        super().__init__()
        self.temperature = temperature
        self.memory_momentum = memory_momentum
        self.n_negatives = int(n_negatives)
        bound = 1.0 / math.sqrt(dim / 3.0)
        self.register_buffer("memory", torch.rand(int(n_samples), int(dim)) * 2 * bound - bound)
        self.register_buffer("normaliser", torch.full((), -1.0))

    def forward(self, y_pred, X, y):
        f, idx = y_pred, y.long()
        n = self.memory.shape[0]
        if self.n_negatives == 0:
            loss = F.cross_entropy(f @ self.memory.T / self.temperature, idx)
        else:
            k, eps = self.n_negatives, 1e-7
            noise = torch.randint(n, (k,), device=f.device)
            p_pos = torch.exp((f * self.memory[idx]).sum(1) / self.temperature)
            p_noise = torch.exp(f @ self.memory[noise].T / self.temperature)
            if self.normaliser < 0:
                self.normaliser.fill_(float(torch.cat([p_pos[:, None], p_noise], 1).mean().detach()) * n)
            p_pos, p_noise = p_pos / self.normaliser, p_noise / self.normaliser
            loss = -(torch.log(p_pos / (p_pos + k / n + eps)).sum()
                     + torch.log((k / n) / (p_noise + k / n + eps)).sum()) / f.shape[0]
        if self.training:
            with torch.no_grad():
                v = self.memory_momentum * self.memory[idx] + (1.0 - self.memory_momentum) * f.detach()
                # out of place: the logits above keep the bank they were computed with
                self.memory = self.memory.index_copy(0, idx, F.normalize(v, dim=1))
        return loss
