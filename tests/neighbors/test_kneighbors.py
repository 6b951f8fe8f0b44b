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
