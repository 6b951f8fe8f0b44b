"""DenseMulticut (ClusterFuG's dense GAEC) and its numba contraction kernel."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV

from sklearn_unsup._kernels._multicut import gaec_contract, gaec_reference, most_attractive
from sklearn_unsup.cluster import DenseMulticut
from sklearn_unsup.metrics import make_cluster_scorer


def _canonical(labels):
    """Labels renumbered by first occurrence, so equal partitions compare equal."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse.reshape(-1)]


def _objective(X, labels, offset):
    """Total cost inside clusters (what GAEC increases), brute force."""
    C = X @ X.T - offset
    same = labels[:, None] == labels[None, :]
    return float(np.triu(C * same, 1).sum())


@pytest.mark.parametrize("seed", range(12))
def test_kernel_matches_brute_force_gaec_on_the_complete_graph(seed):
    rng = np.random.RandomState(seed)
    n, d = rng.randint(2, 40), rng.randint(1, 6)
    X = rng.normal(size=(n, d))
    offset = rng.uniform(-0.5, 2.0)
    everyone = np.array([[j for j in range(n) if j != i] for i in range(n)], dtype=np.int64).reshape(n, n - 1)
    F, sizes = X.copy(), np.ones(n)
    roots, n_merges = gaec_contract(F, sizes, everyone, offset, n)
    ref = gaec_reference(X, offset)
    np.testing.assert_array_equal(_canonical(roots), _canonical(ref))
    assert n_merges == n - len(np.unique(ref))
    # the survivors carry their clusters' feature sums and sizes
    for r in np.unique(roots):
        np.testing.assert_allclose(F[r], X[roots == r].sum(axis=0), atol=1e-10)
        assert sizes[r] == np.sum(roots == r)


def _candidate_gaec(X, neighbors, offset, k_cap):
    """Slow GAEC on a candidate graph: a full scan for the most attractive candidate pair at every step.

    A pair is a candidate when one cluster's list holds a row of the other; a joined cluster lists the ``k_cap``
    most attractive of its parts' candidates. Costs are summed in the kernel's order (bit-identical floats).
    """
    F, n = np.array(X, dtype=np.float64), len(X)
    sizes, parent = np.ones(n), list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    def cost(a, b):
        s = 0.0
        for j in range(F.shape[1]):
            s += F[a, j] * F[b, j]
        return s - offset * sizes[a] * sizes[b]

    lists = {i: [int(e) for e in neighbors[i] if e >= 0 and e != i][:k_cap] for i in range(n)}
    while True:
        pairs = [(cost(a, find(e)), a, find(e)) for a in lists for e in lists[a] if find(e) != a]
        if not pairs or max(pairs)[0] <= 0:
            break
        _, a, b = max(pairs)
        F[a] += F[b]
        sizes[a] += sizes[b]
        parent[b] = a
        union = list(dict.fromkeys(find(e) for e in lists[a] + lists.pop(b) if find(e) != a))
        lists[a] = sorted(union, key=lambda r: -cost(a, r))[:k_cap]
    return np.array([find(i) for i in range(n)])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("graph", ["dense", "knn"])
def test_kernel_follows_the_current_cost_order_on_a_capped_candidate_graph(seed, graph):
    # a join changes (and may raise) the cost of every pair holding the joined cluster, including pairs seen only
    # from the other side (a cluster that lists one of its parts): all of them are re-queued at their current cost
    rng = np.random.RandomState(seed)
    n, d, k = 60, rng.randint(2, 8), rng.randint(2, 8)
    X = rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    S = X @ X.T
    np.fill_diagonal(S, -np.inf)
    nbr = np.argsort(-S, axis=1, kind="stable")[:, : n - 1 if graph == "dense" else k]
    offset = rng.uniform(0.0, 0.8)
    roots, _ = gaec_contract(X.copy(), np.ones(n), np.ascontiguousarray(nbr), offset, k)
    np.testing.assert_array_equal(_canonical(roots), _canonical(_candidate_gaec(X, nbr, offset, k)))


@pytest.mark.parametrize("seed", range(4))
def test_lazy_kernel_is_deterministic_and_close_to_the_exact_order(seed):
    # the estimator's mode: stale entries re-queued at their current cost when they reach the top
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(300, 5))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    nbr = np.ascontiguousarray(np.argsort(-(X @ X.T), axis=1)[:, 1:6])
    F, sizes = X.copy(), np.ones(300)
    roots, n_merges = gaec_contract(F, sizes, nbr, 0.5, 5, False)
    again, _ = gaec_contract(X.copy(), np.ones(300), nbr, 0.5, 5, False)
    np.testing.assert_array_equal(roots, again)
    assert n_merges == 300 - len(np.unique(roots))
    exact, _ = gaec_contract(X.copy(), np.ones(300), nbr, 0.5, 5)
    assert abs(len(np.unique(roots)) - len(np.unique(exact))) <= 0.2 * len(np.unique(exact))
    assert _objective(X, roots, 0.5) > 0
    for r in np.unique(roots):
        np.testing.assert_allclose(F[r], X[roots == r].sum(axis=0), atol=1e-10)


def test_kernel_with_few_candidates_joins_only_attractive_pairs_and_never_loses_objective():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    nbr = np.argsort(-(X @ X.T), axis=1)[:, 1:6]
    F, sizes = X.copy(), np.ones(300)
    roots, _ = gaec_contract(F, sizes, nbr.astype(np.int64), 0.6, 5)
    # every contraction adds a positive cost: the objective beats all singletons (0)
    assert _objective(X, roots, 0.6) > 0
    keep = np.unique(roots)
    assert 1 < len(keep) < 300


def test_most_attractive_matches_numpy():
    rng = np.random.RandomState(1)
    Z, F, bias = rng.normal(size=(50, 3)), rng.normal(size=(7, 3)), rng.uniform(size=7)
    np.testing.assert_array_equal(most_attractive(Z, F, bias), np.argmax(Z @ F.T - bias, axis=1))


@pytest.fixture(scope="module")
def blobs():
    # unequal sizes, centres away from the origin so that directions separate them
    X, y = make_blobs([300, 150, 80, 40], n_features=8, cluster_std=1.0, center_box=(-10, 10), random_state=3)
    return X, y


def test_finds_the_blobs_without_k(blobs):
    X, y = blobs
    mc = DenseMulticut(offset=0.8).fit(X)
    assert mc.n_clusters_ == 4
    assert adjusted_rand_score(y, mc.labels_) == pytest.approx(1.0)
    assert np.all(np.diff(mc.cluster_sizes_) <= 0)  # labels by decreasing size
    assert mc.feature_sums_.shape == (4, 8)
    np.testing.assert_allclose(mc.cluster_centers_ * mc.cluster_sizes_[:, None], mc.feature_sums_)


def test_solution_matches_complete_graph_gaec_objective_on_blobs(blobs):
    X, _ = blobs
    Z = X / np.linalg.norm(X, axis=1, keepdims=True)
    mc = DenseMulticut(offset=0.8).fit(X)
    ref = gaec_reference(Z, 0.8)
    assert _objective(Z, mc.labels_, 0.8) >= _objective(Z, ref, 0.8) - 1e-6
    # multicut_cost_ = cost of all pairs - cost inside clusters
    C = Z @ Z.T - 0.8
    assert mc.multicut_cost_ == pytest.approx(np.triu(C, 1).sum() - _objective(Z, mc.labels_, 0.8))


def test_no_two_final_clusters_attract_each_other():
    # the re-check rounds run until the exact search between clusters finds no positive edge
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 5))
    mc = DenseMulticut(offset=0.3, n_neighbors=3).fit(X)
    C = mc.feature_sums_ @ mc.feature_sums_.T - 0.3 * np.outer(mc.cluster_sizes_, mc.cluster_sizes_)
    np.fill_diagonal(C, -np.inf)
    assert 1 < mc.n_clusters_ < 400
    assert C.max() <= 1e-9


def test_higher_offset_gives_more_clusters(blobs):
    X, _ = blobs
    counts = [DenseMulticut(offset=a).fit(X).n_clusters_ for a in (-0.5, 0.3, 0.8, 0.95, 0.99)]
    assert counts == sorted(counts)
    assert counts[0] == 1 and counts[-1] > 4


def test_predict_agrees_with_training_labels_and_is_batch_independent(blobs):
    X, _ = blobs
    mc = DenseMulticut(offset=0.8).fit(X)
    pred = mc.predict(X)
    assert np.mean(pred == mc.labels_) > 0.99
    np.testing.assert_array_equal(mc.predict(X[:7]), pred[:7])


def test_reproducible_and_raw_inner_product(blobs):
    X, _ = blobs
    a = DenseMulticut(offset=0.8).fit(X)
    b = DenseMulticut(offset=0.8).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    # normalize=False: the raw inner product minus offset (scale of |x|^2 ~ 50 here)
    raw = DenseMulticut(offset=30.0, normalize=False).fit(X)
    assert raw.n_clusters_ >= 2


def test_offset_picked_by_a_label_free_scorer(blobs):
    X, y = blobs
    search = GridSearchCV(DenseMulticut(), {"offset": [0.0, 0.5, 0.8, 0.95]},
                          scoring=make_cluster_scorer("silhouette", metric="cosine"),
                          cv=[(np.arange(len(X)), np.arange(len(X)))]).fit(X)
    assert adjusted_rand_score(y, search.best_estimator_.labels_) > 0.95


def test_single_row_and_duplicates():
    assert DenseMulticut().fit(np.ones((1, 3))).n_clusters_ == 1
    mc = DenseMulticut(offset=0.5).fit(np.r_[np.ones((5, 2)), -np.ones((5, 2))])
    assert mc.n_clusters_ == 2


@pytest.mark.parametrize("params, match", [
    (dict(n_neighbors=0), "n_neighbors"),
    (dict(algorithm="hnsw"), "algorithm"),
    (dict(max_iter=0), "max_iter"),
    (dict(offset="high"), "offset"),
])
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        DenseMulticut(**params).fit(np.random.RandomState(0).normal(size=(10, 2)))


@pytest.mark.slow
def test_digits_beats_hdbscan():
    from sklearn.cluster import HDBSCAN
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    mc = DenseMulticut(offset=0.8).fit(X)
    hd = HDBSCAN(copy=True).fit(X)
    assert adjusted_rand_score(y, mc.labels_) > adjusted_rand_score(y, hd.labels_)
