import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from sklearn_unsup.neighbors import kneighbors


def test_matches_sklearn_on_real_embeddings(digits):
    X, _ = digits
    X = X.astype(np.float32)
    dist, ind = kneighbors(X, n_neighbors=10)
    ref_d, ref_i = NearestNeighbors(n_neighbors=10, algorithm="brute").fit(X).kneighbors()
    np.testing.assert_allclose(dist, ref_d, rtol=1e-3, atol=1e-3)
    # digits has many exact ties, so indices may differ in order; each returned
    # neighbour must be at the reference k-NN distance
    X64 = X.astype(np.float64)
    true_d = np.linalg.norm(X64[:, None, :] - X64[ind], axis=-1)
    np.testing.assert_allclose(true_d, ref_d, rtol=1e-5, atol=1e-5)
    assert not np.any(ind == np.arange(len(X))[:, None])


def test_query_and_metrics():
    rng = np.random.RandomState(0)
    X, Q = rng.normal(size=(200, 4)), rng.normal(size=(10, 4))
    for metric in ("euclidean", "cosine"):
        d, i = kneighbors(X, n_neighbors=3, metric=metric, query=Q)
        rd, ri = NearestNeighbors(n_neighbors=3, metric=metric, algorithm="brute").fit(X).kneighbors(Q)
        np.testing.assert_array_equal(i, ri)
        np.testing.assert_allclose(d, rd, atol=1e-9)
    d, _ = kneighbors(X, n_neighbors=3, metric="sqeuclidean", query=Q)
    np.testing.assert_allclose(np.sqrt(d), kneighbors(X, n_neighbors=3, query=Q)[0])


def test_bad_input():
    X = np.random.rand(5, 2)
    with pytest.raises(ValueError, match=r"n_neighbors=5 must be at most n_samples - 1 = 4"):
        kneighbors(X, n_neighbors=5)
    assert kneighbors(X, n_neighbors=5, exclude_self=False)[1].shape == (5, 5)
    with pytest.raises(ValueError, match="NaN"):
        kneighbors(np.array([[0.0, np.nan], [1, 1]]), n_neighbors=1)
    with pytest.raises(ValueError, match="query has 3 features, but X has 2"):
        kneighbors(X, n_neighbors=1, query=np.ones((2, 3)))
    with pytest.raises(ValueError, match="n_neighbors"):
        kneighbors(X, n_neighbors=0)
    with pytest.raises(ValueError, match="metric"):
        kneighbors(X, metric="manhattan")


def test_int_and_float16_converted():
    X = np.arange(12).reshape(6, 2)
    d, i = kneighbors(X, n_neighbors=1)
    assert d.dtype == np.float64
    d16, _ = kneighbors(X.astype(np.float16), n_neighbors=1)
    assert d16.dtype == np.float64


def _brute_force(X, Q=None, k=5):
    """sklearn's float64 brute force (self-search without the row itself when Q is None)."""
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X.astype(np.float64))
    return nn.kneighbors() if Q is None else nn.kneighbors(Q.astype(np.float64))


@pytest.mark.parametrize("offset", [0.0, 1e2, 1e3, 1e4])
def test_exact_on_float32_far_from_origin(offset):
    """Issue 23: at offset 1e3 the expanded |x|^2 + |y|^2 - 2xy form in float32 got 8.8% of the sets right."""
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(500, 16)) + offset).astype(np.float32)
    Q = (rng.normal(size=(60, 16)) + offset).astype(np.float32)
    for query in (None, Q):
        dist, ind = kneighbors(X, n_neighbors=5, query=query)
        ref_d, ref_i = _brute_force(X, query)
        np.testing.assert_array_equal(np.sort(ind, axis=1), np.sort(ref_i, axis=1))
        assert dist.dtype == np.float32
        np.testing.assert_allclose(dist, ref_d, rtol=1e-6, atol=1e-5)


def test_distances_do_not_depend_on_the_other_rows():
    """A row's neighbours and distances are the same whether it is queried alone or in a batch.

    Candidates come from a blocked float32 GEMM whose rounding depends on the
    block shape; the returned distances are recomputed from the rows in
    float64, so the comparison is exact without relying on how BLAS rounds.
    """
    rng = np.random.RandomState(1)
    X = (rng.normal(size=(700, 12)) * 3 + 50).astype(np.float32)
    Q = (rng.normal(size=(257, 12)) * 3 + 50).astype(np.float32)
    full_d, full_i = kneighbors(X, n_neighbors=4, query=Q)
    for rows in ([5], [0, 1, 2], list(range(3, 200, 7)), list(range(256, 100, -1))):
        d, i = kneighbors(X, n_neighbors=4, query=Q[rows])
        np.testing.assert_array_equal(d, full_d[rows])
        np.testing.assert_array_equal(i, full_i[rows])
    # the symmetric self-search and the query path agree exactly too
    self_d, self_i = kneighbors(X, n_neighbors=4, exclude_self=False)
    d, i = kneighbors(X, n_neighbors=4, query=X[::3])
    np.testing.assert_array_equal(d, self_d[::3])
    np.testing.assert_array_equal(i, self_i[::3])


def test_ties_get_exact_distances():
    """One-hot rows: whole groups of rows at the k-th distance, where the GEMM's candidates prove nothing."""
    rng = np.random.RandomState(0)
    X = np.eye(4, dtype=np.float32)[rng.randint(0, 4, size=(300, 5))].reshape(300, -1)
    for k in (3, 20):
        dist, ind = kneighbors(X, n_neighbors=k)
        ref_d, _ = _brute_force(X, k=k)
        np.testing.assert_allclose(dist, ref_d, atol=1e-6)
        X64 = X.astype(np.float64)
        true_d = np.linalg.norm(X64[:, None, :] - X64[ind], axis=-1)  # each index is at its distance
        np.testing.assert_allclose(true_d, dist, atol=1e-6)
        assert not np.any(ind == np.arange(len(X))[:, None])
        sub_d, _ = kneighbors(X, n_neighbors=k, query=X[:50], exclude_self=False)
        full_d, _ = kneighbors(X, n_neighbors=k, query=X, exclude_self=False)
        np.testing.assert_array_equal(sub_d, full_d[:50])
