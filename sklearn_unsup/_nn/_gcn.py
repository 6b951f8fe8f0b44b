"""Graph convolutional networks on a fixed graph of the rows: GCN encoder, graph autoencoder loss, graph batches.

The graph is a normalised sparse adjacency ``Â = D^-1/2 (A + I) D^-1/2``
(``neighbors._graph.KNNGraph``); a GCN layer is ``act(Â H W)``, two sparse
products, so no graph library is needed. Training goes through skorch: the
dataset holds the node features, :class:`GraphTargets` (attached to the
dataset before the first epoch) the graph, and :class:`GraphBatchIterator`
yields steps of ``((X, Â), (rows, positive pairs, negative pairs))``: the
module propagates over the whole graph, the loss reconstructs the edges of
the step's rows.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._data import TensorBatchIterator

__all__ = ["GCNEncoder", "GraphAutoEncoderLoss", "GraphBatchIterator", "GraphTargets", "to_sparse_tensor"]

_MAX_LOGSTD = 10.0  # as PyG's VGAE: exp(2 logstd) stays finite


def to_sparse_tensor(A):
    """A SciPy sparse matrix as a coalesced float32 torch sparse COO tensor."""
    coo = A.tocoo()
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    values = torch.from_numpy(coo.data.astype(np.float32))
    return torch.sparse_coo_tensor(index, values, coo.shape, check_invariants=False).coalesce()


class GCNEncoder(nn.Module):
    """GCN encoder of graph autoencoders (Kipf & Welling, 2016) and of GRACE (Zhu et al., 2020).

    ``H_l = act(Â H_{l-1} W_l + b_l)`` for the hidden widths, then GCN heads
    ``mu = Â H W_mu (+ b_mu)`` and, when variational, ``log sigma = Â H W_sigma``.
    The defaults are the VGAE's: linear heads, no bias, ReLU, Glorot-uniform
    weights as the authors' code. GRACE's encoder (PyG ``GCNConv`` layers) has
    biases (zero at start) and its activation after every layer including the
    last (``bias=True, activate_output=True``); ``activation="prelu"`` gives each
    layer its own PReLU. ``forward((x, adj))`` returns ``(z, mu, logstd)``; in
    training mode and variational, ``z = mu + eps * sigma``, else ``z = mu``
    (``logstd`` None for the plain autoencoder).
    """

    def __init__(self, n_features, hidden_dims, n_components, variational=True, bias=False, activation="relu",
                 activate_output=False):
        super().__init__()
        dims = (int(n_features), *map(int, hidden_dims))
        self.widths = (*dims[1:], int(n_components))
        self.layers = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(dims[:-1], dims[1:]))
        self.mu = nn.Linear(dims[-1], n_components, bias=False)
        self.logstd = nn.Linear(dims[-1], n_components, bias=False) if variational else None
        for lin in self.modules():
            if isinstance(lin, nn.Linear):
                nn.init.xavier_uniform_(lin.weight)
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(w)) for w in self.widths) if bias else None
        n_act = len(self.layers) + int(bool(activate_output))
        self.activations = nn.ModuleList(nn.PReLU() if activation == "prelu" else nn.ReLU() for _ in range(n_act))

    def _finish(self, i, aggregated):
        """Layer ``i``'s output from its aggregated messages: bias, then activation (none on a linear head)."""
        if self.biases is not None:
            aggregated = aggregated + self.biases[i]
        return self.activations[i](aggregated) if i < len(self.activations) else aggregated

    def propagate(self, x, adj):
        """The last hidden layer and every layer's message ``H_{l-1} W_l`` (the mean head's last)."""
        messages, h = [], x
        for i, layer in enumerate(self.layers):
            messages.append(layer(h))
            h = self._finish(i, torch.sparse.mm(adj, messages[-1]))
        messages.append(self.mu(h))
        return h, messages

    def encode(self, x, adj):
        """``(mu, messages)``: the codes of the graph's rows and each layer's messages (see ``propagate``)."""
        h, messages = self.propagate(x, adj)
        return self._finish(len(self.layers), torch.sparse.mm(adj, messages[-1])), messages

    def forward(self, inputs):
        x, adj = inputs
        h, messages = self.propagate(x, adj)
        mu = self._finish(len(self.layers), torch.sparse.mm(adj, messages[-1]))
        if self.logstd is None:
            return mu, mu, None
        logstd = torch.sparse.mm(adj, self.logstd(h)).clamp(max=_MAX_LOGSTD)
        z = mu + torch.randn_like(mu) * torch.exp(logstd) if self.training else mu
        return z, mu, logstd

    def encode_attached(self, packed):
        """``mu`` of rows attached to a fixed graph, from ``[x, aggregated messages..., self weight]`` columns.

        Each aggregated block is ``sum_j w_j M_j`` over the row's graph
        neighbours' cached messages of that layer; the row's own message enters
        with its self-loop weight. One row's output depends on its columns only.
        """
        n_features = self.layers[0].in_features if len(self.layers) else self.mu.in_features
        cuts = np.cumsum((n_features, *self.widths)).tolist()
        h, s = packed[:, :n_features], packed[:, -1:]
        aggregates = [packed[:, a:b] for a, b in zip(cuts[:-1], cuts[1:])]
        for i, (layer, agg) in enumerate(zip(self.layers, aggregates)):
            h = self._finish(i, s * layer(h) + agg)
        return self._finish(len(self.layers), s * self.mu(h) + aggregates[-1])


class GraphAutoEncoderLoss(nn.Module):
    """Class-balanced edge reconstruction with an inner-product decoder, plus the VGAE's KL / n.

    The authors' loss ``norm * mean(weighted BCE(z zᵀ, A + I, pos_weight))``
    with ``pos_weight = #non-edges / #edges`` and ``norm = n² / (2 #non-edges)``
    equals ``(mean BCE over the edges + mean BCE over the non-edges) / 2``; a
    step computes that over its rows' pairs: all of them (a dense block of
    rows x n logits) or, with sampled negatives, its edges and as many random
    pairs (an unbiased estimate, O(edges) memory). The KL term is
    ``-(0.5 / n) mean_i sum_d (1 + 2 log sigma - mu² - sigma²)`` over the step's rows.
    """

    uses_target = True

    def forward(self, y_pred, X, y):
        z, mu, logstd = y_pred
        rows, pos, neg = y
        pos_logits = (z[pos[:, 0]] * z[pos[:, 1]]).sum(dim=1)
        if len(neg):
            neg_sum = F.softplus((z[neg[:, 0]] * z[neg[:, 1]]).sum(dim=1)).sum()
            n_neg = len(neg)
        else:  # every pair of the rows: non-edges = block - edges
            neg_sum = F.softplus(z[rows] @ z.T).sum() - F.softplus(pos_logits).sum()
            n_neg = len(rows) * len(z) - len(pos)
        loss = 0.5 * (F.softplus(-pos_logits).mean() + neg_sum / max(n_neg, 1))
        if logstd is not None:
            mu_r, ls_r = mu[rows], logstd[rows]
            kl = 0.5 / len(z) * torch.mean(torch.sum(1 + 2 * ls_r - mu_r**2 - torch.exp(2 * ls_r), dim=1))
            loss = loss - kl
        return loss


class GraphTargets:
    """The graph a :class:`GraphBatchIterator` trains on; ``attach`` is a ``before_training`` hook.

    Parameters
    ----------
    normalized : scipy.sparse matrix of shape (n, n)
        The GCN propagation matrix ``Â``; its pattern is ``A + I``, the edges to reconstruct.
    negative_sampling : bool
        Sample one random pair per edge instead of scoring every pair of the step's rows.
    """

    def __init__(self, normalized, negative_sampling):
        csr = normalized.tocsr()
        self.adj = to_sparse_tensor(csr)
        self.indptr = torch.from_numpy(csr.indptr.astype(np.int64))
        self.indices = torch.from_numpy(csr.indices.astype(np.int64))
        self.negative_sampling = bool(negative_sampling)

    def attach(self, net, dataset):
        """Put the graph on the dataset (and both on the net's device) before the first epoch."""
        self.adj = self.adj.to(net.device)
        dataset.X = dataset.X.to(net.device)
        dataset.graph = self

    def edges_of(self, rows):
        """(n_edges, 2) pairs ``(i, j)`` with ``i`` in rows and ``j`` a neighbour of ``i`` or ``i`` itself."""
        starts, counts = self.indptr[rows], self.indptr[rows + 1] - self.indptr[rows]
        offsets = torch.arange(int(counts.sum())) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
        cols = self.indices[torch.repeat_interleave(starts, counts) + offsets]
        return torch.stack([torch.repeat_interleave(rows, counts), cols], dim=1)


class GraphBatchIterator(TensorBatchIterator):
    """Steps over a graph dataset: ``((X, Â), (rows, edges of rows, negative pairs))``.

    Every step sees the whole graph (a GCN layer mixes each row with its
    neighbours); ``batch_size`` rows, in a new random order every epoch,
    contribute their edges to the step's loss. With negative sampling each
    edge ``(i, j)`` gets a pair ``(i, j')`` with ``j'`` uniform over the rows
    (not filtered against the edges: a collision has probability about
    degree / n); without, the negative pairs are empty and the loss scores every
    pair of the step's rows.
    """

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        X, graph = self.dataset.X, self.dataset.graph
        n = len(X)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            rows = order[start:start + self.batch_size]
            pos = graph.edges_of(rows)
            if graph.negative_sampling:
                neg = torch.stack([pos[:, 0], torch.randint(n, (len(pos),), generator=self.generator)], dim=1)
            else:
                neg = pos.new_empty((0, 2))
            yield (X, graph.adj), (rows, pos, neg)
