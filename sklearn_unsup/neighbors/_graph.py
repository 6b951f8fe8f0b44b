"""The symmetrised kNN graph of the training rows and the attachment of new rows to it (private, torch-free).

Shared by the graph neural networks of :mod:`sklearn_unsup.manifold` (a GCN on
the kNN graph of X): the training graph, its GCN normalisation
``D^-1/2 (A + I) D^-1/2`` and, for ``transform``, the edges a new row would
have had in that graph, without changing the training rows' own edges.
"""

import numpy as np
import scipy.sparse as sp

from ._kneighbors import kneighbors

__all__ = ["KNNGraph"]

# Relative slack of the exact reverse-neighbour test (the kernel's float64 distances and ours may differ in the
# last bits, which only matters at exact ties).
_TIE_RTOL = 1e-9


class KNNGraph:
    """Symmetrised kNN graph of X's rows: ``i ~ j`` when either is among the other's ``n_neighbors`` nearest.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training rows (at least ``n_neighbors + 1``).
    n_neighbors : int
        Neighbours per row (exact search, the row itself left out).
    metric : {"euclidean", "cosine"}, default="euclidean"
        ``"cosine"`` ranks by euclidean distance between L2-normalised rows (the same order).

    Attributes
    ----------
    adjacency : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        0/1, symmetric, empty diagonal.
    degree : ndarray of shape (n_samples,)
        Degree of each row in ``A + I``.
    normalized : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        ``D^-1/2 (A + I) D^-1/2``, the GCN propagation matrix.
    """

    def __init__(self, X, n_neighbors, *, metric="euclidean"):
        self.metric = metric
        self.n_neighbors = int(n_neighbors)
        self.rows = self._search_rows(X)
        n = len(self.rows)
        dist, ind = kneighbors(self.rows, n_neighbors=self.n_neighbors)
        self.radius = dist[:, -1].astype(np.float64)  # distance of each row to its k-th neighbour
        knn = sp.csr_matrix((np.ones(ind.size), ind.ravel(), np.arange(0, ind.size + 1, self.n_neighbors)),
                            shape=(n, n))
        self.adjacency = _binary(knn + knn.T)
        self.degree = self.adjacency.getnnz(axis=1).astype(np.float64) + 1.0
        scale = 1.0 / np.sqrt(self.degree)
        self.normalized = sp.csr_matrix(
            sp.diags(scale) @ (self.adjacency + sp.identity(n, format="csr")) @ sp.diags(scale))
        self._center = self.rows.mean(axis=0)
        centred = self.rows - self._center
        self._sq_norms = np.einsum("ij,ij->i", centred, centred)
        self._centred = centred

    def _search_rows(self, X):
        X = np.array(X, dtype=np.float64, order="C")
        if self.metric == "cosine":
            norms = np.linalg.norm(X, axis=1, keepdims=True)
            X /= np.where(norms > 0, norms, 1.0)
        return X

    def attach(self, X):
        """Edges of new rows to the training rows, GCN-normalised with the training degrees.

        A new row gets the edges it would have had in the training graph: to its
        ``n_neighbors`` nearest training rows and from every training row that
        would count it among its own ``n_neighbors`` nearest (distance within
        that row's k-th neighbour distance). A row equal to a training row is
        that row's node and gets its training edges (the first of duplicate
        training rows). New rows are not linked to each other: each row's
        result depends on that row only.

        Returns
        -------
        weights : scipy.sparse.csr_matrix of shape (n_new, n_samples)
            ``1 / sqrt(d_new d_j)`` on the new row's edges.
        self_weight : ndarray of shape (n_new,)
            ``1 / d_new``, the weight of its self-loop.
        """
        Q = self._search_rows(X)
        n, m, k = len(self.rows), len(Q), self.n_neighbors
        dist, forward = kneighbors(self.rows, query=Q, n_neighbors=k)
        same = dist[:, 0] == 0
        new = np.flatnonzero(~same)
        rev_rows, rev_cols = self._reverse_neighbors(Q, new)
        # a row equal to a training row is that row's node: its training edges
        own = forward[same, 0]
        own_rows = np.repeat(np.flatnonzero(same), np.diff(self.adjacency.indptr)[own])
        own_cols = self.adjacency[own].indices
        rows = np.concatenate([np.repeat(new, forward.shape[1]), rev_rows, own_rows])
        cols = np.concatenate([forward[new].ravel(), rev_cols, own_cols])
        W = _binary(sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(m, n)))
        d_new = W.getnnz(axis=1).astype(np.float64) + 1.0
        W.data = 1.0 / np.sqrt(np.repeat(d_new, np.diff(W.indptr)) * self.degree[W.indices])
        return W, 1.0 / d_new

    def _reverse_neighbors(self, Q, which):
        """(row, training row) pairs: a row of ``Q[which]`` within the training row's k-th neighbour distance."""
        n = len(self.rows)
        chunk = max(1, (1 << 22) // max(n, 1))
        top = float(np.sqrt(self._sq_norms.max())) if n else 0.0
        eps = np.finfo(np.float64).eps
        out_r, out_c = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
        for start in range(0, len(which), chunk):
            Qc = Q[which[start:start + chunk]] - self._center
            q_sq = np.einsum("ij,ij->i", Qc, Qc)
            approx = q_sq[:, None] + self._sq_norms[None, :] - 2.0 * (Qc @ self._centred.T)
            slack = 4 * (Q.shape[1] + 10) * eps * (np.sqrt(q_sq) + top) ** 2  # GEMM rounding bound
            r, c = np.nonzero(approx <= (self.radius ** 2)[None, :] + slack[:, None])
            r = which[start + r]
            exact = np.sqrt(((Q[r] - self.rows[c]) ** 2).sum(axis=1))
            keep = exact <= self.radius[c] * (1 + _TIE_RTOL)
            out_r.append(r[keep])
            out_c.append(c[keep])
        return np.concatenate(out_r), np.concatenate(out_c)


def _binary(A):
    A = sp.csr_matrix(A)
    A.sum_duplicates()
    A.data[:] = 1.0
    return A
