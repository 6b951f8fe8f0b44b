import numpy as np
import pytest
from sklearn.datasets import make_blobs

from sklearn_unsup.cluster import HierarchicalKMeans, balanced_subsample
from sklearn_unsup.cluster._curation import _water_fill


@pytest.mark.parametrize(
    "sizes, budget, t",
    [([10, 1, 3, 50], 20, 8), ([5, 5, 5], 9, 3), ([2, 2, 100], 30, 26), ([1, 2, 3], 6, 3), ([4, 4], 0, 0),
     ([7, 1, 1, 1], 4, 1)],
)
def test_water_fill_is_exact(sizes, budget, t):
    rng = np.random.RandomState(0)
    out = _water_fill(sizes, budget, rng)
    sizes = np.array(sizes)
    assert out.sum() == budget and np.all(out <= sizes)
    # the largest t with sum(min(t, size)) <= budget; the remainder is one extra row for some groups above t
    assert np.minimum(t, sizes).sum() <= budget < np.minimum(t + 1, sizes).sum() or budget == sizes.sum()
    np.testing.assert_array_equal(np.minimum(out, t), np.minimum(sizes, t))
    assert np.all(out <= t + 1) and np.all(out[out > t] == t + 1) and np.all(sizes[out > t] > t)


def test_water_fill_remainder_is_random():
    picks = {tuple(_water_fill([10, 10, 10], 7, np.random.RandomState(s))) for s in range(20)}
    assert picks == {(3, 2, 2), (2, 3, 2), (2, 2, 3)}


def test_levels_shapes_and_consistency():
    X, _ = make_blobs(600, centers=8, random_state=0)
    hkm = HierarchicalKMeans(n_clusters=(30, 6, 2), n_resamples=2, random_state=0).fit(X)
    assert hkm.n_clusters_per_level_ == (30, 6, 2)
    assert [c.shape for c in hkm.cluster_centers_per_level_] == [(30, 2), (6, 2), (2, 2)]
    assert hkm.sample_sizes_ == (10, 2, 1)
    l1, l2, l3 = hkm.labels_per_level_
    np.testing.assert_array_equal(l2, hkm.parents_per_level_[0][l1])
    np.testing.assert_array_equal(l3, hkm.parents_per_level_[1][l2])
    np.testing.assert_array_equal(hkm.predict(X), hkm.labels_)  # labels_ are the nearest level-1 centres
    np.testing.assert_array_equal(hkm.predict(X[:7]), hkm.labels_[:7])
    D = hkm.transform(X[:5])
    np.testing.assert_allclose(D, np.sqrt(((X[:5, None] - hkm.cluster_centers_[None]) ** 2).sum(-1)), rtol=1e-6)
    assert hkm.inertia_ == pytest.approx((D.min(1) ** 2).sum() + (hkm.transform(X[5:]).min(1) ** 2).sum())


def test_auto_defaults_and_reproducibility():
    X = np.random.RandomState(1).normal(size=(400, 5)).astype(np.float32)
    a = HierarchicalKMeans(random_state=3).fit(X)
    assert a.n_clusters_per_level_ == (20,) and a.sample_sizes_ == (10,)
    assert HierarchicalKMeans()._levels(10**6)[0] == (1000, 200)  # levels of a fifth while >= 100 clusters
    assert a.cluster_centers_.dtype == np.float32
    b = HierarchicalKMeans(random_state=3).fit(X)
    for u, v in zip(a.cluster_centers_per_level_, b.cluster_centers_per_level_):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(balanced_subsample(a, 37, random_state=0), balanced_subsample(b, 37, random_state=0))
    np.testing.assert_array_equal(balanced_subsample(X, 37, random_state=5), balanced_subsample(X, 37, random_state=5))
    r = HierarchicalKMeans(resample_strategy="random", random_state=0).fit(X)
    assert r.labels_.shape == (400,)


def test_resampling_spreads_centres_to_the_tail():
    """A dense blob and nine small ones: resampling moves level-1 centres out of the dense blob."""
    sizes = [2000] + [40] * 9
    X, y = make_blobs(sizes, centers=np.eye(10) * 10, cluster_std=1.0, random_state=0)
    plain = HierarchicalKMeans((40, 8), n_resamples=0, random_state=0).fit(X)
    resampled = HierarchicalKMeans((40, 8), n_resamples=5, random_state=0).fit(X)
    in_big = [np.sum(np.argmin(((h.cluster_centers_[:, None] - np.eye(10)[None] * 10) ** 2).sum(-1), 1) == 0)
              for h in (plain, resampled)]
    assert in_big[1] < in_big[0], in_big


def test_balanced_subsample_raises_entropy_on_long_tail():
    sizes = [1500, 600, 250, 100, 40, 20, 12, 8]
    X, y = make_blobs(sizes, n_features=8, cluster_std=1.0, random_state=0, center_box=(-15, 15))

    def entropy(lab):
        p = np.bincount(lab, minlength=8) / len(lab)
        p = p[p > 0]
        return -(p * np.log(p)).sum()

    hkm = HierarchicalKMeans((40, 8), random_state=0).fit(X)
    ours, rand = [], []
    for seed in range(3):
        idx = balanced_subsample(hkm, 200, random_state=seed)
        assert len(idx) == 200 and len(np.unique(idx)) == 200
        ours.append(entropy(y[idx]))
        rand.append(entropy(y[np.random.RandomState(seed).choice(len(X), 200, replace=False)]))
    assert np.mean(ours) > np.mean(rand) + 0.3, (ours, rand)
    close = balanced_subsample(hkm, 200, strategy="closest", random_state=0)
    assert len(close) == 200 and entropy(y[close]) > np.mean(rand)
    assert len(balanced_subsample(hkm, len(X), random_state=0)) == len(X)
    assert len(balanced_subsample(hkm, 0, random_state=0)) == 0


def test_validation_errors():
    X = np.random.RandomState(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match="strictly decrease"):
        HierarchicalKMeans((5, 5)).fit(X)
    with pytest.raises(ValueError, match="n_samples=50 should be >= n_clusters=60"):
        HierarchicalKMeans((60, 5)).fit(X)
    with pytest.raises(ValueError, match="sample_sizes"):
        HierarchicalKMeans((10, 5), sample_sizes=(3,)).fit(X)
    with pytest.raises(ValueError, match="positive int"):
        HierarchicalKMeans((10, 0)).fit(X)
    hkm = HierarchicalKMeans((10, 3), random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"n_samples must be an int in \[0, 50\]"):
        balanced_subsample(hkm, 51)
    with pytest.raises(ValueError, match="strategy"):
        balanced_subsample(hkm, 5, strategy="far")
    single = HierarchicalKMeans(7, random_state=0).fit(X)
    assert single.n_clusters_per_level_ == (7,) and len(balanced_subsample(single, 20, random_state=0)) == 20


def test_minibatch_level_one():
    """Above minibatch_threshold, level 1 runs mini-batch k-means: reproducible, close to Lloyd's inertia."""
    X, _ = make_blobs(1500, centers=6, n_features=4, random_state=0)
    X = X.astype(np.float32)
    mb = HierarchicalKMeans((20, 4), n_resamples=2, minibatch_threshold=1000, batch_size=128, random_state=0).fit(X)
    assert mb.minibatch_per_level_ == (True, False) and mb.cluster_centers_.dtype == np.float32
    again = HierarchicalKMeans((20, 4), n_resamples=2, minibatch_threshold=1000, batch_size=128,
                               random_state=0).fit(X)
    for u, v in zip(mb.cluster_centers_per_level_, again.cluster_centers_per_level_):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(mb.predict(X), mb.labels_)
    lloyd = HierarchicalKMeans((20, 4), n_resamples=2, minibatch_threshold=None, random_state=0).fit(X)
    assert lloyd.minibatch_per_level_ == (False, False)
    assert mb.inertia_ < 1.15 * lloyd.inertia_, (mb.inertia_, lloyd.inertia_)
    assert len(balanced_subsample(mb, 100, random_state=0)) == 100


def test_subsample_with_a_given_hierarchy_matches_the_fitted_one():
    X, _ = make_blobs(500, centers=6, random_state=2)
    hkm = HierarchicalKMeans(n_clusters=(25, 5), n_resamples=2, random_state=0).fit(X)
    for strategy in ("random", "closest"):
        # the training rows assigned to the hierarchy land where the fit put them, so the subsets agree
        np.testing.assert_array_equal(balanced_subsample(X, 60, hierarchy=hkm, strategy=strategy, random_state=4),
                                      balanced_subsample(hkm, 60, strategy=strategy, random_state=4))


def test_subsample_of_a_pool_larger_than_the_fitted_sample():
    # a long-tailed pool: 2,400 / 400 / 200 rows in three separated groups
    X, _ = make_blobs([2400, 400, 200], centers=[[0, 0], [8, 8], [-8, 8]], cluster_std=1.0, random_state=0)
    rng = np.random.RandomState(0)
    hkm = HierarchicalKMeans(n_clusters=(30, 3), random_state=0).fit(X[rng.choice(len(X), 300, replace=False)])
    idx = balanced_subsample(X, 150, hierarchy=hkm, random_state=0)
    assert len(idx) == 150 and len(np.unique(idx)) == 150 and idx.min() >= 0 and idx.max() < len(X)
    top = hkm.parents_per_level_[0][hkm.predict(X[idx])]
    # every one of the 3 top-level clusters gets close to a third of the budget, whatever its share of the pool
    assert np.bincount(top, minlength=3).min() >= 45
    np.testing.assert_array_equal(idx, balanced_subsample(X, 150, hierarchy=hkm, random_state=0))


def test_subsample_hierarchy_errors():
    X, _ = make_blobs(200, n_features=3, random_state=0)
    hkm = HierarchicalKMeans(10, random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted on 3"):
        balanced_subsample(X[:, :2], 10, hierarchy=hkm)
    with pytest.raises(ValueError, match="not both"):
        balanced_subsample(hkm, 10, hierarchy=hkm)
    with pytest.raises(TypeError, match="fitted HierarchicalKMeans"):
        balanced_subsample(X, 10, hierarchy="kmeans")
    with pytest.raises(ValueError, match=r"n_samples must be an int in \[0, 50\]"):
        balanced_subsample(X[:50], 51, hierarchy=hkm)
    # plain lists are rows too
    np.testing.assert_array_equal(balanced_subsample(X.tolist(), 20, hierarchy=hkm, random_state=0),
                                  balanced_subsample(X, 20, hierarchy=hkm, random_state=0))


def test_subsample_of_a_dask_pool_matches_numpy():
    da = pytest.importorskip("dask.array")
    X, _ = make_blobs(1000, n_features=4, centers=5, random_state=0)
    hkm = HierarchicalKMeans((20, 4), random_state=0).fit(X[::4])
    Xd = da.from_array(X, chunks=(230, 2))  # uneven row blocks, features split too
    with pytest.raises(ValueError, match="hierarchy fitted beforehand"):
        balanced_subsample(Xd, 10)
    import dask

    with dask.config.set(scheduler="synchronous"):
        got = balanced_subsample(Xd, 100, hierarchy=hkm, strategy="closest", random_state=1)
    np.testing.assert_array_equal(got, balanced_subsample(X, 100, hierarchy=hkm, strategy="closest", random_state=1))
