"""Clustering steps of novel class discovery: k by silhouette, k-means seeded away from the known classes.

Plain NumPy / scikit-learn functions (no torch), shared by
:class:`~sklearn_unsup.semi_supervised.ProjectionBasedNCD`, the hidden-class
scorer of :mod:`sklearn_unsup.model_selection` and the benchmarks.
"""


import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state

from ..metrics._silhouette import silhouette_score

__all__ = ["estimate_n_clusters", "ncd_kmeans"]

#: Rows the silhouette of each candidate k is computed on (a random subset beyond that).
SILHOUETTE_ROWS = 5000


def _seed(rng):
    return int(rng.randint(np.iinfo(np.int32).max))


def estimate_n_clusters(Z, k_max=30, *, k_min=2, n_init=3, random_state=None):
    """The k in ``[k_min, k_max]`` whose k-means partition of Z has the highest mean silhouette.

    The k-estimation rule of Troisemaine et al. (the paper scans 2..30 and
    averages three k-means runs per k; here one k-means with ``n_init`` restarts
    per k). ``k_max`` is capped at ``n_samples - 1`` (the silhouette needs at
    least one cluster with two rows); fewer than three rows give 1. The
    silhouette of each candidate uses at most ``SILHOUETTE_ROWS`` rows.

    Returns
    -------
    k : int
    scores : dict of int to float
        Mean silhouette of each candidate k.
    """
    Z = np.asarray(Z, dtype=np.float64)
    n = Z.shape[0]
    k_max = min(int(k_max), n - 1)
    if n < 3 or k_max < k_min:
        return 1, {}
    rng = check_random_state(random_state)
    scores = {}
    for k in range(int(k_min), k_max + 1):
        labels = KMeans(k, n_init=n_init, random_state=_seed(rng)).fit_predict(Z)
        if len(np.unique(labels)) < 2:  # duplicated rows: fewer distinct clusters than k
            scores[k] = -1.0
            continue
        sample = None if n <= SILHOUETTE_ROWS else SILHOUETTE_ROWS
        scores[k] = silhouette_score(Z, labels, sample_size=sample, random_state=_seed(rng))
    best = max(scores, key=lambda k: (scores[k], -k))  # ties: the smaller k
    return int(best), scores


def _seed_new_centers(Z, known_centers, k, rng):
    """k-means++ seeding of k new centers, the known centers counting as already chosen."""
    centers = np.empty((k, Z.shape[1]))
    if len(known_centers):
        d2 = np.min([((Z - c) ** 2).sum(1) for c in known_centers], axis=0)
        start = 0
    else:
        centers[0] = Z[rng.randint(len(Z))]
        d2 = ((Z - centers[0]) ** 2).sum(1)
        start = 1
    for j in range(start, k):
        total = d2.sum()
        i = rng.randint(len(Z)) if total <= 0 else rng.choice(len(Z), p=d2 / total)
        centers[j] = Z[i]
        d2 = np.minimum(d2, ((Z - centers[j]) ** 2).sum(1))
    return centers


def ncd_kmeans(Z, known_centers, n_clusters, *, n_init=10, max_iter=300, random_state=None):
    """NCD k-means: k-means on the unlabelled rows, seeded away from the known classes.

    Each of ``n_init`` runs draws the new centers k-means++-style with the
    known-class centers counted as already chosen (a new center is drawn with
    probability proportional to the squared distance to the nearest center,
    known or new), then runs Lloyd's iterations on the new centers only; the run
    of lowest inertia is kept. This follows the authors' implementation (their
    ``update_centroids="unlab_only"``): the known centers shape the seeding and
    every unlabelled row goes to a new cluster. Their code draws with the
    distance, the paper and k-means++ with its square; the square is used here.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        The unlabelled rows.
    known_centers : ndarray of shape (n_known, n_features)
        Means of the known classes (may have zero rows: plain k-means++).
    n_clusters : int
        Number of new clusters.

    Returns
    -------
    kmeans : sklearn.cluster.KMeans
        The fitted k-means of the best run (``cluster_centers_``, ``labels_``).
    """
    Z = np.asarray(Z, dtype=np.float64)
    known_centers = np.asarray(known_centers, dtype=np.float64).reshape(-1, Z.shape[1])
    rng = check_random_state(random_state)
    best = None
    for _ in range(int(n_init)):
        init = _seed_new_centers(Z, known_centers, int(n_clusters), rng)
        km = KMeans(int(n_clusters), init=init, n_init=1, max_iter=max_iter, random_state=_seed(rng)).fit(Z)
        if best is None or km.inertia_ < best.inertia_:
            best = km
    return best
