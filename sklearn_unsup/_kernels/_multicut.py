"""Greedy additive edge contraction (GAEC) for the dense multicut, on a sparse candidate graph.

Nodes carry a feature sum ``F[u]`` and a size ``s[u]``; the cost of joining two
nodes is ``<F[u], F[v]> - offset * s[u] * s[v]`` (positive = attractive). The
contraction repeatedly joins the most attractive candidate pair, so a cluster's
feature is the sum of its rows' features and every cost stays exact on the
complete graph (Abbas & Swoboda, "ClusterFuG", ICML 2023).

The candidate pairs are ``(A, B)`` with ``B`` in ``A``'s list (union-find ids
resolved to the current clusters), in either direction; each cluster lists at
most ``k_cap`` others: a joined cluster keeps the ``k_cap`` most attractive of
its two parts' candidates (the cost is additive, ``c(A + B, C) = c(A, C) +
c(B, C)``), so memory stays O(n k_cap). A join changes the cost of every pair
that contains the joined cluster, and may raise it, so every such pair still
in the candidate graph is pushed again with its current cost at once: the
joined cluster's own list and every cluster that lists one of its parts (its
"users", kept per cluster as in ClusterFuG's incremental nearest-neighbour
graph). Heap entries carry both ends' version stamps; an entry whose end has
changed since the push is dropped, as its pair (if still a candidate) has a
fresher entry. So the heap top is always the most attractive candidate pair at
its current cost: the greedy order of GAEC on the candidate graph (``exact=True``).
A growing cluster's users are its whole kNN frontier, so ``exact=False`` (what
``DenseMulticut`` runs) skips them: a stale entry reaching the top is pushed
again at its current cost if still positive (a valid GAEC join even if the
pair has left both lists, as costs are exact on the complete graph), O(k_cap)
per join. A pair whose cost rose waits until its old entry is the top, and a
pair that had no entry (not attractive when listed) and turned attractive
through a join of the end not listing it is missed by this call:
``DenseMulticut``'s next neighbour-search round finds it.
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
def _sift_up(hc, hi, i):
    c = hc[i]
    a, b, va, vb = hi[i, 0], hi[i, 1], hi[i, 2], hi[i, 3]
    while i > 0:
        p = (i - 1) >> 1
        if hc[p] >= c:
            break
        hc[i] = hc[p]
        hi[i, :] = hi[p, :]
        i = p
    hc[i] = c
    hi[i, 0], hi[i, 1], hi[i, 2], hi[i, 3] = a, b, va, vb


@numba.njit(cache=True)
def _sift_down(hc, hi, size):
    c = hc[0]
    a, b, va, vb = hi[0, 0], hi[0, 1], hi[0, 2], hi[0, 3]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and hc[child + 1] > hc[child]:
            child += 1
        if hc[child] <= c:
            break
        hc[i] = hc[child]
        hi[i, :] = hi[child, :]
        i = child
    hc[i] = c
    hi[i, 0], hi[i, 1], hi[i, 2], hi[i, 3] = a, b, va, vb


@numba.njit(cache=True)
def _grow(a, new_size):
    out = np.empty((new_size,) + a.shape[1:], dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@numba.njit(cache=True)
def _push(hc, hi, size, c, a, b, ver):
    """Push the pair ``(a, b)`` with cost ``c`` and both ends' current versions; returns the (grown) heap."""
    if size == hc.shape[0]:
        hc = _grow(hc, 2 * size)
        hi = _grow(hi, 2 * size)
    hc[size] = c
    hi[size, 0], hi[size, 1], hi[size, 2], hi[size, 3] = a, b, ver[a], ver[b]
    _sift_up(hc, hi, size)
    return hc, hi, size + 1


@numba.njit(cache=True)
def _add_user(pool, start, count, capa, end, x, w):
    """Append ``w`` to the users of ``x`` (a segment of ``pool``, moved to the end at double size when full)."""
    if count[x] == capa[x]:
        new_cap = max(4, 2 * capa[x])
        if end + new_cap > pool.shape[0]:
            pool = _grow(pool, max(2 * pool.shape[0], end + new_cap))
        pool[end: end + count[x]] = pool[start[x]: start[x] + count[x]]
        start[x], capa[x] = end, new_cap
        end += new_cap
    pool[start[x] + count[x]] = w
    count[x] += 1
    return pool, end


@numba.njit(cache=True)
def _lists_node(lists, counts, parent, w, u):
    """Whether ``w``'s candidate list holds a node now contracted into ``u``."""
    for j in range(counts[w]):
        if _find(parent, lists[w, j]) == u:
            return True
    return False


@numba.njit(cache=True)
def gaec_contract(F, sizes, neighbors, offset, k_cap, exact=True):
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
    exact : bool, default=True
        Re-queue every candidate pair of a joined cluster at once (the exact
        greedy order; O(users) per join, which grows with a cluster's
        frontier). False re-queues the pairs of its own list at once and a
        pair seen only from the other side when its stale entry reaches the
        top (its cost then recomputed and pushed again if positive): O(k_cap)
        per join, but a pair whose cost rose waits until its old entry is
        the top, and a pair with no entry (see the module docstring) is
        missed until the caller searches again.

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
    ver = np.zeros(m, dtype=np.int64)
    for i in range(m):
        c = 0
        for j in range(k_in):
            e = neighbors[i, j]
            if e >= 0 and e != i and c < width:
                lists[i, c] = e
                c += 1
        counts[i] = c
    # users (exact mode): the nodes that list each node (segments of one pool, sized by the in-degree)
    ucount = np.zeros(m, dtype=np.int64)
    ucap = np.zeros(m, dtype=np.int64)
    ustart = np.zeros(m, dtype=np.int64)
    uend = 0
    pool = np.empty(0, dtype=np.int64)
    if exact:
        for i in range(m):
            for j in range(counts[i]):
                ucount[lists[i, j]] += 1
        for i in range(m):
            ucap[i] = max(ucount[i], 4)
            ustart[i] = uend
            uend += ucap[i]
        pool = np.empty(2 * uend, dtype=np.int64)
        ucount[:] = 0
        for i in range(m):
            for j in range(counts[i]):
                e = lists[i, j]
                pool[ustart[e] + ucount[e]] = i
                ucount[e] += 1
    hc = np.empty(max(16, m * width), dtype=np.float64)
    hi = np.empty((hc.shape[0], 4), dtype=np.int64)
    size = 0
    for i in range(m):
        for j in range(counts[i]):
            e = lists[i, j]
            if e < i and _lists_node(lists, counts, parent, e, i):
                continue  # a mutual pair: pushed from e's side already
            c = join_cost(F, sizes, i, e, offset)
            if c > 0:
                hc, hi, size = _push(hc, hi, size, c, i, e, ver)
    seen = np.full(m, -1, dtype=np.int64)  # stamp: in the joined cluster's union of candidates
    from_u = np.zeros(m, dtype=np.bool_)
    kept = np.full(m, -1, dtype=np.int64)  # stamp: kept in the joined cluster's list
    used = np.full(m, -1, dtype=np.int64)  # stamp: a user of the joined cluster
    buf = np.empty(2 * width, dtype=np.int64)
    buf_cost = np.empty(2 * width, dtype=np.float64)
    ubuf = np.empty(16, dtype=np.int64)
    n_merges = 0
    while size > 0:
        u, v, vu, vv = hi[0, 0], hi[0, 1], hi[0, 2], hi[0, 3]
        size -= 1
        if size > 0:
            hc[0] = hc[size]
            hi[0, :] = hi[size, :]
            _sift_down(hc, hi, size)
        if parent[u] != u or parent[v] != v or ver[u] != vu or ver[v] != vv:
            # an end was contracted or grew since the push: exact mode pushed the pair again then
            if not exact:
                ru, rv = _find(parent, u), _find(parent, v)
                if ru != rv:
                    c = join_cost(F, sizes, ru, rv, offset)
                    if c > 0:
                        hc, hi, size = _push(hc, hi, size, c, ru, rv, ver)
            continue
        # contract v into u
        for j in range(F.shape[1]):
            F[u, j] += F[v, j]
        sizes[u] += sizes[v]
        parent[v] = u
        n_merges += 1
        ver[u] = n_merges
        # the joined cluster's list: the k_cap most attractive of its parts' candidates
        nb = 0
        for side in (u, v):
            for j in range(counts[side]):
                r = _find(parent, lists[side, j])
                if r != u and seen[r] != n_merges:
                    seen[r] = n_merges
                    from_u[r] = side == u
                    buf[nb] = r
                    buf_cost[nb] = join_cost(F, sizes, u, r, offset)
                    nb += 1
        order = np.argsort(-buf_cost[:nb], kind="mergesort")
        keep = min(nb, width)
        counts[v] = 0
        counts[u] = keep
        for t in range(keep):
            r = buf[order[t]]
            lists[u, t] = r
            kept[r] = n_merges
            if exact and not from_u[r]:  # u is already among r's users when r came from u's own list
                pool, uend = _add_user(pool, ustart, ucount, ucap, uend, r, u)
            cr = buf_cost[order[t]]
            if cr > 0:
                hc, hi, size = _push(hc, hi, size, cr, u, r, ver)
        # the clusters that list a part of the joined cluster: their pair with it has a new cost
        if not exact:
            continue
        nu = 0
        for side in (u, v):
            for p in range(ucount[side]):
                w = pool[ustart[side] + p]
                if parent[w] != w or w == u or used[w] == n_merges:
                    continue
                if not _lists_node(lists, counts, parent, w, u):
                    continue
                used[w] = n_merges
                if nu == ubuf.shape[0]:
                    ubuf = _grow(ubuf, 2 * nu)
                ubuf[nu] = w
                nu += 1
                if kept[w] != n_merges:
                    cw = join_cost(F, sizes, w, u, offset)
                    if cw > 0:
                        hc, hi, size = _push(hc, hi, size, cw, w, u, ver)
        ucount[v] = 0
        if nu > ucap[u]:
            if uend + 2 * nu > pool.shape[0]:
                pool = _grow(pool, max(2 * pool.shape[0], uend + 2 * nu))
            ustart[u], ucap[u] = uend, 2 * nu
            uend += 2 * nu
        pool[ustart[u]: ustart[u] + nu] = ubuf[:nu]
        ucount[u] = nu
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
