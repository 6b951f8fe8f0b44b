"""Blocked squared-euclidean and cosine distances: BLAS for the product, numba for the rest.

Memory stays O(block_rows * n_reference): callers iterate over row blocks
with :func:`iter_row_blocks` and never hold the full n x n matrix.
"""

import numba
import numpy as np

__all__ = [
    "row_sq_norms",
    "block_rows_for",
    "iter_row_blocks",
    "sq_euclidean_from_gram",
    "pairwise_sq_euclidean",
    "pairwise_cosine",
    "l2_normalize",
]

_DEFAULT_WORKING_MEMORY = 64 * 2**20  # bytes per distance block


def row_sq_norms(X):
    """Squared L2 norm of each row, in X's dtype (float64 accumulation via einsum)."""
    return np.einsum("ij,ij->i", X, X, dtype=np.float64).astype(X.dtype, copy=False)


def l2_normalize(X):
    """Rows scaled to unit L2 norm (zero rows stay zero); a new array."""
    norms = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64))
    norms[norms == 0] = 1.0
    return (X / norms[:, None].astype(X.dtype)).astype(X.dtype, copy=False)


def block_rows_for(n_reference, itemsize, working_memory=None):
    """Rows per block so that a block of distances fits ``working_memory`` bytes."""
    budget = _DEFAULT_WORKING_MEMORY if working_memory is None else int(working_memory)
    return int(max(1, min(budget // max(1, n_reference * itemsize), 1 << 20)))


def iter_row_blocks(n_rows, block_rows):
    """Yield ``(start, stop)`` of consecutive row blocks."""
    for start in range(0, n_rows, block_rows):
        yield start, min(start + block_rows, n_rows)


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
