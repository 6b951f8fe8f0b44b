"""The IVF index: recall against the exact search, determinism, the query path, metrics, errors."""

import numpy as np
import pytest

from sklearn_unsup._kernels._ivf import _pair_rounds, ivf_search
from sklearn_unsup.neighbors import kneighbors, mine_neighbors
from sklearn_unsup.neighbors._mining import AUTO_EXACT_MAX_ROWS


def _recall(approx, exact):
    return np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(approx, exact)])


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.RandomState(0)
    centers = rng.normal(scale=4.0, size=(8, 16))
    return (centers[rng.randint(0, 8, 3000)] + rng.normal(size=(3000, 16))).astype(np.float32)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cosine", "inner_product"])
def test_self_search_recall_and_exact_distances(blobs, metric):
    X = blobs if metric != "inner_product" else blobs / np.linalg.norm(blobs, axis=1, keepdims=True)
    d_ex, i_ex = kneighbors(X, n_neighbors=10, metric=metric)
    d, ind = kneighbors(X, n_neighbors=10, metric=metric, algorithm="ivf", random_state=0)
    assert ind.shape == (3000, 10) and ind.dtype == np.int64 and d.dtype == np.float32
    assert _recall(ind, i_ex) >= 0.93
    assert not (ind == np.arange(3000)[:, None]).any()  # exclude_self
    assert np.all(np.diff(d, axis=1) >= 0)
    # each returned distance is the exact distance of the returned pair
    found = ind == i_ex
    np.testing.assert_allclose(d[found], d_ex[found], rtol=1e-5, atol=1e-6)


def test_inner_product_with_unequal_norms(blobs):
    X = blobs * np.random.RandomState(1).uniform(0.5, 2.0, size=(3000, 1)).astype(np.float32)
    i_ex = kneighbors(X, n_neighbors=5, metric="inner_product")[1]
    ind = kneighbors(X, n_neighbors=5, metric="inner_product", algorithm="ivf", random_state=0)[1]
    assert _recall(ind, i_ex) >= 0.93


def test_query_path(blobs):
    base, query = blobs[:2500], blobs[2500:] + 0.1
    d_ex, i_ex = kneighbors(base, n_neighbors=10, query=query)
    d, ind = kneighbors(base, n_neighbors=10, query=query, algorithm="ivf", random_state=0)
    assert ind.shape == (500, 10)
    assert _recall(ind, i_ex) >= 0.93
    assert ind.max() < 2500


def test_deterministic_for_a_seed_and_target_recall_one_is_exact(blobs):
    a = mine_neighbors(blobs, 10, algorithm="ivf", random_state=3)
    np.testing.assert_array_equal(a, mine_neighbors(blobs, 10, algorithm="ivf", random_state=3))
    exact = kneighbors(blobs, n_neighbors=10)[1]
    full = kneighbors(blobs, n_neighbors=10, algorithm="ivf", target_recall=1.0, random_state=0)[1]
    assert _recall(full, exact) == 1.0


def test_sample_estimate_chooses_more_cells_for_a_higher_target(blobs):
    _, _, low = ivf_search(blobs, 10, exclude_self=True, target_recall=0.5, random_state=np.random.RandomState(0),
                           return_info=True)
    _, _, high = ivf_search(blobs, 10, exclude_self=True, target_recall=0.99,
                            random_state=np.random.RandomState(0), return_info=True)
    assert low["n_probe"] < high["n_probe"] <= high["n_cells"]
    assert high["estimated_recall"] >= 0.99


def test_small_inputs_and_few_rows_per_cell():
    X = np.array([[0.0], [1.0], [3.0], [6.0], [6.5]])
    d, ind = kneighbors(X, n_neighbors=2, algorithm="ivf", random_state=0)
    np.testing.assert_array_equal(ind, kneighbors(X, n_neighbors=2)[1])
    assert d.dtype == np.float64
    # many cells, few probed: rows whose probed cells hold fewer than k rows are completed exactly
    Y = np.random.RandomState(0).normal(size=(60, 3)).astype(np.float32)
    ind = ivf_search(Y, 8, exclude_self=True, n_cells=30, n_probe=1)[1]
    assert (ind >= 0).all() and not (ind == np.arange(60)[:, None]).any()


def test_pair_rounds_cover_every_probed_pair_once_without_sharing_a_cell():
    rng = np.random.RandomState(0)
    probes = np.column_stack([np.arange(40), rng.randint(0, 40, size=(40, 5))])
    schedule = _pair_rounds(probes)
    seen = set()
    for rnd in schedule:
        pairs = [tuple(p) for p in rnd if p[0] >= 0]
        cells = [c for p in pairs for c in p]
        assert len(cells) == len(set(cells))
        seen.update(pairs)
    expected = {(min(c, p), max(c, p)) for c in range(40) for p in probes[c] if p != c}
    assert seen == expected


def test_auto_picks_ivf_above_the_threshold_and_errors():
    assert AUTO_EXACT_MAX_ROWS == 200_000
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="algorithm must be one of"):
        mine_neighbors(X, 3, algorithm="hnsw")
    with pytest.raises(ValueError, match="algorithm"):
        kneighbors(X, n_neighbors=3, algorithm="nndescent")
    with pytest.raises(ValueError, match="target_recall"):
        kneighbors(X, n_neighbors=3, algorithm="ivf", target_recall=0.0)
    with pytest.raises(ValueError, match="features"):
        kneighbors(X, n_neighbors=3, algorithm="ivf", query=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="n_neighbors"):
        mine_neighbors(X, 10, algorithm="ivf")


def test_mining_auto_uses_ivf_for_large_inputs(monkeypatch):
    import sklearn_unsup.neighbors._mining as mining

    monkeypatch.setattr(mining, "AUTO_EXACT_MAX_ROWS", 100)
    X = np.random.RandomState(0).normal(size=(300, 4)).astype(np.float32)
    np.testing.assert_array_equal(mining.mine_neighbors(X, 5, random_state=0),
                                  mining.mine_neighbors(X, 5, algorithm="ivf", random_state=0))


def test_same_result_with_one_thread_and_with_two(blobs):
    # cell pairs run in rounds where no cell appears twice, and each heap gets its offers in a fixed order
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = ivf_search(blobs, 10, exclude_self=True, random_state=np.random.RandomState(3))
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = ivf_search(blobs, 10, exclude_self=True, random_state=np.random.RandomState(3))
        q_one = ivf_search(blobs, 5, query=blobs[:500], random_state=np.random.RandomState(3))
        numba.set_num_threads(1)
        q_two = ivf_search(blobs, 5, query=blobs[:500], random_state=np.random.RandomState(3))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one[1], two[1])
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(q_one[1], q_two[1])
