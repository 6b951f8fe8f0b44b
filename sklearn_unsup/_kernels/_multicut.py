"""Greedy additive edge contraction (GAEC) for the dense multicut, on a sparse candidate graph.

Nodes carry a feature sum ``F[u]`` and a size ``s[u]``; the cost of joining two
nodes is ``<F[u], F[v]> - offset * s[u] * s[v]`` (positive = attractive). The
contraction repeatedly joins the most attractive candidate pair, so a cluster's
feature is the sum of its rows' features and every cost stays exact on the
complete graph (Abbas & Swoboda, "ClusterFuG", ICML 2023). Only the candidate
edges live in memory: a max-heap of ``(cost, u, v)`` with lazy invalidation (an
entry is used only when both ends are still clusters and its cost, recomputed
from the current sums, is unchanged) and, per cluster, at most ``k_cap``
candidate neighbours (union-find ids). A joined cluster's candidates are the
``k_cap`` most attractive of its two parts' candidates (the cost is additive,
``c(A + B, C) = c(A, C) + c(B, C)``), so memory stays O(n k_cap).
"""

import numba
import numpy as np

__all__ = ["gaec_contract", "gaec_reference", "join_cost", "most_attractive"]


@numba.njit(cache=True)
def join_cost(F, sizes, u, v, offset):
    """Pure arithmetic helper: ``<F[u], F[v]> - offset * sizes[u] * sizes[v]``."""
    s = 0.0
    for j in range(F.shape[1]):
        s += F[u, j] * F[v, j]
    return s - offset * sizes[u] * sizes[v]


@numba.njit(cache=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        nxt = parent[x]
        parent[x] = root
        x = nxt
    return root


@numba.njit(cache=True)
def _sift_up(hc, hu, hv, i):
    c, u, v = hc[i], hu[i], hv[i]
    while i > 0:
        p = (i - 1) >> 1
        if hc[p] >= c:
            break
        hc[i], hu[i], hv[i] = hc[p], hu[p], hv[p]
        i = p
    hc[i], hu[i], hv[i] = c, u, v


@numba.njit(cache=True)
def _sift_down(hc, hu, hv, size):
    c, u, v = hc[0], hu[0], hv[0]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and hc[child + 1] > hc[child]:
            child += 1
        if hc[child] <= c:
            break
        hc[i], hu[i], hv[i] = hc[child], hu[child], hv[child]
        i = child
    hc[i], hu[i], hv[i] = c, u, v


@numba.njit(cache=True)
def _grow(a, new_size):
    out = np.empty(new_size, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@numba.njit(cache=True)
def gaec_contract(F, sizes, neighbors, offset, k_cap):
    """Contract the most attractive candidate edge until no positive candidate is left.

    Parameters
    ----------
    F : ndarray of shape (m, d), float64
        Node feature sums; the surviving nodes' rows are updated in place.
    sizes : ndarray of shape (m,), float64
        Node sizes (rows per node); updated in place.
    neighbors : ndarray of shape (m, k), int64
        Candidate neighbours of each node, most attractive first (-1 = none).
    offset : float
        Affinity offset ``a`` of the cost.
    k_cap : int
        Candidates kept per node (the first ``k_cap`` of ``neighbors``, then
        the ``k_cap`` most attractive after each contraction).

    Returns
    -------
    roots : ndarray of shape (m,), int64
        The surviving node each node was contracted into (itself if none).
    n_merges : int
        Contractions done.
    """
    m = F.shape[0]
    k_in = neighbors.shape[1]
    width = max(k_cap, 1)
    lists = np.full((m, width), -1, dtype=np.int64)
    counts = np.zeros(m, dtype=np.int64)
    parent = np.arange(m)
    for i in range(m):
        c = 0
        for j in range(k_in):
            e = neighbors[i, j]
            if e >= 0 and e != i and c < width:
                lists[i, c] = e
                c += 1
        counts[i] = c
    cap = max(16, m * width)
    hc = np.empty(cap, dtype=np.float64)
    hu = np.empty(cap, dtype=np.int64)
    hv = np.empty(cap, dtype=np.int64)
    size = 0
    for i in range(m):
        for j in range(counts[i]):
            e = lists[i, j]
            mutual = False
            if e < i:
                for t in range(counts[e]):
                    if lists[e, t] == i:
                        mutual = True
                        break
            if mutual:  # pushed from e's side already
                continue
            c = join_cost(F, sizes, i, e, offset)
            if c > 0:
                hc[size], hu[size], hv[size] = c, i, e
                _sift_up(hc, hu, hv, size)
                size += 1
    stamp = np.full(m, -1, dtype=np.int64)
    buf = np.empty(2 * width, dtype=np.int64)
    buf_cost = np.empty(2 * width, dtype=np.float64)
    n_merges = 0
    while size > 0:
        c, u, v = hc[0], hu[0], hv[0]
        size -= 1
        if size > 0:
            hc[0], hu[0], hv[0] = hc[size], hu[size], hv[size]
            _sift_down(hc, hu, hv, size)
        if parent[u] != u or parent[v] != v or join_cost(F, sizes, u, v, offset) != c:
            continue  # stale: an end was contracted since the push
        # contract v into u
        for j in range(F.shape[1]):
            F[u, j] += F[v, j]
        sizes[u] += sizes[v]
        parent[v] = u
        nb = 0
        for side in (u, v):
            for j in range(counts[side]):
                r = _find(parent, lists[side, j])
                if r != u and stamp[r] != n_merges:
                    stamp[r] = n_merges
                    buf[nb] = r
                    buf_cost[nb] = join_cost(F, sizes, u, r, offset)
                    nb += 1
        n_merges += 1
        order = np.argsort(-buf_cost[:nb], kind="mergesort")
        keep = min(nb, width)
        counts[v] = 0
        counts[u] = keep
        for t in range(keep):
            r = buf[order[t]]
            lists[u, t] = r
            cr = buf_cost[order[t]]
            if cr > 0:
                if size == hc.shape[0]:
                    hc = _grow(hc, 2 * size)
                    hu = _grow(hu, 2 * size)
                    hv = _grow(hv, 2 * size)
                hc[size], hu[size], hv[size] = cr, u, r
                _sift_up(hc, hu, hv, size)
                size += 1
    roots = np.empty(m, dtype=np.int64)
    for i in range(m):
        roots[i] = _find(parent, i)
    return roots, n_merges


@numba.njit(parallel=True, cache=True)
def most_attractive(Z, F, bias):
    """For each row z of Z, ``argmax_A <z, F[A]> - bias[A]`` (row by row: no dependence on the other rows)."""
    n, m = Z.shape[0], F.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in numba.prange(n):
        best, arg = -np.inf, 0
        for a in range(m):
            s = 0.0
            for j in range(Z.shape[1]):
                s += Z[i, j] * F[a, j]
            s -= bias[a]
            if s > best:
                best, arg = s, a
        out[i] = arg
    return out


def gaec_reference(F, offset):
    """Brute-force GAEC on the complete graph (NumPy, O(n^3)): the tests' reference.

    Joins the most attractive pair of clusters (largest ``<F_A, F_B> - offset
    |A| |B|``) while one is positive. Returns each row's cluster id (the lowest
    row index of its cluster).
    """
    F = np.array(F, dtype=np.float64)
    n = F.shape[0]
    sizes = np.ones(n)
    labels = np.arange(n)
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        idx = np.flatnonzero(alive)
        C = F[idx] @ F[idx].T - offset * np.outer(sizes[idx], sizes[idx])
        np.fill_diagonal(C, -np.inf)
        a, b = np.unravel_index(np.argmax(C), C.shape)
        if C[a, b] <= 0:
            break
        u, v = min(idx[a], idx[b]), max(idx[a], idx[b])
        F[u] += F[v]
        sizes[u] += sizes[v]
        alive[v] = False
        labels[labels == v] = u
    return labels
