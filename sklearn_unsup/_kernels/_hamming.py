"""Exact k nearest neighbours in Hamming distance on packed binary codes.

Codes are rows of 64-bit words (packed bytes are zero-padded to whole
words); the distance of two rows is the population count of their XOR, one
``popcnt`` instruction per word (LLVM's ``ctpop`` intrinsic). Distances are
small integers in ``[0, 64 * n_words]``, so the k smallest of a query row are
selected without a heap: a histogram of the row's distances gives the k-th
smallest distance and where each smaller value starts in the sorted output,
and one pass in index order places the rows (a counting sort cut at k). The result is exact, sorted by
distance with ties broken by index, and costs O(n) per query whatever k is.

Queries are spread over numba's threads; each thread owns one distance
buffer of n integers.
"""

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["hamming_knn", "pack_words"]


@intrinsic
def _popcount(typingctx, x):
    """Number of set bits of a uint64 (LLVM ``ctpop``, the CPU's ``popcnt``)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


def pack_words(codes):
    """Packed codes (uint8 bytes or uint64 words, 2-d) as C-contiguous uint64 words, zero-padded."""
    if codes.dtype == np.uint64:
        return np.ascontiguousarray(codes)
    n, n_bytes = codes.shape
    n_words = max(1, -(-n_bytes // 8))
    padded = np.zeros((n, 8 * n_words), dtype=np.uint8)
    padded[:, :n_bytes] = codes
    return padded.view(np.uint64)


@numba.njit(parallel=True, cache=True)
def _hamming_topk(Q, DT, k, self_search, out_d, out_i, n_workers):
    nq, n_words = Q.shape
    n = DT.shape[1]
    far = 64 * n_words + 1  # larger than any distance: a row's own slot in a self-search
    n_bins = far + 1
    for w in numba.prange(n_workers):
        dist = np.empty(n, dtype=np.int32)
        hist = np.empty((4, n_bins), dtype=np.int64)  # 4 interleaved histograms: no store-to-load stalls
        start = np.empty(n_bins, dtype=np.int64)
        for q in range(w, nq, n_workers):
            # distances to every row: word-major so the inner loop runs over contiguous rows (vectorised)
            dist[:] = 0
            for t in range(n_words):
                qt = Q[q, t]
                words = DT[t]
                for j in range(n):
                    dist[j] += np.int32(_popcount(qt ^ words[j]))
            if self_search:
                dist[q] = far
            hist[:] = 0
            n4 = n - n % 4
            for j in range(0, n4, 4):
                hist[0, dist[j]] += 1
                hist[1, dist[j + 1]] += 1
                hist[2, dist[j + 2]] += 1
                hist[3, dist[j + 3]] += 1
            for j in range(n4, n):
                hist[0, dist[j]] += 1
            # the k-th smallest distance and how many rows at it are kept
            below = 0
            cut = 0
            for d in range(n_bins):
                c = hist[0, d] + hist[1, d] + hist[2, d] + hist[3, d]
                start[d] = below
                if below + c >= k:
                    cut = d
                    break
                below += c
            need_at_cut = k - below
            # one pass in index order: rows below the cut go to their distance's next slot, the first
            # ``need_at_cut`` rows at the cut fill the tail (a counting sort cut at k, ties by index)
            placed = 0
            for j in range(n):
                d = dist[j]
                if d < cut or (d == cut and need_at_cut > 0):
                    if d == cut:
                        need_at_cut -= 1
                    p = start[d]
                    out_d[q, p] = d
                    out_i[q, p] = j
                    start[d] = p + 1
                    placed += 1
                    if placed == k:
                        break


def hamming_knn(codes, k, query=None):
    """Indices and Hamming distances of the k nearest rows of ``codes`` for each query row.

    ``codes`` and ``query``: 2-d uint8 (packed bytes) or uint64 arrays of the
    same dtype and width. Without ``query``, ``codes`` is searched within
    itself, each row excluded from its own neighbours (k < n). Returns
    ``(distances int64, indices int64)`` of shape ``(n_queries, k)``, sorted
    by distance, ties by index.
    """
    D = pack_words(codes)
    self_search = query is None
    Q = D if self_search else pack_words(query)
    DT = np.ascontiguousarray(D.T)
    nq = Q.shape[0]
    out_d = np.empty((nq, k), dtype=np.int64)
    out_i = np.empty((nq, k), dtype=np.int64)
    n_workers = max(1, min(numba.get_num_threads(), nq))
    _hamming_topk(Q, DT, int(k), self_search, out_d, out_i, n_workers)
    return out_d, out_i
