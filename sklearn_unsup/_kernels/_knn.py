"""Exact k-nearest neighbours: tiled BLAS products and per-row heaps, in one numba pool.

Distances come straight out of one GEMM on augmented rows,
``[x, |x|^2, 1] . [-2y, 1, |y|^2] = |x - y|^2``, so a scan only compares
each tile entry with the current k-th best and touches the heap rarely.

Each numba thread computes its tiles with a single-threaded BLAS call
(``np.dot`` inside the kernel; BLAS's own pool is capped at one thread for the
call), so only one thread pool runs at a time. For a self-search (neighbours of
X among X) the distance matrix is symmetric: only tiles ``(i, j)`` with
``i <= j`` are computed and each feeds both row block i and row block j.
Tiles run in round-robin rounds in which every row block appears once, so no
two threads ever write the same heap. That halves the GEMM work.

Memory: O(n * k + n_threads * block^2).
"""

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from ._distances import augmented_operands, l2_normalize

__all__ = ["knn_search"]


@numba.njit(inline="always")
def _sift_down(heap_d, heap_i, k):
    # restore the max-heap property after the root was replaced
    pos = 0
    while True:
        left = 2 * pos + 1
        if left >= k:
            break
        child = left
        right = left + 1
        if right < k and heap_d[right] > heap_d[left]:
            child = right
        if heap_d[child] > heap_d[pos]:
            td = heap_d[pos]
            ti = heap_i[pos]
            heap_d[pos] = heap_d[child]
            heap_i[pos] = heap_i[child]
            heap_d[child] = td
            heap_i[child] = ti
            pos = child
        else:
            break


@numba.njit(inline="always")
def _scan_row(g, col0, skip, heap_d, heap_i):
    """Offer ``g[c]`` (reference row ``col0 + c``), c != skip, to one max-heap."""
    k = heap_d.shape[0]
    top = heap_d[0]
    for c in range(g.shape[0]):
        v = g[c]
        if v < top and c != skip:
            heap_d[0] = v
            heap_i[0] = col0 + c
            _sift_down(heap_d, heap_i, k)
            top = heap_d[0]


@numba.njit(inline="always")
def _scan_columns(G, row0, col0, out_d, out_i, tops):
    """Column c of G offers its entries to the heap of reference row ``col0 + c``."""
    nr, nc = G.shape
    k = out_d.shape[1]
    for c in range(nc):
        tops[c] = out_d[col0 + c, 0]
    for r in range(nr):
        g = G[r]
        for c in range(nc):
            v = g[c]
            if v < tops[c]:
                hd = out_d[col0 + c]
                hi = out_i[col0 + c]
                hd[0] = v
                hi[0] = row0 + r
                _sift_down(hd, hi, k)
                tops[c] = hd[0]


@numba.njit(parallel=True, cache=True)
def _knn_self_symmetric(L, R, block, schedule, exclude_self, zero_diag, out_d, out_i, n_workers):
    n = L.shape[0]
    bufs = np.empty((n_workers, block * block), dtype=L.dtype)
    tops = np.empty((n_workers, block), dtype=L.dtype)
    n_rounds, n_pairs, _ = schedule.shape
    for rnd in range(n_rounds):
        for w in numba.prange(n_workers):  # one worker per buffer, pairs strided
            for p in range(w, n_pairs, n_workers):
                bi = schedule[rnd, p, 0]
                bj = schedule[rnd, p, 1]
                if bi < 0:
                    continue
                i0 = bi * block
                i1 = min(i0 + block, n)
                j0 = bj * block
                j1 = min(j0 + block, n)
                G = bufs[w, : (i1 - i0) * (j1 - j0)].reshape((i1 - i0, j1 - j0))
                np.dot(L[i0:i1], R[j0:j1].T, G)
                if bi == bj and zero_diag:
                    for r in range(i1 - i0):
                        G[r, r] = 0  # a row's distance to itself, exactly
                for r in range(i1 - i0):
                    skip = r if (bi == bj and exclude_self) else -1
                    _scan_row(G[r], j0, skip, out_d[i0 + r], out_i[i0 + r])
                if bi != bj:
                    _scan_columns(G, i0, j0, out_d, out_i, tops[w])


@numba.njit(parallel=True, cache=True)
def _knn_query(Lq, R, block, col_block, out_d, out_i, n_workers):
    nq = Lq.shape[0]
    n = R.shape[0]
    bufs = np.empty((n_workers, block * col_block), dtype=R.dtype)
    n_blocks = (nq + block - 1) // block
    for w in numba.prange(n_workers):  # one worker per buffer, query blocks strided
        for b in range(w, n_blocks, n_workers):
            i0 = b * block
            i1 = min(i0 + block, nq)
            for j0 in range(0, n, col_block):
                j1 = min(j0 + col_block, n)
                G = bufs[w, : (i1 - i0) * (j1 - j0)].reshape((i1 - i0, j1 - j0))
                np.dot(Lq[i0:i1], R[j0:j1].T, G)
                for r in range(i1 - i0):
                    _scan_row(G[r], j0, -1, out_d[i0 + r], out_i[i0 + r])


@numba.njit(parallel=True, cache=True)
def _finish_heaps(out_d, out_i, clamp_zero):
    """Sort each heap ascending (ties by index) and clamp at 0 if asked."""
    n, k = out_d.shape
    for r in numba.prange(n):
        hd = out_d[r]
        hi = out_i[r]
        for a in range(1, k):
            dv = hd[a]
            iv = hi[a]
            b = a - 1
            while b >= 0 and (hd[b] > dv or (hd[b] == dv and hi[b] > iv)):
                hd[b + 1] = hd[b]
                hi[b + 1] = hi[b]
                b -= 1
            hd[b + 1] = dv
            hi[b + 1] = iv
        if clamp_zero:
            for t in range(k):
                if hd[t] < 0:
                    hd[t] = 0


def _round_robin(n_blocks):
    """Rounds of disjoint block pairs covering every pair i < j once, then the diagonal."""
    m = n_blocks + (n_blocks % 2)
    rounds = []
    ring = list(range(1, m))
    for _ in range(m - 1):
        pairs = [(0, ring[0])] + [(ring[t], ring[-t]) for t in range(1, m // 2)]
        rounds.append([(min(a, b), max(a, b)) for a, b in pairs if a < n_blocks and b < n_blocks])
        ring = ring[1:] + ring[:1]
    rounds.append([(i, i) for i in range(n_blocks)])
    width = max(len(r) for r in rounds)
    schedule = np.full((len(rounds), width, 2), -1, dtype=np.int64)
    for r, pairs in enumerate(rounds):
        if pairs:
            schedule[r, : len(pairs)] = pairs
    return schedule


def knn_search(X, k, *, query=None, metric="euclidean", exclude_self=False, block=512, col_block=2048):
    """Exact k nearest rows of ``X`` for each row of ``query`` (default: X itself).

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64
        Reference rows.
    k : int
        Neighbours per query row (``k <= n``, minus one with ``exclude_self``).
    query : ndarray of shape (m, d) or None
        Query rows (same dtype); None means ``X`` (symmetric fast path).
    metric : {"euclidean", "sqeuclidean", "cosine", "inner_product"}
        ``"cosine"`` distances are ``1 - cos``. ``"inner_product"`` ranks by
        largest inner product (SCAN/TLDR neighbour mining) and returns minus
        the inner product as the distance.
    exclude_self : bool
        Exclude each row's own index (only when ``query`` is None).
    block, col_block : int
        Tile sizes.

    Returns
    -------
    dist : ndarray of shape (m, k), X's dtype, ascending per row
    ind : ndarray of shape (m, k), int64
    """
    self_search = query is None
    dtype = X.dtype
    if metric == "cosine":
        X = l2_normalize(X)
        if not self_search:
            query = l2_normalize(query)
    euclidean = metric in ("euclidean", "sqeuclidean")
    R = augmented_operands(X, euclidean=euclidean, left=False)
    n_q = X.shape[0] if self_search else query.shape[0]
    out_d = np.full((n_q, k), np.inf, dtype=dtype)
    out_i = np.full((n_q, k), -1, dtype=np.int64)
    with threadpool_limits(limits=1, user_api="blas"):
        if self_search:
            L = augmented_operands(X, euclidean=euclidean, left=True)
            block = int(min(block, max(1, -(-X.shape[0] // 2))))
            schedule = _round_robin(-(-X.shape[0] // block))
            _knn_self_symmetric(L, R, block, schedule, bool(exclude_self),
                                euclidean and not exclude_self, out_d, out_i, numba.get_num_threads())
        else:
            Lq = augmented_operands(np.ascontiguousarray(query, dtype=dtype), euclidean=euclidean, left=True)
            _knn_query(Lq, R, int(block), int(col_block), out_d, out_i, numba.get_num_threads())
    _finish_heaps(out_d, out_i, euclidean)
    if metric == "euclidean":
        np.sqrt(out_d, out=out_d)
    elif metric == "cosine":
        out_d *= 0.5  # heaps held -2<x, y>; cosine distance is 1 - <x, y>
        out_d += 1
    elif metric == "inner_product":
        out_d *= 0.5
    return out_d, out_i
