"""Squared-euclidean and cosine distances: BLAS for the product, numba for the rest.

Callers that need all pairs (kNN, silhouette) tile the product themselves so
memory stays O(block * n); :func:`augmented_operands` gives the GEMM operands
whose product is the squared distance itself.
"""

import numba
import numpy as np

__all__ = [
    "row_sq_norms",
    "augmented_operands",
    "sq_euclidean_from_gram",
    "pairwise_sq_euclidean",
    "pairwise_cosine",
    "l2_normalize",
]

def row_sq_norms(X):
    """Squared L2 norm of each row, in X's dtype (float64 accumulation via einsum)."""
    return np.einsum("ij,ij->i", X, X, dtype=np.float64).astype(X.dtype, copy=False)


def l2_normalize(X):
    """Rows scaled to unit L2 norm (zero rows stay zero); a new array."""
    norms = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64))
    norms[norms == 0] = 1.0
    return (X / norms[:, None].astype(X.dtype)).astype(X.dtype, copy=False)


@numba.njit(parallel=True, cache=True)
def sq_euclidean_from_gram(G, x_sq, y_sq):
    """In place: ``G[i, j] <- max(x_sq[i] + y_sq[j] - 2 G[i, j], 0)``; returns G."""
    n, m = G.shape
    for i in numba.prange(n):
        xi = x_sq[i]
        for j in range(m):
            d = xi + y_sq[j] - 2 * G[i, j]
            G[i, j] = d if d > 0 else 0
    return G


def pairwise_sq_euclidean(X, Y, *, x_sq=None, y_sq=None):
    """Squared euclidean distances between the rows of X and Y (one block).

    ``X`` and ``Y`` share a float dtype; the result has that dtype.
    """
    x_sq = row_sq_norms(X) if x_sq is None else x_sq
    y_sq = row_sq_norms(Y) if y_sq is None else y_sq
    G = np.dot(X, Y.T)
    return sq_euclidean_from_gram(G, x_sq, y_sq)


def pairwise_cosine(X, Y):
    """Cosine distances ``1 - cos(x, y)`` between rows (one block); zero rows count as orthogonal."""
    return 1 - np.dot(l2_normalize(X), l2_normalize(Y).T)


def augmented_operands(X, *, euclidean=True, left=True):
    """GEMM operands whose product gives distances directly.

    Euclidean: ``[x, |x|^2, 1] . [-2y, 1, |y|^2] = |x - y|^2`` (``left`` selects
    the side). Otherwise ``x . (-2y) = -2 <x, y>``, the ranking quantity of
    inner-product and (on unit rows) cosine search.
    """
    if not euclidean:
        return np.ascontiguousarray(X if left else -2 * X)
    n, d = X.shape
    out = np.empty((n, d + 2), dtype=X.dtype)
    sq = row_sq_norms(X)
    if left:
        out[:, :d] = X
        out[:, d] = sq
        out[:, d + 1] = 1
    else:
        np.multiply(X, -2, out=out[:, :d])
        out[:, d] = 1
        out[:, d + 1] = sq
    return out
