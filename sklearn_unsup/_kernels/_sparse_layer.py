"""Products with a sparse weight matrix held as a list of connections (truly sparse layers).

A layer of ``n_in x n_out`` weights keeps only its ``nnz`` connections: arrays
``rows`` (input neuron), ``cols`` (output neuron) and ``vals``. Activations are
stored transposed, one row per neuron and one column per sample of the batch,
so every inner loop runs over a contiguous batch vector (vectorised).

``grouped_spmm`` computes ``out[j] = sum over connections k of group j of
vals[k] * A[src[k]]``, the groups given CSR-style by ``ptr`` over a
permutation ``order`` of the connections. Grouped by output neuron it is the
forward product ``(A.T @ W).T``; grouped by input neuron (sources = ``cols``)
it is the backward product ``(D.T @ W.T).T``. Each thread owns whole groups,
so no two threads write the same row and the result does not depend on the
number of threads. ``sparse_weight_grad`` is the gradient restricted to the
connections: ``out[k] = mean_b A[rows[k], b] * D[cols[k], b]`` (a sampled
dense-dense product; the dense gradient is never formed).

Cost: O(nnz * batch) per product instead of O(n_in * n_out * batch).
"""

import numba
import numpy as np

__all__ = ["group_connections", "grouped_spmm", "sparse_weight_grad"]


def group_connections(keys, n_groups):
    """``order, ptr``: the connections sorted (stably) by ``keys`` and where each group starts."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_groups), out=ptr[1:])
    return order, ptr


@numba.njit(parallel=True, cache=True)
def grouped_spmm(A, src, ptr, order, vals, out):
    """``out[j, :] = sum_{p in ptr[j]:ptr[j+1]} vals[order[p]] * A[src[order[p]], :]`` (``out`` overwritten).

    Parameters
    ----------
    A : ndarray (n_src, batch), C-contiguous
    src : ndarray (nnz,) of int, the row of ``A`` each connection reads
    ptr : ndarray (n_groups + 1,) of int
    order : ndarray (nnz,) of int, the connections grouped by output row
    vals : ndarray (nnz,), the weights
    out : ndarray (n_groups, batch), C-contiguous
    """
    n_groups = ptr.shape[0] - 1
    nb = A.shape[1]
    for j in numba.prange(n_groups):
        row = out[j]
        for b in range(nb):
            row[b] = 0.0
        for p in range(ptr[j], ptr[j + 1]):
            k = order[p]
            v = vals[k]
            a = A[src[k]]
            for b in range(nb):
                row[b] += v * a[b]


@numba.njit(parallel=True, cache=True)
def sparse_weight_grad(A, D, rows, cols, out):
    """``out[k] = mean_b A[rows[k], b] * D[cols[k], b]``: ``(A @ D.T) / batch`` at the connections only.

    Parameters
    ----------
    A : ndarray (n_in, batch), the layer's input activations, C-contiguous
    D : ndarray (n_out, batch), the error at the layer's output, C-contiguous
    rows, cols : ndarray (nnz,) of int
    out : ndarray (nnz,)
    """
    nb = A.shape[1]
    for k in numba.prange(rows.shape[0]):
        out[k] = np.dot(A[rows[k]], D[cols[k]]) / nb  # BLAS dot: vectorised in the arrays' own precision
