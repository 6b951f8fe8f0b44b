"""GraphDegreeLinkage (AGDL, JULE's clusterer) and its numba merging kernel."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_blobs
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_unsup._kernels._gdl import agdl_merge, agdl_reference
from sklearn_unsup.cluster import GraphDegreeLinkage


def _canonical(labels):
    """Labels renumbered by first occurrence, so equal partitions compare equal."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse.reshape(-1)]


def _run_kernel(W, init, n_init, n_clusters, k_c, kc_min):
    Ws = sp.csr_matrix(W)
    Wt = Ws.T.tocsr()
    i64 = np.int64
    return agdl_merge(Ws.indptr.astype(i64), Ws.indices.astype(i64), Ws.data, Wt.indptr.astype(i64),
                      Wt.indices.astype(i64), Wt.data, init, n_init, n_clusters, k_c, kc_min)


@pytest.mark.parametrize("seed", range(16))
def test_kernel_matches_brute_force_agdl(seed):
    # random directed kNN weights and random initial clusters; the reference recomputes every linkage each step
    rng = np.random.RandomState(seed)
    n, k = rng.randint(5, 60), rng.randint(1, 6)
    X = rng.normal(size=(n, 3))
    D = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.fill_diagonal(D, np.inf)
    ind = np.argsort(D, axis=1)[:, :k]
    W = np.zeros((n, n))
    for i in range(n):
        W[i, ind[i]] = rng.uniform(0.1, 1.0, size=k)
    n_init = rng.randint(2, n + 1)
    init = np.r_[np.arange(n_init), rng.randint(0, n_init, size=n - n_init)].astype(np.int64)
    rng.shuffle(init)
    n_clusters, k_c, kc_min = rng.randint(1, n_init + 1), rng.randint(1, 5), rng.choice([0, 5, 1000])
    labels, children, links = _run_kernel(W, init, n_init, n_clusters, k_c, kc_min)
    ref_labels, ref_links = agdl_reference(W, init, n_clusters, k_c, kc_min)
    np.testing.assert_array_equal(_canonical(labels), _canonical(ref_labels))
    np.testing.assert_allclose(links, ref_links, rtol=1e-9)
    assert children.shape == (len(ref_links), 2)


def test_estimator_matches_the_dense_pipeline():
    # kNN weights exp(-d^2 / sigma^2) on normalised rows, first-neighbour components, then brute-force AGDL
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    gdl = GraphDegreeLinkage(n_clusters=4, n_neighbors=6, k_c=3).fit(X)
    Z = X / np.linalg.norm(X, axis=1, keepdims=True)
    D = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    np.fill_diagonal(D, np.inf)
    ind = np.argsort(D, axis=1)[:, :6]
    d = np.take_along_axis(D, ind, axis=1)
    assert gdl.sigma2_ == pytest.approx(d.mean())
    W = np.zeros((80, 80))
    np.put_along_axis(W, ind, np.exp(-d / d.mean()), axis=1)
    # first-neighbour chains: union-find over i -> nearest(i)
    parent = np.arange(80)

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for i in range(80):
        parent[find(i)] = find(ind[i, 0])
    init = _canonical(np.array([find(i) for i in range(80)]))
    np.testing.assert_array_equal(_canonical(gdl.initial_labels_), init)
    ref, ref_links = agdl_reference(W, init.astype(np.int64), 4, 3, 100)
    np.testing.assert_array_equal(_canonical(gdl.labels_), _canonical(ref))
    np.testing.assert_allclose(gdl.linkages_, ref_links, rtol=1e-9)


def test_merge_history_replays_to_the_labels():
    X, _ = make_blobs(200, centers=5, random_state=1)
    gdl = GraphDegreeLinkage(n_clusters=3, n_neighbors=10).fit(X)
    n_init = gdl.n_initial_clusters_
    assert gdl.children_.shape == (n_init - gdl.n_clusters_, 2)
    assert gdl.linkages_.shape == (n_init - gdl.n_clusters_,)
    members = {i: {i} for i in range(n_init)}
    for i, (a, b) in enumerate(gdl.children_):
        assert a < n_init + i and b < n_init + i
        members[n_init + i] = members.pop(a) | members.pop(b)
    assert len(members) == gdl.n_clusters_ == 3
    replay = np.empty(200, dtype=int)
    for c, leaves in enumerate(members.values()):
        replay[np.isin(gdl.initial_labels_, list(leaves))] = c
    assert adjusted_rand_score(replay, gdl.labels_) == 1.0
    assert np.all(np.diff(np.bincount(gdl.labels_)) <= 0)  # labels by decreasing size


def test_separated_blobs_are_found():
    X, y = make_blobs([120, 60, 30], n_features=5, cluster_std=0.5, center_box=(-10, 10), random_state=3)
    labels = GraphDegreeLinkage(n_clusters=3, n_neighbors=10, normalize=False).fit_predict(X)
    assert adjusted_rand_score(y, labels) == 1.0


def test_disconnected_graph_merges_by_mean_rows():
    # 4 far-apart groups of 30 duplicates: no linkage between groups, the last merges go by mean rows
    base = np.array([[0.0, 0.0], [0.1, 0.0], [100.0, 100.0], [100.0, 101.0]])
    X = np.repeat(base, 30, axis=0)
    gdl = GraphDegreeLinkage(n_clusters=2, n_neighbors=5, normalize=False).fit(X)
    assert gdl.n_clusters_ == 2
    np.testing.assert_array_equal(gdl.labels_, np.repeat([0, 0, 1, 1], 30))
    assert np.all(gdl.linkages_[-2:] == 0)


def test_duplicates_and_tiny_inputs():
    X = np.ones((10, 3))
    gdl = GraphDegreeLinkage(n_clusters=1).fit(X)
    assert gdl.n_clusters_ == 1 and np.all(gdl.labels_ == 0) and np.isfinite(gdl.sigma2_)
    assert GraphDegreeLinkage(n_clusters=1).fit([[1.0, 2.0]]).labels_.tolist() == [0]
    labels = GraphDegreeLinkage(n_clusters=2).fit_predict([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0]])
    assert labels.tolist() == [0, 1, 0]


def test_more_clusters_than_initial_clusters_starts_from_rows():
    X = np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 3] + [1.0, 0.0]
    gdl = GraphDegreeLinkage(n_clusters=5, n_neighbors=3, normalize=False).fit(X)
    assert gdl.n_clusters_ == 5
    np.testing.assert_array_equal(gdl.initial_labels_, np.arange(10))
    assert gdl.children_.shape == (5, 2)


@pytest.mark.parametrize("params", [dict(n_clusters=0), dict(n_neighbors=0), dict(k_c=0), dict(n_clusters=2.5)])
def test_bad_parameters(params):
    with pytest.raises(InvalidParameterError):
        GraphDegreeLinkage(**params).fit(np.random.RandomState(0).normal(size=(20, 2)))


def test_more_clusters_than_rows_is_an_error():
    with pytest.raises(ValueError, match="n_samples=4 should be >= n_clusters=5"):
        GraphDegreeLinkage(n_clusters=5).fit(np.eye(4))


def test_digits_quality():
    X, y = load_digits(return_X_y=True)
    labels = GraphDegreeLinkage(n_clusters=10).fit_predict(X)
    assert normalized_mutual_info_score(y, labels) > 0.85  # 0.907 measured
