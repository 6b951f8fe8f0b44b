"""Approximate k-nearest neighbours: an inverted-file (IVF) index, then a neighbour-of-neighbour pass.

The coarse quantiser is Lloyd's k-means (``_kmeans.lloyd``) on a sample,
with about ``sqrt(n)`` cells (H. Jegou, M. Douze and C. Schmid, "Product
quantization for nearest neighbor search", IEEE TPAMI 2011, section IV.A).
Rows are sorted by cell. The query rows of a cell are compared with the rows
of the ``n_probe`` cells whose centres are nearest to that cell's centre, one
GEMM per (query block, probed cell) on the augmented rows of the exact kernel
(``[x, |x|^2, 1] . [-2y, 1, |y|^2] = |x - y|^2``), and numba heaps keep each
query's best candidates. Queries near a cell boundary miss some neighbours
that way; for a search of X within itself ``n_refine`` passes of the
NN-descent idea (W. Dong, M. Charikar and K. Li, WWW 2011: a neighbour of a
neighbour is likely a neighbour) offer each row its candidates' candidates.
Each pass reads the previous graph and writes a new one, so the result does
not depend on the thread schedule. Finally the candidates are re-ranked in
float64 from the rows, as the exact kernel does.

Cosine search runs on unit rows. Inner-product search is reduced to a
euclidean one (Y. Bachrach et al., RecSys 2014): reference rows get one more
coordinate ``sqrt(M^2 - |x|^2)`` (``M`` the largest norm) and queries a zero,
so ``|q' - x'|^2 = |q|^2 + M^2 - 2 <q, x>`` ranks by the inner product.

Memory: O(n * k) for the graph plus the sorted copy of the rows and
``n_threads * block * col_block`` for the tiles.
"""

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from ._distances import augmented_operands, l2_normalize
from ._kmeans import assign_labels, lloyd
from ._knn import (
    _COSINE,
    _EUCLIDEAN,
    _INNER,
    _finish,
    _n_candidates,
    _norms,
    _rerank,
    _scan_columns,
    _scan_row,
    _sift_down,
)

__all__ = ["ivf_search", "estimate_n_probe"]


def _cell_order(centers):
    """Row c: every cell by distance of its centre from centre c (float64, ties by index), c itself first."""
    c = np.asarray(centers, dtype=np.float64)
    sq = np.einsum("ij,ij->i", c, c)
    d = np.maximum(sq[:, None] + sq[None, :] - 2 * c @ c.T, 0.0)
    np.fill_diagonal(d, -1.0)
    return np.argsort(d, axis=1, kind="stable")


def estimate_n_probe(Xs, Qs, centers, r_lab, order, k, *, symmetric, exclude_self, target_recall, rng,
                     n_sample=1000):
    """Smallest ``n_probe`` whose recall@k on a sample of query rows reaches ``target_recall``.

    The sample's exact neighbours come from the exact kernel; a neighbour in
    cell b of a query in cell a is scanned when b is among a's first
    ``n_probe`` cells (or, for the symmetric self-search, a among b's), so the
    sample's recall is known for every ``n_probe`` without searching again.
    Returns the chosen ``n_probe`` and the sample's recall at it.
    """
    from ._knn import knn_search

    m = Qs.shape[0]
    n_cells = order.shape[0]
    rows = np.sort(rng.choice(m, min(m, n_sample), replace=False))
    kk = min(k + (1 if exclude_self else 0), Xs.shape[0])
    truth = knn_search(Xs, kk, query=np.ascontiguousarray(Qs[rows]))[1]
    if exclude_self:
        keep = truth != rows[:, None]
        keep[keep.all(axis=1), -1] = False  # own index not returned (duplicates): drop the last
        truth = truth[keep].reshape(len(rows), -1)[:, :k]
    q_cell = r_lab[rows] if symmetric else assign_labels(np.ascontiguousarray(Qs[rows]), centers)[0]
    rank = np.empty_like(order)
    rank[np.arange(n_cells)[:, None], order] = np.arange(n_cells)[None, :]
    nb_cell = r_lab[truth]
    need = rank[q_cell[:, None], nb_cell]
    if symmetric:
        need = np.minimum(need, rank[nb_cell, q_cell[:, None]])
    recall_at = np.cumsum(np.bincount(need.ravel(), minlength=n_cells)) / need.size  # recall with n_probe = i + 1
    n_probe = int(min(n_cells, np.searchsorted(recall_at, target_recall - 1e-12) + 1))
    return n_probe, float(recall_at[n_probe - 1])


@numba.njit(inline="always")
def _offer(v, j, heap_d, heap_i):
    """Offer candidate j (value v) to one max-heap unless it is already there."""
    if v >= heap_d[0]:
        return
    for t in range(heap_i.shape[0]):
        if heap_i[t] == j:
            return
    heap_d[0] = v
    heap_i[0] = j
    _sift_down(heap_d, heap_i, heap_d.shape[0])


@numba.njit(parallel=True, cache=True)
def _ivf_scan(L, R, q_start, r_start, probes, skip_pos, block, col_block, out_d, out_i, n_workers):
    """Heaps of each (cell-sorted) query row over the rows of its cell's probed cells.

    ``L``/``R``: augmented query/reference rows sorted by cell; ``q_start``,
    ``r_start``: cell offsets. The heaps store positions in ``R``'s order
    (the caller maps them to row ids); ``skip_pos[i]`` is the position query
    ``i`` must not take (itself, under ``exclude_self``), or -1.
    """
    n_cells, n_probe = probes.shape
    bufs = np.empty((n_workers, block * col_block), dtype=L.dtype)
    for w in numba.prange(n_workers):  # one worker per buffer, cells strided
        for c in range(w, n_cells, n_workers):
            for i0 in range(q_start[c], q_start[c + 1], block):
                i1 = min(i0 + block, q_start[c + 1])
                for p in range(n_probe):
                    cell = probes[c, p]
                    for j0 in range(r_start[cell], r_start[cell + 1], col_block):
                        j1 = min(j0 + col_block, r_start[cell + 1])
                        G = bufs[w, : (i1 - i0) * (j1 - j0)].reshape((i1 - i0, j1 - j0))
                        np.dot(L[i0:i1], R[j0:j1].T, G)
                        for r in range(i1 - i0):
                            skip = skip_pos[i0 + r] - j0 if skip_pos[i0 + r] >= 0 else -1
                            _scan_row(G[r], j0, skip, out_d[i0 + r], out_i[i0 + r])


@numba.njit(cache=True)
def _pair_rounds(probes):
    """Cell pairs ``a < b`` with b probed by a or a by b, in rounds where no cell appears twice.

    Greedy edge colouring in a fixed order, so the schedule (and with it every
    heap's order of offers) does not depend on the number of threads.
    Returns ``schedule[round, slot] = (a, b)``, -1 padded.
    """
    n_cells, n_probe = probes.shape
    adj = np.zeros((n_cells, n_cells), dtype=np.bool_)
    for c in range(n_cells):
        for t in range(n_probe):
            p = probes[c, t]
            if p != c:
                adj[min(c, p), max(c, p)] = True
    degree = np.zeros(n_cells, dtype=np.int64)
    for a in range(n_cells):
        for b in range(a + 1, n_cells):
            if adj[a, b]:
                degree[a] += 1
                degree[b] += 1
    max_rounds = 2 * max(1, degree.max()) + 1  # greedy colouring needs at most 2 * degree - 1
    used = np.zeros((n_cells, max_rounds), dtype=np.bool_)
    round_of = np.full((n_cells, n_cells), -1, dtype=np.int64)
    count = np.zeros(max_rounds, dtype=np.int64)
    n_rounds = 0
    for a in range(n_cells):
        for b in range(a + 1, n_cells):
            if adj[a, b]:
                r = 0
                while used[a, r] or used[b, r]:
                    r += 1
                used[a, r] = True
                used[b, r] = True
                round_of[a, b] = r
                count[r] += 1
                n_rounds = max(n_rounds, r + 1)
    width = 1
    for r in range(n_rounds):
        width = max(width, count[r])
    schedule = np.full((n_rounds, width, 2), -1, dtype=np.int64)
    fill = np.zeros(n_rounds, dtype=np.int64)
    for a in range(n_cells):
        for b in range(a + 1, n_cells):
            r = round_of[a, b]
            if r >= 0:
                schedule[r, fill[r], 0] = a
                schedule[r, fill[r], 1] = b
                fill[r] += 1
    return schedule


@numba.njit(parallel=True, cache=True)
def _ivf_scan_symmetric(L, R, start, schedule, exclude_self, block, col_block, out_d, out_i, n_workers):
    """Self-search: one GEMM per cell pair feeds the rows of both cells (the distances are symmetric).

    Each cell is first searched within itself; pairs of a round share no
    cell, so no two threads write the same heap. The heaps store positions in
    the cell-sorted order (the caller maps them to row ids).
    """
    n_cells = start.shape[0] - 1
    bufs = np.empty((n_workers, block * col_block), dtype=L.dtype)
    tops = np.empty((n_workers, col_block), dtype=L.dtype)
    n_rounds, width, _ = schedule.shape
    for step in range(n_rounds + 1):  # each cell within itself first: tight heaps skip more of the pairs
        rnd = step - 1 if step > 0 else n_rounds
        n_pairs = width if rnd < n_rounds else n_cells
        for w in numba.prange(n_workers):
            for s in range(w, n_pairs, n_workers):
                if rnd < n_rounds:
                    a = schedule[rnd, s, 0]
                    b = schedule[rnd, s, 1]
                    if a < 0:
                        continue
                else:
                    a = s
                    b = s
                for i0 in range(start[a], start[a + 1], block):
                    i1 = min(i0 + block, start[a + 1])
                    for j0 in range(start[b], start[b + 1], col_block):
                        j1 = min(j0 + col_block, start[b + 1])
                        G = bufs[w, : (i1 - i0) * (j1 - j0)].reshape((i1 - i0, j1 - j0))
                        np.dot(L[i0:i1], R[j0:j1].T, G)
                        for r in range(i1 - i0):
                            skip = i0 + r - j0 if a == b and exclude_self else -1
                            _scan_row(G[r], j0, skip, out_d[i0 + r], out_i[i0 + r])
                        if a != b:
                            _scan_columns(G, i0, j0, out_d, out_i, tops[w])


@numba.njit(inline="always")
def _sq_dist(a, b):
    s = np.float32(0.0)
    for t in range(a.shape[0]):
        diff = a[t] - b[t]
        s += diff * diff
    return s


@numba.njit(parallel=True, cache=True)
def _refine(Qa, Ra, old_i, exclude_self, new_d, new_i):
    """One neighbour-of-neighbour pass: row i is offered the candidates of its candidates.

    ``new_d``/``new_i`` start as a copy of the previous heaps (values: squared
    distances of the operands ``Qa``/``Ra``); ``old_i`` is only read.
    """
    n, kc = old_i.shape
    for i in numba.prange(n):
        hd = new_d[i]
        hi = new_i[i]
        q = Qa[i]
        for a in range(kc):
            j = old_i[i, a]
            if j < 0:
                continue
            for b in range(kc):
                m = old_i[j, b]
                if m < 0 or (exclude_self and m == i):
                    continue
                v = _sq_dist(q, Ra[m])
                _offer(v, m, hd, hi)


def _operands(X, Q, metric):
    """float32 rows for the index (reference) and the queries, in a euclidean space with the metric's ranking."""
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    Q32 = X32 if Q is X else np.ascontiguousarray(Q, dtype=np.float32)
    if metric == "cosine":
        Xs = l2_normalize(X32)
        return Xs, (Xs if Q is X else l2_normalize(Q32))
    if metric == "inner_product":
        sq = np.einsum("ij,ij->i", X32, X32, dtype=np.float64)
        extra = np.sqrt(np.maximum(sq.max() - sq, 0.0)).astype(np.float32)
        Xs = np.ascontiguousarray(np.hstack([X32, extra[:, None]]))
        return Xs, np.ascontiguousarray(np.hstack([Q32, np.zeros((Q32.shape[0], 1), np.float32)]))
    shift = X32.mean(axis=0, dtype=np.float64).astype(np.float32)
    Xs = np.ascontiguousarray(X32 - shift)
    return Xs, (Xs if Q is X else np.ascontiguousarray(Q32 - shift))


def _coarse_quantiser(Xs, n_cells, rng, sample_per_cell=32, max_iter=10):
    """k-means centres of a sample of ``Xs`` (random rows as the initial centres)."""
    n = Xs.shape[0]
    size = int(min(n, sample_per_cell * n_cells))
    sample = Xs[np.sort(rng.choice(n, size, replace=False))] if size < n else Xs
    init = sample[np.sort(rng.choice(sample.shape[0], n_cells, replace=False))]
    centers, _, _, _ = lloyd(sample, init, max_iter=max_iter, tol=0)
    return centers


def ivf_search(X, k, *, query=None, metric="euclidean", exclude_self=False, n_cells=None, n_probe=None,
               target_recall=0.96, n_refine=0, random_state=None, block=256, col_block=1024, return_info=False):
    """Approximate k nearest rows of ``X`` for each row of ``query`` (default: X itself).

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64
        Reference rows.
    k : int
        Neighbours per query row (``k <= n``, minus one with ``exclude_self``).
    query : ndarray of shape (m, d) or None
        Query rows; None searches X within itself (and enables the
        neighbour-of-neighbour refinement).
    metric : {"euclidean", "sqeuclidean", "cosine", "inner_product"}
        As in :func:`knn_search`.
    exclude_self : bool
        Exclude each row's own index (only when ``query`` is None).
    n_cells : int or None
        Coarse cells; None: ``round(sqrt(n))``.
    n_probe : int or None
        Cells searched per query cell; None: the smallest number whose
        recall@k on 1,000 sampled query rows reaches ``target_recall``
        (:func:`estimate_n_probe`).
    target_recall : float
        See ``n_probe``.
    n_refine : int
        Neighbour-of-neighbour passes (self-search only).
    random_state : numpy RandomState
        Draws the k-means sample and initial centres.
    block, col_block : int
        Tile sizes.
    return_info : bool
        Also return a dict with ``n_cells``, ``n_probe`` and the sample's
        estimated recall (None when ``n_probe`` was given).

    Returns
    -------
    dist : ndarray of shape (m, k), X's dtype, ascending per row (ties by index)
    ind : ndarray of shape (m, k), int64
    """
    self_search = query is None
    exclude_self = bool(exclude_self and self_search)
    Q = X if self_search else np.ascontiguousarray(query, dtype=X.dtype)
    n = X.shape[0]
    m = Q.shape[0]
    available = n - (1 if exclude_self else 0)
    kc = _n_candidates(k, available)
    rng = random_state if random_state is not None else np.random.RandomState(0)
    n_cells = int(min(n, max(1, round(np.sqrt(n)) if n_cells is None else n_cells)))

    Xs, Qs = _operands(X, Q, metric)
    centers = _coarse_quantiser(Xs, n_cells, rng)
    r_lab, _ = assign_labels(Xs, centers)
    q_lab = r_lab if Qs is Xs else assign_labels(Qs, centers)[0]
    order = _cell_order(centers)
    estimated = None
    if n_probe is None:
        n_probe, estimated = estimate_n_probe(Xs, Qs, centers, r_lab, order, k, symmetric=Qs is Xs,
                                              exclude_self=exclude_self, target_recall=target_recall, rng=rng)
    n_probe = int(min(n_cells, n_probe))
    probes = np.ascontiguousarray(order[:, :n_probe])
    r_ids = np.argsort(r_lab, kind="stable")
    q_ids = r_ids if Qs is Xs else np.argsort(q_lab, kind="stable")
    r_start = np.searchsorted(r_lab[r_ids], np.arange(n_cells + 1)).astype(np.int64)
    q_start = np.searchsorted(q_lab[q_ids], np.arange(n_cells + 1)).astype(np.int64)
    R = augmented_operands(Xs[r_ids], euclidean=True, left=False)
    L = augmented_operands(Qs[q_ids], euclidean=True, left=True)
    sorted_d = np.full((m, kc), np.inf, dtype=np.float32)
    sorted_i = np.full((m, kc), -1, dtype=np.int64)
    n_workers = numba.get_num_threads()
    with threadpool_limits(limits=1, user_api="blas"):
        if Qs is Xs:
            _ivf_scan_symmetric(L, R, r_start, _pair_rounds(probes), exclude_self, int(block), int(col_block),
                                sorted_d, sorted_i, n_workers)
        else:  # a query's own row (exclude_self with inner-product operands) by its position in R's order
            skip_pos = np.full(m, -1, dtype=np.int64)
            if exclude_self:
                r_pos = np.empty(n, dtype=np.int64)
                r_pos[r_ids] = np.arange(n)
                skip_pos = r_pos[q_ids]
            _ivf_scan(L, R, q_start, r_start, probes, skip_pos, int(block), int(col_block), sorted_d, sorted_i,
                      n_workers)
    del L, R
    found = sorted_i >= 0  # heap positions in R's (cell-sorted) order -> row ids
    sorted_i[found] = r_ids[sorted_i[found]]
    cand_d = np.empty_like(sorted_d)
    cand_i = np.empty_like(sorted_i)
    cand_d[q_ids] = sorted_d
    cand_i[q_ids] = sorted_i
    del sorted_d, sorted_i
    if self_search:
        for _ in range(int(n_refine)):
            new_d, new_i = cand_d.copy(), cand_i.copy()
            _refine(Qs, Xs, cand_i, exclude_self, new_d, new_i)
            cand_d, cand_i = new_d, new_i
    dist, ind = _exact_rerank(X, Q, cand_d, cand_i, k, metric)
    short = np.flatnonzero((ind < 0).any(axis=1))  # probed cells held fewer than k rows: search those exactly
    if short.size:
        from ._knn import knn_search

        kq = min(k + (1 if exclude_self else 0), n)
        d_s, i_s = knn_search(X, kq, query=np.ascontiguousarray(Q[short]), metric=metric)
        for r, i in enumerate(short):
            keep = i_s[r] != i if exclude_self else np.ones(kq, dtype=bool)
            dist[i] = d_s[r][keep][:k]
            ind[i] = i_s[r][keep][:k]
    if return_info:
        return dist, ind, {"n_cells": n_cells, "n_probe": n_probe, "estimated_recall": estimated}
    return dist, ind


def _exact_rerank(X, Q, cand_d, cand_i, k, metric):
    """Candidates re-ranked by their float64 values from the rows; the top k in the metric's units."""
    euclidean = metric in ("euclidean", "sqeuclidean")
    code = _EUCLIDEAN if euclidean else (_COSINE if metric == "cosine" else _INNER)
    if code == _COSINE:
        q_norms, x_norms = _norms(Q), _norms(X)
        q_norms[q_norms == 0] = 1.0
        x_norms[x_norms == 0] = 1.0
    else:
        q_norms, x_norms = np.ones(Q.shape[0]), np.ones(X.shape[0])
    m = Q.shape[0]
    exact = np.empty(cand_i.shape, dtype=np.float64)
    ok = np.empty(m, dtype=np.bool_)
    Qc = np.ascontiguousarray(Q)
    _rerank(Qc, np.ascontiguousarray(X), cand_d, cand_i, k, code, q_norms, x_norms, np.zeros(m),
            np.full(m, -1, dtype=np.int64), True, exact, ok)
    ind = cand_i[:, :k]
    ind[ind == X.shape[0]] = -1
    return _finish(exact[:, :k], metric).astype(X.dtype, copy=False), np.ascontiguousarray(ind)
