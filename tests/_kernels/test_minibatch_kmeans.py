import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from sklearn_unsup._kernels import kmeans_plusplus, minibatch_update
from sklearn_unsup._kernels._minibatch_kmeans import minibatch_kmeans


def test_update_is_the_running_mean_of_the_rows_seen():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    labels = rng.randint(0, 4, 90)
    labels[labels == 3] = 2  # centre 3 never gets a row
    centers = np.zeros((4, 3))
    counts = np.zeros(4)
    for start in range(0, 90, 30):  # three batches
        minibatch_update(X[start:start + 30], labels[start:start + 30], centers, counts)
    for j in range(3):
        np.testing.assert_allclose(centers[j], X[labels == j].mean(axis=0))
    np.testing.assert_array_equal(centers[3], 0.0)
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_minibatch_kmeans_close_to_full_kmeans(dtype):
    X, y = make_blobs(5000, n_features=8, centers=6, cluster_std=1.5, random_state=0)
    X = X.astype(dtype)
    rng = np.random.RandomState(0)
    init, _ = kmeans_plusplus(X, 6, rng)
    centers, labels, inertia, n_steps = minibatch_kmeans(X, init, rng, batch_size=256, max_steps=50)
    assert centers.dtype == dtype and n_steps == 50
    full = KMeans(6, n_init=1, random_state=0).fit(X)
    assert inertia < 1.05 * full.inertia_
    assert adjusted_rand_score(y, labels) > 0.95


def test_minibatch_kmeans_is_reproducible_and_stops_early():
    X, _ = make_blobs(2000, n_features=4, centers=3, random_state=1)
    runs = []
    for _ in range(2):
        rng = np.random.RandomState(3)
        init, _ = kmeans_plusplus(X, 3, rng)
        runs.append(minibatch_kmeans(X, init, rng, batch_size=128, max_steps=500, tol=1e-6))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][3] < 500
