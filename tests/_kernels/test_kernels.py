"""Each numba kernel against a plain NumPy / scikit-learn reference, float32 and float64."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus
from sklearn.metrics import pairwise_distances, silhouette_samples
from sklearn.neighbors import NearestNeighbors

from sklearn_unsup._kernels import (
    assign_labels,
    dec_target_distribution,
    kmeans_plusplus,
    knn_search,
    lloyd,
    pairwise_sq_euclidean,
    round_balanced,
    silhouette_values,
    sinkhorn_knopp,
    som_bmu,
    som_train,
    student_t_assignment,
)
from sklearn_unsup._kernels._distances import pairwise_cosine
from sklearn_unsup._kernels._knn import _round_robin
from sklearn_unsup._kernels._sinkhorn import sinkhorn_reference

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 1e-4, np.float64: 1e-10}


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pairwise_distances(rng, dtype):
    X = rng.normal(size=(40, 7)).astype(dtype)
    Y = rng.normal(size=(25, 7)).astype(dtype)
    D = pairwise_sq_euclidean(X, Y)
    assert D.dtype == dtype and D.min() >= 0
    np.testing.assert_allclose(D, pairwise_distances(X, Y, metric="sqeuclidean"), rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(pairwise_cosine(X, Y), pairwise_distances(X, Y, metric="cosine"), atol=10 * TOL[dtype])


def test_round_robin_covers_each_pair_once():
    for n_blocks in (1, 2, 5, 8):
        sched = _round_robin(n_blocks)
        pairs = [tuple(p) for rnd in sched for p in rnd if p[0] >= 0]
        expected = {(i, j) for i in range(n_blocks) for j in range(i, n_blocks)}
        assert sorted(pairs) == sorted(expected)
        for rnd in sched:  # no block twice in a round: no two threads share a heap
            blocks = [b for p in rnd if p[0] >= 0 for b in set(p)]
            assert len(blocks) == len(set(blocks))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("n", [7, 300, 1100])
def test_knn_self_matches_sklearn(rng, dtype, metric, n):
    X = rng.normal(size=(n, 9)).astype(dtype)
    k = min(6, n - 1)
    dist, ind = knn_search(X, k, metric=metric, exclude_self=True, block=128)
    ref_d, ref_i = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(X).kneighbors()
    assert dist.dtype == dtype and ind.dtype == np.int64
    tol = 1e-3 if dtype == np.float32 else 1e-7
    np.testing.assert_allclose(dist, ref_d, rtol=tol, atol=tol)
    assert np.mean(ind == ref_i) > 0.999
    assert not np.any(ind == np.arange(n)[:, None])
    assert np.all(np.diff(dist, axis=1) >= 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_knn_query_and_keep_self(rng, dtype):
    X = rng.normal(size=(500, 5)).astype(dtype)
    Q = rng.normal(size=(77, 5)).astype(dtype)
    dist, ind = knn_search(X, 4, query=Q, block=32, col_block=64)
    ref_d, ref_i = NearestNeighbors(n_neighbors=4, algorithm="brute").fit(X).kneighbors(Q)
    np.testing.assert_array_equal(ind, ref_i)
    np.testing.assert_allclose(dist, ref_d, rtol=1e-4)
    d_self, i_self = knn_search(X, 3, exclude_self=False)
    np.testing.assert_array_equal(i_self[:, 0], np.arange(500))
    np.testing.assert_allclose(d_self[:, 0], 0, atol=1e-3)


def test_knn_inner_product(rng):
    X = rng.normal(size=(200, 6))
    dist, ind = knn_search(X, 5, metric="inner_product", exclude_self=True)
    G = X @ X.T
    np.fill_diagonal(G, -np.inf)
    ref = np.argsort(-G, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(ind, ref)
    np.testing.assert_allclose(-dist, np.take_along_axis(G, ref, axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lloyd_matches_sklearn_from_same_centers(rng, dtype):
    X = rng.normal(size=(2000, 8)).astype(dtype)
    C0 = X[rng.choice(2000, 12, replace=False)].copy()
    centers, labels, inertia, n_iter = lloyd(X, C0, max_iter=15, tol=0)
    km = KMeans(12, init=C0, n_init=1, max_iter=15, tol=0, algorithm="lloyd").fit(X)
    assert centers.dtype == dtype and labels.dtype == np.int64
    assert inertia == pytest.approx(km.inertia_, rel=1e-5)
    assert np.mean(labels == km.labels_) > 0.999
    assert n_iter == km.n_iter_


def test_lloyd_converges_and_relocates_empty_clusters(rng):
    X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 10]
    C0 = np.array([[0.0, 0.0], [10.0, 10.0], [1000.0, 1000.0]])  # the third starts empty
    centers, labels, inertia, n_iter = lloyd(X, C0, max_iter=100, tol=1e-4)
    assert n_iter < 100
    assert len(np.unique(labels)) == 3  # no empty cluster left
    assert inertia == pytest.approx(np.sum((X - centers[labels]) ** 2), rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_assigned_distances_exact_far_from_origin_and_row_independent(rng, dtype):
    """|x|^2 + |c|^2 - 2<x, c> cancelled in float32 at offset 1e4 (errors of order 100 in a distance of 10)."""
    X = (rng.normal(size=(700, 16)) + 1e4).astype(dtype)
    C = X[:5].astype(np.float64) + rng.normal(size=(5, 16))
    labels, min_d = assign_labels(X, C)
    D = ((X[:, None, :].astype(np.float64) - C[None]) ** 2).sum(-1)
    np.testing.assert_allclose(min_d, D[np.arange(700), labels], rtol=1e-12)
    np.testing.assert_allclose(min_d, D.min(1), rtol=1e-5)
    rows = [3, 300, 699]
    np.testing.assert_array_equal(assign_labels(X[rows], C)[1], min_d[rows])
    centers, labels, inertia, _ = lloyd(X, C.astype(dtype), max_iter=5)
    ref = np.sum((X.astype(np.float64) - centers.astype(np.float64)[labels]) ** 2)
    assert inertia == pytest.approx(ref, rel=1e-12)


def test_kmeans_plusplus_quality_like_sklearn(rng):
    X = rng.normal(size=(3000, 5))
    ours = [lloyd(X, kmeans_plusplus(X, 10, np.random.RandomState(s))[0], max_iter=0 or 1)[2] for s in range(5)]
    ref = [lloyd(X, sk_kmeans_plusplus(X, 10, random_state=s)[0], max_iter=1)[2] for s in range(5)]
    assert np.mean(ours) < 1.05 * np.mean(ref)
    c, idx = kmeans_plusplus(X, 10, np.random.RandomState(0))
    np.testing.assert_array_equal(c, X[idx])
    c2, _ = kmeans_plusplus(X, 10, np.random.RandomState(0))
    np.testing.assert_array_equal(c, c2)  # RNG passed in: reproducible


@pytest.mark.parametrize("dtype", DTYPES)
def test_sinkhorn_matches_swav_reference(rng, dtype):
    S = rng.uniform(-1, 1, size=(300, 20)).astype(dtype)
    Q, n_iter = sinkhorn_knopp(S, epsilon=0.05, n_iter=3)
    R = sinkhorn_reference(S.astype(np.float64), epsilon=0.05, n_iter=3)
    assert Q.dtype == dtype and n_iter == 3
    np.testing.assert_allclose(Q, R, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)
    np.testing.assert_allclose(Q.sum(axis=1), 1, rtol=1e-4)


def test_sinkhorn_stable_for_small_epsilon_and_converges(rng):
    S = rng.uniform(-60, 60, size=(400, 8))
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.all(np.isfinite(sinkhorn_reference(S, epsilon=0.05)))
    Q, _ = sinkhorn_knopp(S, epsilon=0.05)
    assert np.all(np.isfinite(Q))
    Q, n_iter = sinkhorn_knopp(S / 60, epsilon=0.1, n_iter=1000, tol=1e-9)
    assert n_iter < 1000
    np.testing.assert_allclose(Q.sum(axis=0), 400 / 8, rtol=1e-6)  # SeLa: exact equipartition
    np.testing.assert_allclose(Q.sum(axis=1), 1, rtol=1e-6)


def test_sinkhorn_in_place(rng):
    S = rng.uniform(-1, 1, size=(50, 4)).astype(np.float32)
    expected, _ = sinkhorn_knopp(S.copy())
    out, _ = sinkhorn_knopp(S, out=S)
    assert out is S
    np.testing.assert_allclose(S, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_student_t_and_target(rng, dtype):
    Z = rng.normal(size=(60, 3)).astype(dtype)
    C = rng.normal(size=(4, 3)).astype(dtype)
    for alpha in (1.0, 2.5):
        Q = student_t_assignment(Z, C, alpha=alpha)
        d = ((Z[:, None, :].astype(np.float64) - C[None]) ** 2).sum(-1)
        ref = (1 + d / alpha) ** (-(alpha + 1) / 2)
        ref /= ref.sum(1, keepdims=True)
        np.testing.assert_allclose(Q, ref, rtol=TOL[dtype] * 10)
    P = dec_target_distribution(Q)
    ref = Q.astype(np.float64) ** 2 / Q.sum(0)
    ref /= ref.sum(1, keepdims=True)
    np.testing.assert_allclose(P, ref, rtol=TOL[dtype] * 10)
    assert np.mean(P.max(1)) > np.mean(Q.max(1))  # sharper


@pytest.mark.parametrize("dtype", DTYPES)
def test_student_t_finite_for_huge_rows_and_row_independent(rng, dtype):
    """Squared distances of rows near 1e20 (float32) or 1e160 (float64) overflowed: 0 / 0 = NaN."""
    Z = rng.normal(size=(40, 3))
    C = rng.normal(size=(4, 3))
    huge = 1e20 if dtype == np.float32 else 1e160
    Q = student_t_assignment((Z * huge).astype(dtype), (C * huge).astype(dtype))
    assert Q.dtype == dtype and np.all(np.isfinite(Q))
    # at that scale 1 + d / alpha is d / alpha: q_ij is proportional to d_ij^(-1) of the unscaled rows
    ref = 1 / ((Z[:, None, :] - C[None]) ** 2).sum(-1)
    np.testing.assert_allclose(Q, ref / ref.sum(1, keepdims=True), rtol=10 * TOL[dtype])
    far = student_t_assignment((Z * huge).astype(dtype), C.astype(dtype))  # every centre far away
    assert np.all(np.isfinite(far))
    np.testing.assert_allclose(far.sum(1), 1, rtol=1e-6)
    # each row on its own: the same values, exactly
    Zd = Z.astype(dtype)
    full = student_t_assignment(Zd, C)
    np.testing.assert_array_equal(np.vstack([student_t_assignment(Zd[i : i + 1], C) for i in range(5)]), full[:5])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_silhouette_values_match_sklearn(rng, dtype, metric):
    X = rng.normal(size=(400, 6)).astype(dtype)
    labels = rng.randint(0, 4, 400)
    labels[7] = 4  # a singleton cluster scores 0
    ours = silhouette_values(X, labels, metric=metric, block=64)
    np.testing.assert_allclose(ours, silhouette_samples(X, labels, metric=metric), atol=1e-6)
    assert ours[7] == 0


def test_round_balanced_sizes(rng):
    P = rng.dirichlet(np.ones(7), size=103)
    labels = round_balanced(P)
    sizes = np.bincount(labels, minlength=7)
    assert sizes.sum() == 103 and sizes.min() == 103 // 7 and sizes.max() == 103 // 7 + 1
    clear = np.eye(3)[np.repeat(np.arange(3), 5)] * 0.9 + 0.05
    np.testing.assert_array_equal(round_balanced(clear), np.repeat(np.arange(3), 5))


def test_som_kernels(rng):
    X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 8]
    W = rng.normal(scale=0.01, size=(4, 2)) - 5  # a poor start: all units far off
    coords = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    before = som_bmu(X, W)[2].mean()
    som_train(X, W, coords, rng.permutation(np.tile(np.arange(200), 5)).astype(np.int64), 0.5, 1.0)
    first, second, dist = som_bmu(X, W)
    assert dist.mean() < 0.5 * before
    ref = ((X[:, None] - W[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(first, ref.argmin(1))
    np.testing.assert_allclose(dist, np.sqrt(ref.min(1)))
    assert np.all(first != second)
