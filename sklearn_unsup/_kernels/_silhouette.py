"""Silhouette coefficients in O(n) memory (plus a block of distances per worker).

Rows are sorted by label once, so the distances from a row to one cluster are
a contiguous slice of a distance row: the per-cluster sums are vectorised
range sums instead of scatters. Distances come from one float64 GEMM per block
on augmented rows ``[x, |x|^2, 1] . [-2y, 1, |y|^2] = |x - y|^2``.
"""

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from ._distances import augmented_operands, row_sq_norms

__all__ = ["silhouette_values"]


@numba.njit(fastmath=True, cache=True)
def _sqrt_range_sum(g, start, stop):
    """Pure arithmetic helper: sum of sqrt(max(g[j], 0)) over a range (finite g)."""
    s = 0.0
    for j in range(start, stop):
        v = g[j]
        s += np.sqrt(v if v > 0 else 0.0)
    return s


@numba.njit(fastmath=True, cache=True)
def _range_sum(g, start, stop):
    """Pure arithmetic helper: sum of g over a range (finite g)."""
    s = 0.0
    for j in range(start, stop):
        s += g[j]
    return s


@numba.njit(parallel=True, cache=True)
def _silhouette_sorted(L, R, labels, starts, counts, block, n_workers, sqrt_dist, out):
    n = L.shape[0]
    n_labels = starts.shape[0]
    bufs = np.empty((n_workers, block * n), dtype=np.float64)
    n_blocks = (n + block - 1) // block
    for w in numba.prange(n_workers):
        for bl in range(w, n_blocks, n_workers):
            r0 = bl * block
            r1 = min(r0 + block, n)
            G = bufs[w, : (r1 - r0) * n].reshape((r1 - r0, n))
            np.dot(L[r0:r1], R.T, G)
            for r in range(r1 - r0):
                i = r0 + r
                g = G[r]
                g[i] = 0.0  # self distance, exactly
                own = labels[i]
                if counts[own] <= 1:
                    out[i] = 0.0
                    continue
                a = 0.0
                b = np.inf
                for lab in range(n_labels):
                    s0 = starts[lab]
                    s1 = s0 + counts[lab]
                    if sqrt_dist:
                        tot = _sqrt_range_sum(g, s0, s1)
                    else:
                        tot = _range_sum(g, s0, s1)
                    if lab == own:
                        a = tot / (counts[lab] - 1)
                    elif counts[lab] > 0:
                        b = min(b, tot / counts[lab])
                den = max(a, b)
                out[i] = (b - a) / den if den > 0 else 0.0


def _rescaled(X, metric):
    """X moved and scaled so that squared norms neither overflow nor cancel; the silhouette is unchanged.

    The coefficient is a ratio of mean distances, so a common positive scale
    drops out, and euclidean distances ignore a common shift: euclidean data is
    scaled to ``max |x| = 1``, centred (the expanded ``|x|^2 + |y|^2 - 2 x.y``
    form is then exact to rounding of the distances, not of ``|x|^2``) and
    scaled again. Cosine ignores each row's norm, so each row is scaled by
    its own largest entry.
    """
    if metric == "cosine":
        top = np.max(np.abs(X), axis=1, keepdims=True) if X.size else np.ones((X.shape[0], 1))
        top[top == 0] = 1.0
        return X / top
    X = _unit_max(X)
    return _unit_max(X - X.mean(axis=0))


def _unit_max(X):
    """X divided by its largest absolute entry (unchanged if all zero)."""
    top = np.max(np.abs(X)) if X.size else 0.0
    return X / top if top > 0 else X


def silhouette_values(X, labels, *, metric="euclidean", block=None):
    """Silhouette coefficient of every row (float64), as ``sklearn.metrics.silhouette_samples``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    labels : ndarray of shape (n,) of int in [0, n_labels)
    metric : {"euclidean", "cosine"}
    block : int or None
        Rows per distance block (default: about 16 MB of distances per worker).
    """
    X = _rescaled(np.asarray(X, dtype=np.float64), metric)
    n = X.shape[0]
    order = np.argsort(labels, kind="stable")
    lab_sorted = np.ascontiguousarray(labels[order], dtype=np.int64)
    n_labels = int(lab_sorted.max()) + 1
    counts = np.bincount(lab_sorted, minlength=n_labels).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    Xs = X[order]
    if metric == "cosine":
        norms = np.sqrt(row_sq_norms(Xs))
        norms[norms == 0] = 1
        Xs = Xs / norms[:, None]
        L = np.ascontiguousarray(np.hstack([Xs, np.ones((n, 1))]))
        R = np.ascontiguousarray(np.hstack([-Xs, np.ones((n, 1))]))  # 1 - cos
        sqrt_dist = False
    else:
        L = augmented_operands(Xs, left=True)
        R = augmented_operands(Xs, left=False)
        sqrt_dist = True
    if block is None:
        block = int(max(1, min(n, (16 * 2**20) // (8 * max(n, 1)))))
    out_sorted = np.empty(n, dtype=np.float64)
    n_workers = numba.get_num_threads()
    with threadpool_limits(limits=1, user_api="blas"):
        _silhouette_sorted(L, R, lab_sorted, starts, counts, int(block), n_workers, sqrt_dist, out_sorted)
    out = np.empty(n, dtype=np.float64)
    out[order] = out_sorted
    return out
