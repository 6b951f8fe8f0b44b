"""k-means: greedy k-means++ seeding and Lloyd iterations, float32 or float64.

Each numba thread takes 256-row chunks, computes the chunk-to-centre products
with a single-threaded BLAS call, assigns labels and accumulates its own
partial sums (float64), which are reduced at the end of the pass: one thread
pool, no atomics, memory O(n + n_threads * k * d).
"""

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from ._distances import row_sq_norms

__all__ = ["kmeans_plusplus", "lloyd", "assign_labels"]

_CHUNK = 256


@numba.njit(parallel=True, cache=True)
def _assign_and_accumulate(Xa, x_sq, Ca, labels, min_d, sums, counts, accumulate):
    """E-step (and partial M-step): labels, squared distance to own centre, per-thread sums.

    ``Xa = [X, 1]`` and ``Ca = [-2 C, |C|^2]``, so one product gives
    ``|c|^2 - 2 <x, c>`` and the assignment is a plain argmin.
    """
    n = Xa.shape[0]
    d = Xa.shape[1] - 1
    k = Ca.shape[0]
    n_threads = sums.shape[0]
    sums[:] = 0
    counts[:] = 0
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    bufs = np.empty((n_threads, _CHUNK * k), dtype=Xa.dtype)
    bests = np.empty((n_threads, _CHUNK), dtype=Xa.dtype)
    args = np.empty((n_threads, _CHUNK), dtype=np.int64)
    for tid in numba.prange(n_threads):  # one worker per buffer, chunks strided
        for ch in range(tid, n_chunks, n_threads):
            r0 = ch * _CHUNK
            r1 = min(r0 + _CHUNK, n)
            m = r1 - r0
            # centres x rows, so the argmin over centres runs along columns:
            # element-wise compare/select across rows, which LLVM vectorises
            G = bufs[tid, : k * m].reshape((k, m))
            np.dot(Ca, Xa[r0:r1].T, G)
            best = bests[tid, :m]
            arg = args[tid, :m]
            best[:] = G[0]
            arg[:] = 0
            for j in range(1, k):
                g = G[j]
                for c in range(m):
                    v = g[c]
                    lt = v < best[c]
                    best[c] = v if lt else best[c]
                    arg[c] = j if lt else arg[c]
            for r in range(m):
                i = r0 + r
                a = arg[r]
                labels[i] = a
                dist = x_sq[i] + best[r]
                min_d[i] = dist if dist > 0 else 0.0
                if accumulate:
                    counts[tid, a] += 1
                    for t in range(d):
                        sums[tid, a, t] += Xa[i, t]


@numba.njit(parallel=True, cache=True)
def _exact_sq_dist_to_assigned(X, centers, labels, out):
    """``out[i] <- |x_i - c_labels[i]|^2`` from direct float64 differences.

    The GEMM's ``|x|^2 + (|c|^2 - 2 <x, c>)`` cancels for rows far from the
    origin and rounds with the block shape; this does neither, so a row's
    distance does not depend on the other rows of the call.
    """
    n, d = X.shape
    for i in numba.prange(n):
        c = centers[labels[i]]
        s = 0.0
        for t in range(d):
            diff = np.float64(X[i, t]) - np.float64(c[t])
            s += diff * diff
        out[i] = s


def _augment_rows(X):
    Xa = np.empty((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
    Xa[:, :-1] = X
    Xa[:, -1] = 1
    return Xa


def _e_step(Xa, x_sq, centers, labels, min_d, sums, counts, accumulate):
    # callers hold threadpool_limits(1, "blas"): BLAS runs inside numba's threads
    Ca = np.empty((centers.shape[0], centers.shape[1] + 1), dtype=Xa.dtype)
    np.multiply(centers, -2, out=Ca[:, :-1])
    Ca[:, -1] = row_sq_norms(centers)
    _assign_and_accumulate(Xa, x_sq, Ca, labels, min_d, sums, counts, accumulate)


def _centered(X, centers):
    """X and the centres shifted by the centres' mean (in X's dtype): the GEMM's ranking then does not cancel."""
    shift = np.asarray(centers, dtype=np.float64).mean(axis=0).astype(X.dtype)
    return np.ascontiguousarray(X - shift), np.ascontiguousarray(centers - shift, dtype=X.dtype), shift


def assign_labels(X, centers, x_sq=None):
    """Nearest centre of each row and the squared distance to it (float64, from the rows themselves).

    The rows and centres are centred before the GEMM (distances ignore a
    common shift), so data far from the origin is assigned right; ``x_sq``
    is accepted for callers that have it and not needed.
    """
    Xc, Cc, _ = _centered(X, centers)
    labels = np.empty(X.shape[0], dtype=np.int64)
    min_d = np.empty(X.shape[0], dtype=np.float64)
    n_threads = numba.get_num_threads()
    sums = np.empty((n_threads, 1, 1))
    counts = np.empty((n_threads, 1), dtype=np.int64)
    with threadpool_limits(limits=1, user_api="blas"):
        _e_step(_augment_rows(Xc), row_sq_norms(Xc), Cc, labels, min_d, sums, counts, False)
    _exact_sq_dist_to_assigned(X, centers, labels, min_d)
    return labels, min_d


def _relocate_empty(X, counts, sums, min_d, labels):
    """Give each empty cluster the row farthest from its centre (as scikit-learn does)."""
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return
    far = np.argsort(min_d)[::-1][: empty.size]
    for j, i in zip(empty, far):
        old = labels[i]
        sums[old] -= X[i]
        counts[old] -= 1
        sums[j] = X[i]
        counts[j] = 1
        labels[i] = j
        min_d[i] = 0.0


def lloyd(X, centers_init, *, max_iter=300, tol=1e-4, x_sq=None):
    """Lloyd's k-means from given centres (warm start).

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64
    centers_init : ndarray of shape (k, d)
    max_iter : int
        Maximum number of Lloyd iterations.
    tol : float
        Stop when the total squared centre shift is at most ``tol`` times the
        mean feature variance (scikit-learn's criterion), or when no label
        changes.
    x_sq : ndarray of shape (n,) or None
        Ignored: the iterations run on centred rows, whose norms are computed
        here (kept for callers that pass it).

    Returns
    -------
    centers : ndarray of shape (k, d), X's dtype
    labels : ndarray of shape (n,), int64 (nearest final centre)
    inertia : float (sum of squared distances to the final centres)
    n_iter : int
    """
    n, d = X.shape
    k = centers_init.shape[0]
    # k-means is translation equivariant: iterate on rows centred by the initial centres' mean, so the
    # GEMM's |c|^2 - 2 <x, c> does not cancel far from the origin (x_sq is recomputed for the centred rows)
    Xc, centers, shift = _centered(X, centers_init)
    x_sq = row_sq_norms(Xc)
    threshold = float(np.mean(np.var(X, axis=0))) * tol if tol > 0 else 0.0
    n_threads = numba.get_num_threads()
    sums = np.empty((n_threads, k, d), dtype=np.float64)
    counts = np.empty((n_threads, k), dtype=np.int64)
    labels = np.full(n, -1, dtype=np.int64)
    labels_old = np.full(n, -1, dtype=np.int64)
    min_d = np.empty(n, dtype=np.float64)
    with threadpool_limits(limits=1, user_api="blas"):
        centers, labels, _, n_iter = _lloyd_loop(Xc, _augment_rows(Xc), x_sq, centers, max_iter, threshold, sums,
                                                 counts, labels, labels_old, min_d)
    centers = (centers.astype(np.float64) + shift).astype(X.dtype)
    _exact_sq_dist_to_assigned(X, centers, labels, min_d)  # inertia from the rows and the returned centres
    return centers, labels, float(min_d.sum()), n_iter


def _lloyd_loop(X, Xa, x_sq, centers, max_iter, threshold, sums, counts, labels, labels_old, min_d):
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        _e_step(Xa, x_sq, centers, labels, min_d, sums, counts, True)
        total = sums.sum(axis=0)
        count = counts.sum(axis=0)
        _relocate_empty(X, count, total, min_d, labels)
        new_centers = (total / count[:, None]).astype(X.dtype)
        shift = float(np.sum((new_centers.astype(np.float64) - centers) ** 2))
        centers = new_centers
        if np.array_equal(labels, labels_old):
            converged = True
            break
        if shift <= threshold:
            break
        labels_old[:] = labels
    if not converged:
        _e_step(Xa, x_sq, centers, labels, min_d, sums, counts, False)
    inertia = float(min_d.sum())
    return centers, labels, inertia, n_iter


def kmeans_plusplus(X, k, random_state, *, x_sq=None, n_local_trials=None):
    """Greedy k-means++ seeding (Arthur & Vassilvitskii; scikit-learn's variant).

    Each new centre is the best of ``2 + log(k)`` candidates drawn with
    probability proportional to the squared distance to the nearest chosen
    centre. ``random_state`` is a ``numpy.random.RandomState``; the numba
    kernels never draw random numbers themselves.

    Returns
    -------
    centers : ndarray of shape (k, d)
    indices : ndarray of shape (k,), rows of X chosen
    """
    n, d = X.shape
    x_sq = row_sq_norms(X) if x_sq is None else x_sq
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(k))
    centers = np.empty((k, d), dtype=X.dtype)
    indices = np.empty(k, dtype=np.int64)
    first = random_state.randint(n)
    centers[0] = X[first]
    indices[0] = first
    closest = _sq_dist_to(X, x_sq, X[first : first + 1])[0]
    pot = closest.sum()
    for c in range(1, k):
        rand_vals = random_state.uniform(size=n_local_trials) * pot
        cand = np.searchsorted(np.cumsum(closest, dtype=np.float64), rand_vals)
        np.clip(cand, None, n - 1, out=cand)
        d_cand = _sq_dist_to(X, x_sq, X[cand])
        np.minimum(closest, d_cand, out=d_cand)
        pots = d_cand.sum(axis=1)
        best = int(np.argmin(pots))
        pot = pots[best]
        closest = d_cand[best]
        centers[c] = X[cand[best]]
        indices[c] = cand[best]
    return centers, indices


def _sq_dist_to(X, x_sq, C):
    """Squared distances (float64) from each row of C to every row of X: shape (len(C), n)."""
    G = np.dot(C, X.T).astype(np.float64)
    D = row_sq_norms(C).astype(np.float64)[:, None] + x_sq.astype(np.float64)[None, :] - 2 * G
    np.maximum(D, 0, out=D)
    return D
