"""Exact k-nearest neighbours: tiled BLAS products select candidates, float64 re-ranking decides.

Candidates come straight out of one GEMM on augmented rows,
``[x, |x|^2, 1] . [-2y, 1, |y|^2] = |x - y|^2``, so a scan only compares
each tile entry with the current worst candidate and touches the heap rarely.
The rows are centred first (euclidean distances ignore a common shift), so
the expanded form does not cancel for data far from the origin.

Each row keeps a few more candidates than asked for (``k + 4 + k // 4``).
Their distances are then recomputed directly from the rows, in float64, and
re-sorted (ties by index): the returned distances do not depend on the other
rows of the call or on how BLAS blocked the product. A rounding bound of the
GEMM proves, per row, that no row outside the candidates can be closer than
the k-th; the rare rows without that proof (many rows at the same distance)
are searched again in float64 and re-ranked the same way.

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

_EUCLIDEAN, _COSINE, _INNER = 0, 1, 2

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


_CHUNK = 64  # entries checked at once (a vectorised count) before the scalar heap loop


@numba.njit(cache=True)
def _count_below(g, top):
    """How many entries of ``g`` are below ``top`` (a separate function, so LLVM vectorises it)."""
    h = 0
    for c in range(g.shape[0]):
        h += g[c] < top
    return h


@numba.njit(cache=True)
def _count_below_each(g, tops):
    """How many ``g[c] < tops[c]``."""
    h = 0
    for c in range(g.shape[0]):
        h += g[c] < tops[c]
    return h


@numba.njit(inline="always")
def _scan_row(g, col0, skip, heap_d, heap_i):
    """Offer ``g[c]`` (reference row ``col0 + c``), c != skip, to one max-heap.

    A chunk with no entry below the heap's root is skipped (the root only
    falls, so the chunk would offer nothing): same offers, same order.
    """
    k = heap_d.shape[0]
    top = heap_d[0]
    n = g.shape[0]
    for c0 in range(0, n, _CHUNK):
        c1 = min(c0 + _CHUNK, n)
        if _count_below(g[c0:c1], top) == 0:
            continue
        for c in range(c0, c1):
            v = g[c]
            if v < top and c != skip:
                heap_d[0] = v
                heap_i[0] = col0 + c
                _sift_down(heap_d, heap_i, k)
                top = heap_d[0]


@numba.njit(inline="always")
def _scan_columns(G, row0, col0, out_d, out_i, tops):
    """Column c of G offers its entries to the heap of reference row ``col0 + c`` (chunks skipped as above)."""
    nr, nc = G.shape
    k = out_d.shape[1]
    for c in range(nc):
        tops[c] = out_d[col0 + c, 0]
    for r in range(nr):
        g = G[r]
        for c0 in range(0, nc, _CHUNK):
            c1 = min(c0 + _CHUNK, nc)
            if _count_below_each(g[c0:c1], tops[c0:c1]) == 0:
                continue
            for c in range(c0, c1):
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


@numba.njit(inline="always")
def _exact_value(q, x, code, q_norm, x_norm):
    """The ranking quantity of one pair in float64, from the rows themselves.

    Squared distance (euclidean), ``-2 cos`` (cosine) or ``-2 <q, x>``
    (inner product): the units of the candidate heaps.
    """
    s = 0.0
    if code == 0:
        for t in range(q.shape[0]):
            diff = np.float64(q[t]) - np.float64(x[t])
            s += diff * diff
        return s
    for t in range(q.shape[0]):
        s += np.float64(q[t]) * np.float64(x[t])
    if code == 1:
        return -2.0 * (s / (q_norm * x_norm))
    return -2.0 * s


@numba.njit(parallel=True, cache=True)
def _rerank(Q, X, cand_d, cand_i, k, code, q_norms, x_norms, slack, self_index, all_candidates, exact, ok):
    """Exact values of each row's candidates, sorted ascending (ties by index), in place.

    ``cand_d`` holds the GEMM heaps (root = largest approximate value);
    ``exact`` and ``cand_i`` receive the sorted exact values and indices.
    ``self_index[r]`` (if >= 0) is dropped from row r's candidates. ``ok[r]``
    is True when every non-candidate is provably farther than the k-th
    candidate: its approximate value is at least the heap's root, so its
    exact value is above ``root - slack[r]``.
    """
    m, kc = cand_i.shape
    for r in numba.prange(m):
        top = cand_d[r, 0]
        ex = exact[r]
        ci = cand_i[r]
        for c in range(kc):
            j = ci[c]
            if j < 0 or j == self_index[r]:
                ex[c] = np.inf
                ci[c] = X.shape[0]  # sorts last
            else:
                ex[c] = _exact_value(Q[r], X[j], code, q_norms[r], x_norms[j])
        for a in range(1, kc):
            v = ex[a]
            iv = ci[a]
            b = a - 1
            while b >= 0 and (ex[b] > v or (ex[b] == v and ci[b] > iv)):
                ex[b + 1] = ex[b]
                ci[b + 1] = ci[b]
                b -= 1
            ex[b + 1] = v
            ci[b + 1] = iv
        ok[r] = all_candidates or (top < np.inf and ex[k - 1] < top - slack[r])


def _n_candidates(k, available):
    """Candidates kept per row: a margin above k, so the float64 re-ranking rarely needs a second search."""
    return int(max(k, min(k + 4 + k // 4, available)))


def _search_operands(X, Q, metric):
    """Rows as the GEMM sees them: centred by X's mean (euclidean), unit rows (cosine) or as given."""
    if metric == "cosine":
        return l2_normalize(X), l2_normalize(Q)
    if metric == "inner_product":
        return X, Q
    shift = X.mean(axis=0, dtype=np.float64).astype(X.dtype)  # any common shift will do
    Xs = np.ascontiguousarray(X - shift)
    return Xs, (Xs if Q is X else np.ascontiguousarray(Q - shift))


def _norms(A):
    return np.sqrt(np.einsum("ij,ij->i", A, A, dtype=np.float64))


def _slack(Xs, Qs, metric):
    """Per query row, a bound on the GEMM's error in the heap's units.

    The product of ``d + 2`` terms rounds by at most ``(d + 2) u`` times the
    sum of the terms' magnitudes (any summation order), which for the
    augmented operands is at most ``(|q| + |x|)^2`` (``2 |q| |x|`` for the
    inner products); centring, norms and the output add a few ``u``. Twice
    ``(d + 10) u`` times that magnitude, with ``|x|`` the largest row norm.
    """
    u = np.finfo(Xs.dtype).eps / 2
    q_norms = _norms(Qs)
    top = float(_norms(Xs).max()) if Xs.shape[0] else 0.0
    scale = (q_norms + top) ** 2 if metric in ("euclidean", "sqeuclidean") else 2 * q_norms * top
    return 2 * (Xs.shape[1] + 10) * u * scale


def _candidates(Xs, Qs, kc, euclidean, exclude_self, block, col_block):
    """GEMM heaps of ``kc`` candidates per query row (``Qs`` None: self-search of Xs)."""
    n_q = Xs.shape[0] if Qs is None else Qs.shape[0]
    cand_d = np.full((n_q, kc), np.inf, dtype=Xs.dtype)
    cand_i = np.full((n_q, kc), -1, dtype=np.int64)
    R = augmented_operands(Xs, euclidean=euclidean, left=False)
    with threadpool_limits(limits=1, user_api="blas"):
        if Qs is None:
            L = augmented_operands(Xs, euclidean=euclidean, left=True)
            block = int(min(block, max(1, -(-Xs.shape[0] // 2))))
            schedule = _round_robin(-(-Xs.shape[0] // block))
            _knn_self_symmetric(L, R, block, schedule, bool(exclude_self), euclidean and not exclude_self,
                                cand_d, cand_i, numba.get_num_threads())
        else:
            Lq = augmented_operands(Qs, euclidean=euclidean, left=True)
            _knn_query(Lq, R, int(block), int(col_block), cand_d, cand_i, numba.get_num_threads())
    return cand_d, cand_i


def _exact_top_k(X, Q, k, kc, metric, *, self_search, exclude_self, all_candidates, block, col_block,
                 self_index=None):
    """Candidates from the GEMM in X's dtype, re-ranked in float64; returns values, indices and proofs."""
    euclidean = metric in ("euclidean", "sqeuclidean")
    Xs, Qs = _search_operands(X, Q, metric)
    cand_d, cand_i = _candidates(Xs, None if self_search else Qs, kc, euclidean, exclude_self, block, col_block)
    code = _EUCLIDEAN if euclidean else (_COSINE if metric == "cosine" else _INNER)
    if code == _COSINE:
        q_norms, x_norms = _norms(Q), _norms(X)
        q_norms[q_norms == 0] = 1.0
        x_norms[x_norms == 0] = 1.0
    else:
        q_norms, x_norms = np.ones(Q.shape[0]), np.ones(X.shape[0])
    if self_index is None:
        self_index = np.full(Q.shape[0], -1, dtype=np.int64)
    exact = np.empty(cand_i.shape, dtype=np.float64)
    ok = np.empty(Q.shape[0], dtype=np.bool_)
    _rerank(Q, X, cand_d, cand_i, k, code, q_norms, x_norms, _slack(Xs, Qs, metric), self_index,
            bool(all_candidates), exact, ok)
    cand_i[cand_i == X.shape[0]] = -1  # fewer than k rows to choose from
    return exact[:, :k], cand_i[:, :k], ok


def knn_search(X, k, *, query=None, metric="euclidean", exclude_self=False, block=512, col_block=2048):
    """Exact k nearest rows of ``X`` for each row of ``query`` (default: X itself).

    Candidates are selected by a tiled GEMM in X's dtype (rows centred for
    the euclidean metrics); the returned distances are recomputed from the
    rows in float64, so a row's result does not depend on the other rows of
    the call. Rows whose candidates cannot be proved to hold the k nearest
    are searched again in float64.

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
    dist : ndarray of shape (m, k), X's dtype, ascending per row (ties by index)
    ind : ndarray of shape (m, k), int64
    """
    self_search = query is None
    dtype = X.dtype
    exclude_self = bool(exclude_self and self_search)
    Q = X if self_search else np.ascontiguousarray(query, dtype=dtype)
    available = X.shape[0] - (1 if exclude_self else 0)
    kc = _n_candidates(k, available)
    dist, ind, ok = _exact_top_k(X, Q, k, kc, metric, self_search=self_search, exclude_self=exclude_self,
                                 all_candidates=kc >= available, block=block, col_block=col_block)
    redo = np.flatnonzero(~ok)
    if redo.size:
        # no proof (e.g. many rows tied at the k-th distance): the same search in float64, as a query
        # (own row kept as a candidate and dropped in the re-ranking)
        X64 = X.astype(np.float64, copy=False)
        kq = min(kc + (1 if exclude_self else 0), X.shape[0])
        self_index = redo.astype(np.int64) if exclude_self else None
        dist[redo], ind[redo], _ = _exact_top_k(
            X64, np.ascontiguousarray(Q[redo], dtype=np.float64), k, kq, metric, self_search=False,
            exclude_self=False, all_candidates=True, block=block, col_block=col_block, self_index=self_index,
        )
    return _finish(dist, metric).astype(dtype, copy=False), np.ascontiguousarray(ind)


def _finish(values, metric):
    """Heap units to the metric's distances."""
    if metric == "euclidean":
        return np.sqrt(values)
    if metric == "cosine":
        return 1 + 0.5 * values  # the heaps held -2 cos; cosine distance is 1 - cos
    if metric == "inner_product":
        return 0.5 * values
    return values
