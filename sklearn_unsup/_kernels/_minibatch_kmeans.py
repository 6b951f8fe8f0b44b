"""Mini-batch k-means (Sculley 2010): per-centre running means over random batches.

Each step assigns a batch to the nearest centres (the chunked numba E-step of
``_kmeans``) and moves every centre to the running mean of all rows it has
been given so far, i.e. a per-centre learning rate ``1 / count``. Cost per step
is O(batch_size * k * d), independent of n: the path for data sets where a full
Lloyd pass is too slow, and the update behind ``partial_fit``.
"""

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from ._distances import row_sq_norms
from ._kmeans import _e_step, assign_labels

__all__ = ["minibatch_update", "minibatch_steps", "minibatch_kmeans"]


@numba.njit(cache=True)
def minibatch_update(X, labels, centers, counts):
    """Fold the rows of one batch into the running centre means, in place.

    ``centers[j] <- (counts[j] * centers[j] + sum of the batch rows labelled j)
    / (counts[j] + n_j)`` and ``counts[j] += n_j``. A centre with no row in the
    batch is unchanged. Returns the total squared shift of the centres.

    Parameters
    ----------
    X : ndarray (m, d), the batch
    labels : ndarray (m,) of int, the centre of each batch row
    centers : ndarray (k, d) of float64, updated in place
    counts : ndarray (k,) of float64, rows seen per centre, updated in place
    """
    k, d = centers.shape
    sums = np.zeros((k, d))
    n_batch = np.zeros(k)
    for i in range(X.shape[0]):
        a = labels[i]
        n_batch[a] += 1.0
        for t in range(d):
            sums[a, t] += X[i, t]
    shift = 0.0
    for j in range(k):
        if n_batch[j] == 0:
            continue
        total = counts[j] + n_batch[j]
        for t in range(d):
            new = (counts[j] * centers[j, t] + sums[j, t]) / total
            diff = new - centers[j, t]
            shift += diff * diff
            centers[j, t] = new
        counts[j] = total
    return shift


def minibatch_steps(X, centers_init, random_state, *, batch_size=1024, max_steps=100, tol=0.0):
    """The mini-batch steps of :func:`minibatch_kmeans`, without the final pass over all rows.

    Returns the centres (X's dtype) and the number of steps taken; callers
    that assign the rows themselves (or only need the centres) skip the
    O(n k d) labelling pass.
    """
    n, d = X.shape
    k = centers_init.shape[0]
    centers = np.array(centers_init, dtype=np.float64, order="C")
    counts = np.zeros(k)
    threshold = float(np.mean(np.var(X[: min(n, 10000)], axis=0))) * tol if tol > 0 else 0.0
    m = min(int(batch_size), n)
    # buffers reused by every step; one BLAS thread cap for the whole loop
    batch = np.empty((m, d + 1), dtype=X.dtype)
    batch[:, -1] = 1
    b_sq = np.empty(m, dtype=X.dtype)
    labels = np.empty(m, dtype=np.int64)
    min_d = np.empty(m, dtype=np.float64)
    n_threads = numba.get_num_threads()
    sums = np.empty((n_threads, 1, 1))
    cnt = np.empty((n_threads, 1), dtype=np.int64)
    n_steps = 0
    with threadpool_limits(limits=1, user_api="blas"):
        for n_steps in range(1, int(max_steps) + 1):
            idx = random_state.randint(0, n, m)
            np.take(X, idx, axis=0, out=batch[:, :-1])
            np.einsum("ij,ij->i", batch[:, :-1], batch[:, :-1], out=b_sq)
            _e_step(batch, b_sq, centers.astype(X.dtype), labels, min_d, sums, cnt, False)
            shift = minibatch_update(batch[:, :-1], labels, centers, counts)
            if threshold > 0 and shift <= threshold:
                break
    return centers.astype(X.dtype), n_steps


def minibatch_kmeans(X, centers_init, random_state, *, batch_size=1024, max_steps=100, tol=0.0, x_sq=None):
    """Mini-batch k-means from given centres.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64
    centers_init : ndarray of shape (k, d)
    random_state : numpy.random.RandomState
        Draws the batches (with replacement, as scikit-learn's MiniBatchKMeans).
    batch_size : int
        Rows per step.
    max_steps : int
        Number of batches.
    tol : float
        Stop early when a step moves the centres by at most ``tol`` times the
        mean feature variance (total squared shift); 0 runs every step.
    x_sq : ndarray of shape (n,) or None
        Precomputed squared row norms.

    Returns
    -------
    centers : ndarray of shape (k, d), X's dtype
    labels : ndarray of shape (n,), int64 (nearest final centre)
    inertia : float (sum of squared distances to the final centres)
    n_steps : int
    """
    centers, n_steps = minibatch_steps(X, centers_init, random_state, batch_size=batch_size, max_steps=max_steps,
                                       tol=tol)
    x_sq = row_sq_norms(X) if x_sq is None else x_sq
    labels, min_d = assign_labels(X, centers, x_sq)
    return centers, labels, float(min_d.sum()), n_steps
