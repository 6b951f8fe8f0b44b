"""DEC's Student-t soft assignment and its sharpened target distribution."""

import numba
import numpy as np

__all__ = ["student_t_assignment", "dec_target_distribution"]


@numba.njit(parallel=True, cache=True)
def _student_t(Z, C, alpha, out):
    """``out[i, j] <- q_ij``, computed in log space from the rows themselves (float64).

    ``log q_ij = -(alpha + 1) / 2 * log(1 + |z_i - c_j|^2 / alpha)`` up to a
    row constant, then a softmax over j. The differences of row i are divided
    by their largest magnitude m first when m > 1, so the squared distances
    cannot overflow: ``log(1 + d / alpha) = log(d' / alpha + 1 / m^2) + 2 log m``
    and ``2 log m`` is common to the row. Direct differences (no GEMM): a
    row's result does not depend on the other rows or on how BLAS rounds.
    """
    n, dim = Z.shape
    k = C.shape[0]
    power = -(alpha + 1.0) / 2.0
    for i in numba.prange(n):
        m = 0.0
        for j in range(k):
            for t in range(dim):
                a = abs(np.float64(Z[i, t]) - np.float64(C[j, t]))
                if a > m:
                    m = a
        inv = 1.0 / m if m > 1.0 else 1.0
        row = out[i]
        best = -np.inf
        for j in range(k):
            s = 0.0
            for t in range(dim):
                diff = (np.float64(Z[i, t]) - np.float64(C[j, t])) * inv
                s += diff * diff
            if m > 1.0:
                lq = power * np.log(s / alpha + inv * inv)
            else:
                lq = power * np.log1p(s / alpha)
            row[j] = lq
            if lq > best:
                best = lq
        tot = 0.0
        for j in range(k):
            e = np.exp(row[j] - best)
            row[j] = e
            tot += e
        for j in range(k):
            row[j] = row[j] / tot
    return out


def student_t_assignment(Z, centers, alpha=1.0):
    """``q_ij`` proportional to ``(1 + |z_i - mu_j|^2 / alpha)^(-(alpha + 1) / 2)``.

    Computed in log space in float64, finite for any finite rows (also far
    beyond the square root of the largest float).

    Parameters
    ----------
    Z : ndarray of shape (n, d), float32 or float64
    centers : ndarray of shape (k, d)
    alpha : float, default=1.0
        Degrees of freedom of the Student-t kernel (DEC uses 1).

    Returns
    -------
    Q : ndarray of shape (n, k), rows sum to 1, Z's dtype
    """
    C = np.ascontiguousarray(centers, dtype=np.float64)
    out = np.empty((Z.shape[0], C.shape[0]), dtype=np.float64)
    return _student_t(np.ascontiguousarray(Z), C, float(alpha), out).astype(Z.dtype, copy=False)


@numba.njit(parallel=True, cache=True)
def _target(Q, freq):
    n, k = Q.shape
    P = np.empty_like(Q)
    for i in numba.prange(n):
        s = 0.0
        for j in range(k):
            p = Q[i, j] * Q[i, j] / freq[j]
            P[i, j] = p
            s += p
        for j in range(k):
            P[i, j] = P[i, j] / s
    return P


def dec_target_distribution(Q):
    """DEC's target ``p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j')`` with ``f_j = sum_i q_ij``."""
    freq = Q.sum(axis=0, dtype=np.float64)
    freq[freq == 0] = np.finfo(np.float64).tiny
    return _target(Q, freq.astype(Q.dtype))
