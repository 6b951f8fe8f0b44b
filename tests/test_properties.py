"""Property tests: the numba kernels and the metrics against plain references on generated inputs.

Hypothesis draws the shapes, seeds, offsets and scales; the data itself comes
from a seeded NumPy generator (fast, and a failure is reproduced from its
parameters alone). Few examples each, so the whole module stays within seconds.
"""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import silhouette_samples as sk_silhouette_samples
from sklearn.neighbors import NearestNeighbors

from sklearn_unsup._kernels import lloyd, sinkhorn_knopp
from sklearn_unsup._kernels._sinkhorn import sinkhorn_reference
from sklearn_unsup.metrics import cluster_accuracy, silhouette_samples
from sklearn_unsup.neighbors import kneighbors

FAST = settings(max_examples=25, deadline=None, derandomize=True)
FEWER = settings(max_examples=12, deadline=None, derandomize=True)  # iterative kernels: many numba launches
seeds = st.integers(0, 2**31 - 1)


def _exact_sq_dist(Q, X):
    """Squared distances from direct float64 differences (no expanded form)."""
    Q, X = Q.astype(np.float64), X.astype(np.float64)
    return ((Q[:, None, :] - X[None, :, :]) ** 2).sum(-1)


@FAST
@given(seed=seeds, n=st.integers(12, 150), d=st.integers(1, 10), k=st.integers(1, 8),
       offset=st.sampled_from([0.0, 1.0, -1e2, 1e3, -1e4]), log_scale=st.integers(-3, 3),
       dtype=st.sampled_from([np.float32, np.float64]), with_query=st.booleans())
def test_kneighbors_exact_at_any_offset_and_scale(seed, n, d, k, offset, log_scale, dtype, with_query):
    rng = np.random.RandomState(seed)
    scale = 10.0**log_scale
    X = ((rng.normal(size=(n, d)) + offset) * scale).astype(dtype)
    Q = ((rng.normal(size=(15, d)) + offset) * scale).astype(dtype) if with_query else None
    k = min(k, n - 1)
    dist, ind = kneighbors(X, n_neighbors=k, query=Q)
    D = _exact_sq_dist(X if Q is None else Q, X)
    if Q is None:
        np.fill_diagonal(D, np.inf)
    ref = np.sort(D, axis=1)
    # distances are the k smallest, exactly (float64 values, rounded once to X's dtype)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(dist.astype(np.float64) ** 2, ref[:, :k], rtol=rtol, atol=0)
    np.testing.assert_allclose(np.take_along_axis(D, ind, axis=1), ref[:, :k], rtol=1e-12, atol=0)
    # same sets as scikit-learn's float64 brute force where the k-th neighbour is not (nearly) tied
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X.astype(np.float64))
    _, ref_i = nn.kneighbors() if Q is None else nn.kneighbors(Q.astype(np.float64))
    clear = ref[:, k] > ref[:, k - 1] * (1 + 1e-6) if ref.shape[1] > k else np.ones(len(ref), dtype=bool)
    np.testing.assert_array_equal(np.sort(ind[clear], axis=1), np.sort(ref_i[clear], axis=1))


@FAST
@given(seed=seeds, n=st.integers(6, 80), d=st.integers(1, 5), n_labels=st.integers(2, 5),
       metric=st.sampled_from(["euclidean", "cosine"]), offset=st.sampled_from([0.0, 3.0, 1e3]),
       log_scale=st.integers(-3, 3))
def test_silhouette_matches_sklearn(seed, n, d, n_labels, metric, offset, log_scale):
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, n_labels, n)
    assume(2 <= len(np.unique(labels)) <= n - 1)
    X = (rng.normal(size=(n, d)) + labels[:, None] + offset) * 10.0**log_scale
    np.testing.assert_allclose(silhouette_samples(X, labels, metric=metric),
                               sk_silhouette_samples(X, labels, metric=metric), atol=1e-6)


@FEWER
@given(seed=seeds, n=st.integers(2, 120), m=st.integers(2, 12), epsilon=st.sampled_from([0.05, 0.1, 0.5, 1.0]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_sinkhorn_marginals(seed, n, m, epsilon, dtype):
    S = np.random.RandomState(seed).uniform(-1, 1, size=(n, m)).astype(dtype)
    Q, _ = sinkhorn_knopp(S, epsilon=epsilon, n_iter=3)
    assert Q.dtype == dtype and np.all(Q >= 0)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(Q.sum(axis=1), 1, rtol=rtol)  # each row is a distribution
    np.testing.assert_allclose(Q, sinkhorn_reference(S.astype(np.float64), epsilon=epsilon, n_iter=3),
                               rtol=1e-3 if dtype == np.float32 else 1e-9, atol=1e-6)
    # run to convergence: every column gets n / m of the mass (equipartition)
    Q, n_iter = sinkhorn_knopp(S.astype(np.float64), epsilon=1.0, n_iter=500, tol=1e-12)
    if n_iter < 500:
        np.testing.assert_allclose(Q.sum(axis=0), n / m, rtol=1e-6)
        np.testing.assert_allclose(Q.sum(axis=1), 1, rtol=1e-9)


@FEWER
@given(seed=seeds, n=st.integers(10, 200), d=st.integers(1, 6), k=st.integers(1, 8))
def test_kmeans_inertia_never_increases(seed, n, d, k):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) + rng.randint(0, 3, size=(n, 1)) * 4
    k = min(k, n)
    C0 = X[rng.choice(n, k, replace=False)] + rng.normal(scale=0.5, size=(k, d))
    inertia = [lloyd(X, C0, max_iter=t, tol=0)[2] for t in range(0, 5)]  # t = 0: the initial centres
    for before, after in zip(inertia, inertia[1:]):
        assert after <= before * (1 + 1e-9) + 1e-12
    centers, labels, final, _ = lloyd(X, C0, max_iter=50, tol=0)
    assert final <= inertia[0] * (1 + 1e-9) + 1e-12
    assert final == pytest.approx(np.sum((X - centers[labels]) ** 2), rel=1e-9, abs=1e-9)


@FAST
@given(seed=seeds, n=st.integers(1, 40), n_true=st.integers(1, 6), n_pred=st.integers(1, 6))
def test_cluster_accuracy_is_the_best_matching(seed, n, n_true, n_pred):
    rng = np.random.RandomState(seed)
    y_true = rng.randint(0, n_true, n)
    y_pred = rng.choice(["a", "b", "c", "d", "e", "f"][:n_pred], n)
    t = np.unique(y_true, return_inverse=True)[1].reshape(-1)
    p = np.unique(y_pred, return_inverse=True)[1].reshape(-1)
    size = max(t.max(), p.max()) + 1
    best = max(np.mean(np.asarray(perm)[p] == t) for perm in itertools.permutations(range(size)))
    assert cluster_accuracy(y_true, y_pred) == pytest.approx(best)
