"""Sinkhorn-Knopp equipartition (SwAV's batch version and SeLa's whole-dataset version).

Both compute ``Q = diag(u) K diag(v)`` with ``K_bk = exp((s_bk - m_b) / eps)``,
where ``m_b`` is each row's maximum: every entry of K is in (0, 1] with a 1 in
each row, so small epsilons neither overflow nor underflow a whole row. The
per-row shift is a diagonal scaling, which Sinkhorn absorbs into ``v``; to
keep the first prototype normalisation identical to the unshifted algorithm,
``v`` starts at ``exp((m_b - max(m)) / eps)`` (float64). Only the scaling
vectors change between iterations: each half-iteration is one parallel pass
over K, and the last one writes the output in the same pass.
"""

import numba
import numpy as np

__all__ = ["sinkhorn_knopp", "sinkhorn_reference"]


@numba.njit(parallel=True, cache=True)
def _shift_scale(S, scale, K):
    """K = (S - rowmax) * scale, in S's dtype; returns the row maxima."""
    n, m = S.shape
    row_max = np.empty(n, dtype=S.dtype)
    for b in numba.prange(n):
        mx = S[b, 0]
        for j in range(1, m):
            mx = max(mx, S[b, j])
        row_max[b] = mx
        for j in range(m):
            K[b, j] = (S[b, j] - mx) * scale
    return row_max


@numba.njit(fastmath=True, cache=True)
def _expf_nonpositive(x, out, ibuf):
    """Pure arithmetic helper: float32 ``exp`` of finite values <= 0, vectorisable.

    Cephes' ``expf`` scheme: ``exp(x) = 2^n * p(r)`` with ``x = n ln2 + r``,
    ``|r| <= ln2 / 2`` and a degree-6 polynomial; ``2^n`` is assembled from its
    exponent bits. Inputs below -87 are clamped (``exp(-87) ~ 1.6e-38``).
    Relative error about 3e-7.
    """
    m = x.shape[0]
    for j in range(m):
        v = max(x[j], np.float32(-87.0))
        fx = np.floor(v * np.float32(1.4426950408889634) + np.float32(0.5))
        r = v - fx * np.float32(0.693359375) + fx * np.float32(2.12194440e-4)
        z = r * r
        p = np.float32(1.9875691500e-4) * r + np.float32(1.3981999507e-3)
        p = p * r + np.float32(8.3334519073e-3)
        p = p * r + np.float32(4.1665795894e-2)
        p = p * r + np.float32(1.6666665459e-1)
        p = p * r + np.float32(5.0000001201e-1)
        out[j] = p * z + r + np.float32(1.0)
        ibuf[j] = (np.int32(fx) + np.int32(127)) << np.int32(23)
    pow2 = ibuf.view(np.float32)
    for j in range(m):
        out[j] *= pow2[j]


@numba.njit(parallel=True, cache=True)
def _exp_shifted_f32(S, scale, K, n_parts):
    """K = exp((S - rowmax) * scale) for float32 S in one pass; returns the row maxima."""
    n, m = S.shape
    xbuf = np.empty((n_parts, m), dtype=np.float32)
    ibuf = np.empty((n_parts, m), dtype=np.int32)
    row_max = np.empty(n, dtype=np.float32)
    step = (n + n_parts - 1) // n_parts
    for p in numba.prange(n_parts):  # one worker per buffer
        x = xbuf[p]
        for b in range(p * step, min((p + 1) * step, n)):
            mx = S[b, 0]
            for j in range(1, m):
                mx = max(mx, S[b, j])
            row_max[b] = mx
            for j in range(m):
                x[j] = (S[b, j] - mx) * scale
            _expf_nonpositive(x, K[b], ibuf[p])
    return row_max


@numba.njit(parallel=True, cache=True)
def _col_sums(K, v, n_parts):
    """r_j = sum_b K[b, j] v_b (float64), by row partitions reduced at the end."""
    n, m = K.shape
    partial = np.zeros((n_parts, m), dtype=np.float64)
    step = (n + n_parts - 1) // n_parts
    for p in numba.prange(n_parts):
        acc = partial[p]
        for b in range(p * step, min((p + 1) * step, n)):
            vb = v[b]
            row = K[b]
            for j in range(m):
                acc[j] += row[j] * vb
    return partial.sum(axis=0)


@numba.njit(parallel=True, cache=True)
def _rows_then_cols(K, u, v, n_rows, n_parts, write_scale):
    """One pass: v_b <- 1 / (n_rows * K[b] . u); then either accumulate the next
    column sums with the new v (``write_scale == 0``) or write the plan
    ``K[b, j] * u_j * v_b * write_scale`` in place.

    Returns (next column sums or zeros, sum_b |v_old / v_new - 1|).
    """
    n, m = K.shape
    partial = np.zeros((n_parts, m), dtype=np.float64)
    errs = np.zeros(n_parts, dtype=np.float64)
    step = (n + n_parts - 1) // n_parts
    for p in numba.prange(n_parts):
        acc = partial[p]
        err = 0.0
        for b in range(p * step, min((p + 1) * step, n)):
            row = K[b]
            s = 0.0
            for j in range(m):
                s += row[j] * u[j]
            new = 1.0 / (n_rows * s)
            err += abs(v[b] / new - 1.0)
            v[b] = new
            if write_scale == 0:
                for j in range(m):
                    acc[j] += row[j] * new
            else:
                f = new * write_scale
                for j in range(m):
                    row[j] = row[j] * (u[j] * f)
        errs[p] = err
    return partial.sum(axis=0), errs.sum()


@numba.njit(parallel=True, cache=True)
def _write_plan(K, u, v, scale):
    """In place: K[b, j] <- K[b, j] * u_j * v_b * scale."""
    n, m = K.shape
    for b in numba.prange(n):
        f = v[b] * scale
        row = K[b]
        for j in range(m):
            row[j] = row[j] * (u[j] * f)


def sinkhorn_knopp(scores, *, epsilon=0.05, n_iter=3, tol=None, out=None, col_marginals=None):
    """Equipartitioned soft assignment of rows to columns by Sinkhorn-Knopp.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_clusters), float32 or float64
        Similarities (SwAV: prototype scores) or log-probabilities (SeLa).
    epsilon : float
        Entropic regularisation; ``K = exp(scores / epsilon)``. SeLa's
        ``lambda`` is ``1 / epsilon``.
    n_iter : int
        Iterations (each one: normalise clusters to mass 1/K, then rows to
        1/N). SwAV uses 3; with ``tol`` it is the maximum.
    tol : float or None
        Stop when ``sum_b |v_b / v_b_new - 1| < tol`` (SeLa uses 0.1).
    out : ndarray or None
        Buffer of scores' shape and dtype for the result (may be ``scores``).
    col_marginals : ndarray of shape (n_clusters,) or None
        Share of the rows each column should receive (summing to 1); None:
        ``1 / n_clusters`` each (equipartition).

    Returns
    -------
    Q : ndarray of shape (n_samples, n_clusters)
        Assignment whose rows sum to 1 and whose columns each sum to about
        ``n_samples / n_clusters`` (``n_samples * col_marginals`` when given;
        exactly after convergence), as SwAV's ``Q * B``.
    n_iter : int
        Iterations run.
    """
    n, m = scores.shape
    n_iter = max(1, int(n_iter))
    K = np.empty_like(scores) if out is None else out
    inv_eps = 1.0 / float(epsilon)
    n_parts = max(1, numba.get_num_threads())
    if scores.dtype == np.float32:
        row_max = _exp_shifted_f32(scores, np.float32(inv_eps), K, n_parts).astype(np.float64)
    else:  # NumPy's SIMD exp (numba's scalar exp is several times slower)
        row_max = _shift_scale(scores, inv_eps, K)
        np.exp(K, out=K)
    v = np.exp((row_max - row_max.max()) * inv_eps)
    r = _col_sums(K, v, n_parts)
    target = None if col_marginals is None else np.asarray(col_marginals, dtype=np.float64)
    for it in range(1, n_iter + 1):
        u = 1.0 / (m * r) if target is None else target / r
        last = tol is None and it == n_iter
        r, err = _rows_then_cols(K, u, v, float(n), n_parts, float(n) if last else 0.0)
        if last:
            return K, it
        if tol is not None and err < tol:
            break
    _write_plan(K, u, v, float(n))
    return K, it


def sinkhorn_reference(scores, *, epsilon=0.05, n_iter=3):
    """Plain NumPy transcription of SwAV's ``distributed_sinkhorn`` (one process).

    The reference the kernel is tested and benchmarked against.
    """
    Q = np.exp(scores / epsilon).T
    B = Q.shape[1]
    K = Q.shape[0]
    Q /= Q.sum()
    for _ in range(n_iter):
        Q /= Q.sum(axis=1, keepdims=True)
        Q /= K
        Q /= Q.sum(axis=0, keepdims=True)
        Q /= B
    Q *= B
    return Q.T
