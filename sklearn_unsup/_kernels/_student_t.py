"""DEC's Student-t soft assignment and its sharpened target distribution."""

import numba
import numpy as np

from ._distances import pairwise_sq_euclidean

__all__ = ["student_t_assignment", "dec_target_distribution"]


@numba.njit(parallel=True, cache=True)
def _student_t_from_sq(D, alpha):
    """In place: D[i, j] <- (1 + D[i, j] / alpha)^(-(alpha + 1) / 2), rows normalised."""
    n, k = D.shape
    power = -(alpha + 1.0) / 2.0
    for i in numba.prange(n):
        s = 0.0
        for j in range(k):
            q = (1.0 + D[i, j] / alpha) ** power
            D[i, j] = q
            s += q
        for j in range(k):
            D[i, j] = D[i, j] / s
    return D


def student_t_assignment(Z, centers, alpha=1.0):
    """``q_ij`` proportional to ``(1 + |z_i - mu_j|^2 / alpha)^(-(alpha + 1) / 2)``.

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
    D = pairwise_sq_euclidean(Z, np.asarray(centers, dtype=Z.dtype))
    return _student_t_from_sq(D, float(alpha))


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
