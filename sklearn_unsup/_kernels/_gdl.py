"""Graph degree linkage (AGDL): agglomerative merging on a sparse directed kNN graph.

The graph's weights ``w[u, v]`` (u -> v) live in two CSR structures, out-edges
and in-edges. For clusters p and q, the unnormalised directed affinity is

    S(p -> q) = sum_{v in q} in_p(v) * out_p(v),
    in_p(v) = sum_{u in p} w[u, v],  out_p(v) = sum_{u in p} w[v, u],

so ``A(p -> q) = S(p -> q) / |p|^2`` is the paper's ``1^T W_pq W_qp 1 / |p|^2``
and the linkage is ``A(p, q) = A(p -> q) + A(q -> p)`` (Zhang et al., ECCV
2012). Only pairs with a positive S are stored, in one dict per cluster and
direction. When b joins a into c:

- ``S(x -> c) = S(x -> a) + S(x -> b)`` (a sum over the rows of c);
- ``S(c -> x) = S(a -> x) + S(b -> x) + cross(x)`` with
  ``cross(x) = sum_{v in x} in_a(v) out_b(v) + in_b(v) out_a(v)``; a cross term
  needs v next to both parts, so it is found from the rows of the smaller part
  and the edges of their neighbours (small-to-large: O(n log n K^2) in all).

A cluster's merge score (JULE's criterion, Yang et al., CVPR 2016) is
``A1 + sum_{k=2..K_c} (A1 - A_k) / (K_c - 1)`` over its K_c largest linkages
(zero where it has fewer neighbours), with ``A1`` alone once at most
``kc_min_clusters`` clusters are left; the cluster of highest score joins its
nearest neighbour. Only the merged cluster's neighbours change score, and the
best one is found by a scan of the live clusters. Deterministic: ties go to the
lowest cluster id.
"""

import numba
import numpy as np
from numba import types
from numba.typed import Dict, List

__all__ = ["agdl_merge", "agdl_reference"]


@numba.njit(cache=True)
def _new_dict():
    return Dict.empty(key_type=types.int64, value_type=types.float64)


@numba.njit(cache=True)
def _degrees(p, head, nxt, label, ex, out_ptr, out_idx, out_w, in_ptr, in_idx, in_w, din, dout, touched, mark):
    """in_p(v) and out_p(v) for every row v next to cluster p whose label is not ``ex``; returns how many."""
    nt = 0
    u = head[p]
    while u >= 0:
        for e in range(out_ptr[u], out_ptr[u + 1]):  # u -> v: v receives from p
            v = out_idx[e]
            if label[v] == p or label[v] == ex:
                continue
            if not mark[v]:
                mark[v] = True
                din[v] = 0.0
                dout[v] = 0.0
                touched[nt] = v
                nt += 1
            din[v] += out_w[e]
        for e in range(in_ptr[u], in_ptr[u + 1]):  # v -> u: v sends to p
            v = in_idx[e]
            if label[v] == p or label[v] == ex:
                continue
            if not mark[v]:
                mark[v] = True
                din[v] = 0.0
                dout[v] = 0.0
                touched[nt] = v
                nt += 1
            dout[v] += in_w[e]
        u = nxt[u]
    return nt


@numba.njit(cache=True)
def _score(p, outd, ind, size, k_c, use_kc, top):
    """Merge score of cluster p and its nearest neighbour (-inf, -1 without a positive linkage)."""
    kk = k_c if use_kc else 1
    for t in range(kk):
        top[t] = 0.0
    best_q = -1
    sp2 = size[p] * size[p]
    for sweep in range(2):
        d = outd[p] if sweep == 0 else ind[p]
        for q in d:
            if sweep == 1 and q in outd[p]:
                continue  # already seen from the out side
            a = 0.0
            if q in outd[p]:
                a += outd[p][q] / sp2
            if q in ind[p]:
                a += ind[p][q] / (size[q] * size[q])
            if a <= 0.0:
                continue
            if a > top[0] or (a == top[0] and (best_q < 0 or q < best_q)):
                best_q = q
            if a > top[kk - 1]:  # insert into the sorted top list
                t = kk - 1
                while t > 0 and top[t - 1] < a:
                    top[t] = top[t - 1]
                    t -= 1
                top[t] = a
    if best_q < 0:
        return -np.inf, -1
    s = top[0]
    if kk > 1:
        for t in range(1, kk):
            s += (top[0] - top[t]) / (kk - 1)
    return s, best_q


@numba.njit(cache=True)
def agdl_merge(out_ptr, out_idx, out_w, in_ptr, in_idx, in_w, init_labels, n_init, n_clusters, k_c,
               kc_min_clusters):
    """Merge the initial clusters by graph degree linkage down to ``n_clusters`` (or until no linkage is left).

    Parameters
    ----------
    out_ptr, out_idx, out_w : ndarrays
        CSR of the weights by source row (``w[u, v]`` for v in row u).
    in_ptr, in_idx, in_w : ndarrays
        CSR of the transposed weights (row v lists the u with ``w[u, v]``).
    init_labels : ndarray of shape (n,), int64
        Initial cluster of each row, 0 .. ``n_init - 1``.
    n_init, n_clusters, k_c, kc_min_clusters : int
        Initial clusters, target, JULE's K_c, and the cluster count at or below
        which the score is the largest linkage alone.

    Returns
    -------
    labels : ndarray of shape (n,), int64
        Surviving initial-cluster id of each row.
    children : ndarray of shape (n_merges, 2), int64
        Node ids merged at each step (initial clusters ``0 .. n_init - 1``,
        merge i creates node ``n_init + i``).
    linkage : ndarray of shape (n_merges,)
        ``A(a, b)`` of each merged pair.
    """
    n = init_labels.shape[0]
    label = init_labels.copy()
    size = np.zeros(n_init)
    head = np.full(n_init, -1, dtype=np.int64)
    tail = np.full(n_init, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    for u in range(n):
        p = label[u]
        size[p] += 1.0
        if head[p] < 0:
            head[p] = u
        else:
            nxt[tail[p]] = u
        tail[p] = u
    din = np.zeros(n)
    dout = np.zeros(n)
    mark = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    outd = List()
    ind = List()
    for p in range(n_init):
        outd.append(_new_dict())
        ind.append(_new_dict())
    for p in range(n_init):  # initial S(p -> q)
        nt = _degrees(p, head, nxt, label, -1, out_ptr, out_idx, out_w, in_ptr, in_idx, in_w, din, dout,
                      touched, mark)
        for t in range(nt):
            v = touched[t]
            mark[v] = False
            s = din[v] * dout[v]
            if s > 0.0:
                q = label[v]
                outd[p][q] = outd[p].get(q, 0.0) + s
                ind[q][p] = ind[q].get(p, 0.0) + s
    alive = np.ones(n_init, dtype=np.bool_)
    node = np.arange(n_init)
    score = np.full(n_init, -np.inf)
    partner = np.full(n_init, -1, dtype=np.int64)
    top = np.zeros(max(k_c, 1))
    m = n_init
    use_kc = k_c > 1 and m > kc_min_clusters
    for p in range(n_init):
        score[p], partner[p] = _score(p, outd, ind, size, k_c, use_kc, top)
    n_max = max(n_init - n_clusters, 0)
    children = np.empty((n_max, 2), dtype=np.int64)
    linkage = np.empty(n_max)
    nbr = np.empty(n_init, dtype=np.int64)
    seen = np.zeros(n_init, dtype=np.bool_)
    n_merges = 0
    while m > n_clusters:
        b = -1
        for p in range(n_init):
            if alive[p] and score[p] > -np.inf and (b < 0 or score[p] > score[b]):
                b = p
        if b < 0:
            break  # no linkage left between any two clusters
        a = partner[b]
        link = outd[a].get(b, 0.0) / (size[a] * size[a]) + outd[b].get(a, 0.0) / (size[b] * size[b])
        if size[b] > size[a] or (size[b] == size[a] and b < a):
            a, b = b, a  # a survives: the larger part (lower id on ties)
        children[n_merges, 0] = node[a]
        children[n_merges, 1] = node[b]
        linkage[n_merges] = link
        node[a] = n_init + n_merges
        n_merges += 1
        # cross terms of S(c -> x), from the rows of the smaller part
        sm, bg = (b, a) if size[b] <= size[a] else (a, b)
        cross = _new_dict()
        nt = _degrees(sm, head, nxt, label, bg, out_ptr, out_idx, out_w, in_ptr, in_idx, in_w, din, dout,
                      touched, mark)
        for t in range(nt):
            v = touched[t]
            mark[v] = False
            gi = 0.0
            go = 0.0
            for e in range(in_ptr[v], in_ptr[v + 1]):
                if label[in_idx[e]] == bg:
                    gi += in_w[e]
            for e in range(out_ptr[v], out_ptr[v + 1]):
                if label[out_idx[e]] == bg:
                    go += out_w[e]
            c = din[v] * go + gi * dout[v]
            if c > 0.0:
                q = label[v]
                cross[q] = cross.get(q, 0.0) + c
        # relabel b's rows and append them to a
        u = head[b]
        while u >= 0:
            label[u] = a
            u = nxt[u]
        nxt[tail[a]] = head[b]
        tail[a] = tail[b]
        head[b] = -1
        size[a] += size[b]
        alive[b] = False
        score[b] = -np.inf
        # new maps of c (kept under id a)
        new_out = _new_dict()
        new_in = _new_dict()
        nn = 0
        for src in (outd[a], outd[b], cross):
            for q in src:
                if q != a and q != b:
                    new_out[q] = new_out.get(q, 0.0) + src[q]
                    if not seen[q]:
                        seen[q] = True
                        nbr[nn] = q
                        nn += 1
        for src in (ind[a], ind[b]):
            for q in src:
                if q != a and q != b:
                    new_in[q] = new_in.get(q, 0.0) + src[q]
                    if not seen[q]:
                        seen[q] = True
                        nbr[nn] = q
                        nn += 1
        outd[a] = new_out
        ind[a] = new_in
        outd[b] = _new_dict()
        ind[b] = _new_dict()
        for t in range(nn):
            x = nbr[t]
            seen[x] = False
            for d in (outd[x], ind[x]):
                if b in d:
                    d.pop(b)
                if a in d:
                    d.pop(a)
            if x in new_in:
                outd[x][a] = new_in[x]
            if x in new_out:
                ind[x][a] = new_out[x]
        m -= 1
        if m <= n_clusters:
            break
        kc_now = k_c > 1 and m > kc_min_clusters
        if kc_now != use_kc:  # crossed the threshold: every score changes
            use_kc = kc_now
            for p in range(n_init):
                if alive[p]:
                    score[p], partner[p] = _score(p, outd, ind, size, k_c, use_kc, top)
        else:
            score[a], partner[a] = _score(a, outd, ind, size, k_c, use_kc, top)
            for t in range(nn):
                x = nbr[t]
                score[x], partner[x] = _score(x, outd, ind, size, k_c, use_kc, top)
    return label, children[:n_merges], linkage[:n_merges]


def agdl_reference(W, init_labels, n_clusters, k_c, kc_min_clusters):
    """Brute-force AGDL on a dense weight matrix (NumPy, recomputes every linkage each step): the tests' reference.

    Returns each row's cluster (canonical ids need relabelling by the caller)
    and the linkage of each merge.
    """
    W = np.asarray(W, dtype=np.float64)
    labels = np.asarray(init_labels).copy()
    links = []
    while True:
        ids = np.unique(labels)
        m = len(ids)
        if m <= n_clusters:
            break
        M = (labels[:, None] == ids[None, :]).astype(np.float64)  # n x m membership
        din = M.T @ W  # din[p, v] = sum_{u in p} w[u, v]
        dout = (W @ M).T  # dout[p, v] = sum_{u in p} w[v, u]
        S = (din * dout) @ M  # S[p, q] = sum_{v in q} in_p(v) out_p(v)
        np.fill_diagonal(S, 0.0)
        sizes = M.sum(axis=0)
        D = S / sizes[:, None] ** 2
        A = D + D.T
        kk = k_c if (k_c > 1 and m > kc_min_clusters) else 1
        best, pair = -np.inf, None
        for i in range(m):
            row = np.delete(A[i], i)
            others = np.delete(np.arange(m), i)
            if row.max() <= 0:
                continue
            srt = np.sort(row)[::-1]
            top = np.zeros(kk)
            top[: min(kk, len(srt))] = srt[:kk]
            s = top[0] + (np.sum(top[0] - top[1:]) / (kk - 1) if kk > 1 else 0.0)
            j = others[np.flatnonzero(row == row.max())[0]]
            if s > best:
                best, pair = s, (i, j)
        if pair is None:
            break
        i, j = pair
        links.append(A[i, j])
        labels[labels == ids[j]] = ids[i]
    return labels, np.array(links)
