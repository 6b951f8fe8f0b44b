"""The deep clusterers' one k-means: greedy k-means++ and Lloyd (numba kernels) on learned features.

DEC's centre initialisation, DeepCluster's pseudo-labels, SwAV's grouping of
prototypes and JointVAE's warm start all cluster features here, so one kernel
(and one seeding rule) serves them all.
"""

import numpy as np
from sklearn.utils import check_random_state

from .._kernels import kmeans_plusplus, lloyd

__all__ = ["feature_kmeans", "split_empty_clusters"]


def split_empty_clusters(labels, n_clusters, rng):
    """Re-seed each empty cluster with a random half of the currently largest cluster (in place)."""
    counts = np.bincount(labels, minlength=n_clusters)
    for j in np.flatnonzero(counts == 0):
        big = int(np.argmax(counts))
        rows = np.flatnonzero(labels == big)
        moved = rng.choice(rows, size=len(rows) // 2, replace=False)
        labels[moved] = j
        counts[big] -= len(moved)
        counts[j] = len(moved)
    return labels


def feature_kmeans(Z, n_clusters, *, n_init=1, max_iter=300, random_state=None):
    """k-means of the rows of ``Z``: the best of ``n_init`` greedy k-means++ starts refined by Lloyd.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Features (float32 or float64).
    n_clusters : int
        Number of clusters, at most ``n_samples``.
    n_init : int, default=1
        Restarts; the run with the lowest inertia is kept.
    max_iter : int, default=300
        Lloyd iterations per run.
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means++ draws and the re-seeding of empty clusters.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features), float64
    labels : ndarray of shape (n_samples,), int64
        No cluster is empty (an empty one takes half of the largest).
    inertia : float
        Sum of squared distances of the rows to their centres.
    """
    rng = check_random_state(random_state)
    Z = np.ascontiguousarray(Z)
    best = None
    for _ in range(int(n_init)):
        centers, _ = kmeans_plusplus(Z, n_clusters, rng)
        centers, labels, inertia, _ = lloyd(Z, centers, max_iter=max_iter)
        if best is None or inertia < best[2]:
            best = (centers, labels, float(inertia))
    centers, labels, inertia = best
    return centers.astype(np.float64), split_empty_clusters(labels.astype(np.int64), n_clusters, rng), inertia
