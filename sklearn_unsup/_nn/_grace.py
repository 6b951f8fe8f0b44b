"""GRACE (Zhu et al., 2020): two random views of a graph, a GCN encoder with a projection head, NT-Xent.

The views are drawn by :class:`GraphViewIterator` from a private generator
(nothing touches torch's global random state): each step drops every directed
edge of the graph with probability ``p_e`` and zeroes whole feature columns
(one mask shared by all rows) with probability ``p_f``, per view, and
renormalises the kept edges with self-loops as a GCN layer does
(``D^-1/2 (A' + I) D^-1/2``, the degree counted on the receiving row).
"""

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

from ._data import TensorBatchIterator
from ._gcn import GCNEncoder
from ._twins import nt_xent_loss

__all__ = ["GraceLoss", "GraceNet", "GraphViewIterator", "GraphViews"]


class GraceNet(nn.Module):
    """GCN encoder (biases, activation after every layer) and GRACE's projection head ``fc2(ELU(fc1(z)))``.

    ``forward((x1, adj1, x2, adj2))`` encodes both views over their whole
    graphs and returns the projections of every row in each; ``encoder`` alone
    gives the codes kept after training.
    """

    def __init__(self, n_features, hidden_dims, n_components, projection_dim=128, activation="relu"):
        super().__init__()
        self.encoder = GCNEncoder(n_features, hidden_dims, n_components, variational=False, bias=True,
                                  activation=activation, activate_output=True)
        self.fc1 = nn.Linear(n_components, projection_dim)
        self.fc2 = nn.Linear(projection_dim, n_components)

    def project(self, z):
        return self.fc2(F.elu(self.fc1(z)))

    def forward(self, inputs):
        x1, adj1, x2, adj2 = inputs
        return self.project(self.encoder.encode(x1, adj1)[0]), self.project(self.encoder.encode(x2, adj2)[0])


class GraceLoss(nn.Module):
    """GRACE's symmetrised contrastive loss over the step's rows.

    For row ``i`` with projections ``u_i`` (view 1) and ``v_i`` (view 2) and
    cosine similarity ``s``: ``l(u_i) = -log(e^{s(u_i, v_i)/τ} / (Σ_j e^{s(u_i, v_j)/τ}
    + Σ_{j≠i} e^{s(u_i, u_j)/τ}))``, averaged with the same term for ``v_i`` and
    over the rows: SimCLR's NT-Xent on the ``2B`` projections (inter- and
    intra-view negatives), as the authors' ``semi_loss``. The target is the
    step's rows (indices into the projections).
    """

    uses_target = True

    def __init__(self, temperature=0.4):
        super().__init__()
        self.temperature = float(temperature)

    def forward(self, y_pred, X, rows):
        h1, h2 = y_pred
        return nt_xent_loss(h1[rows], h2[rows], self.temperature)


class GraphViews:
    """The graph :class:`GraphViewIterator` draws views of; ``attach`` is a ``before_training`` hook.

    Parameters
    ----------
    adjacency : scipy.sparse matrix of shape (n, n)
        0/1 adjacency without self-loops.
    edge_drop, feature_drop : pair of float
        Drop probabilities of the two views.
    """

    def __init__(self, adjacency, edge_drop, feature_drop):
        csr = sp.csr_matrix(adjacency + sp.identity(adjacency.shape[0], format="csr"))
        csr.sort_indices()
        self.n = csr.shape[0]
        self.row = torch.from_numpy(np.repeat(np.arange(self.n), np.diff(csr.indptr)).astype(np.int64))
        self.col = torch.from_numpy(csr.indices.astype(np.int64))
        self.loop = self.row == self.col
        self.edge_drop = tuple(float(p) for p in edge_drop)
        self.feature_drop = tuple(float(p) for p in feature_drop)
        self.device = torch.device("cpu")

    def attach(self, net, dataset):
        """Put the graph on the dataset (and the rows on the net's device) before the first epoch."""
        self.device = torch.device(net.device)
        dataset.X = dataset.X.to(net.device)
        dataset.graph = self

    def edges(self, p, generator):
        """A GCN-normalised sparse adjacency keeping each directed edge with probability ``1 - p``."""
        keep = (torch.rand(len(self.row), generator=generator) >= p) | self.loop
        r, c = self.row[keep], self.col[keep]  # sorted by (row, col), unique: already coalesced
        deg = torch.bincount(r, minlength=self.n).to(torch.float32)
        w = deg[r].rsqrt() * deg[c].rsqrt()
        adj = torch.sparse_coo_tensor(torch.stack([r, c]), w, (self.n, self.n), check_invariants=False,
                                      is_coalesced=True)
        return adj.to(self.device)

    def features(self, x, p, generator):
        """``x`` with each column zeroed with probability ``p`` (one draw per column)."""
        keep = torch.rand(x.shape[1], generator=generator) >= p
        return x * keep.to(device=x.device, dtype=x.dtype)


class GraphViewIterator(TensorBatchIterator):
    """Steps of GRACE: ``((x1, Â1, x2, Â2), rows)``, two fresh views per step and the step's rows.

    Every step encodes the whole graph in both views; its ``batch_size`` rows,
    a new random partition each epoch, are the anchors and the negatives of
    the step's loss (all rows when ``batch_size`` covers them: the authors'
    full-batch loss).
    """

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        X, graph = self.dataset.X, self.dataset.graph
        n = len(X)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            rows = order[start:start + self.batch_size].to(X.device)
            views = []
            for p_e, p_f in zip(graph.edge_drop, graph.feature_drop):
                views += [graph.features(X, p_f, self.generator), graph.edges(p_e, self.generator)]
            yield tuple(views), rows
