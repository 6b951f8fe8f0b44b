import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from sklearn_unsup.cluster import BalancedKMeans
from sklearn_unsup.metrics import cluster_accuracy


@pytest.mark.parametrize("n, k", [(100, 10), (103, 7), (50, 50)])
def test_cluster_sizes_are_equal(n, k):
    X = np.random.RandomState(0).normal(size=(n, 3))
    labels = BalancedKMeans(k, random_state=0).fit_predict(X)
    sizes = np.bincount(labels, minlength=k)
    assert sizes.min() == n // k and sizes.max() <= n // k + 1


def test_imbalanced_blobs_are_split_evenly_and_predict_is_nearest_center():
    X, _ = make_blobs([300, 60, 60], centers=[[0, 0], [10, 0], [0, 10]], random_state=0)
    bkm = BalancedKMeans(3, random_state=0).fit(X)
    assert np.all(np.bincount(bkm.labels_) == 140)
    pred = bkm.predict(X)  # no balance constraint: new rows go to the nearest centre
    d = ((X[:, None] - bkm.cluster_centers_[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(pred, d.argmin(1))
    np.testing.assert_array_equal(bkm.predict(X[:5]), pred[:5])  # no batch dependence
    np.testing.assert_allclose(bkm.transform(X[:3]), np.sqrt(d[:3]))
    assert bkm.score(X) == pytest.approx(-d.min(1).sum())


def test_quality_on_digits_at_least_kmeans(digits):
    """digits has about 180 rows per class: the balance constraint helps, never hurts much."""
    X, y = digits
    acc_b, acc_k, nmi_b = [], [], []
    for seed in range(3):
        b = BalancedKMeans(10, random_state=seed).fit(X)
        k = KMeans(10, n_init=1, random_state=seed).fit(X)
        acc_b.append(cluster_accuracy(y, b.labels_))
        acc_k.append(cluster_accuracy(y, k.labels_))
        nmi_b.append(normalized_mutual_info_score(y, b.labels_))
    assert np.mean(acc_b) >= np.mean(acc_k) - 0.01, (acc_b, acc_k)
    assert np.mean(acc_b) > 0.75 and np.mean(nmi_b) > 0.70


def test_blobs_recovered():
    X, y = make_blobs(300, centers=3, random_state=1)
    assert adjusted_rand_score(y, BalancedKMeans(3, random_state=0).fit_predict(X)) > 0.95


def test_given_init_and_n_init():
    X, _ = make_blobs(90, centers=3, random_state=2)
    init = X[[0, 1, 2]]
    a = BalancedKMeans(3, init=init).fit(X)
    b = BalancedKMeans(3, init=init).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    best = BalancedKMeans(3, n_init=4, random_state=0).fit(X)
    single = [BalancedKMeans(3, random_state=s).fit(X).inertia_ for s in range(1)]
    assert best.inertia_ <= min(single) + 1e-9
    with pytest.raises(ValueError, match="init has shape"):
        BalancedKMeans(3, init=X[:2]).fit(X)


def test_too_many_clusters():
    with pytest.raises(ValueError, match="n_samples=5 should be >= n_clusters=6"):
        BalancedKMeans(6).fit(np.random.rand(5, 2))


def test_float32_preserved():
    X = np.random.RandomState(0).normal(size=(60, 4)).astype(np.float32)
    bkm = BalancedKMeans(4, random_state=0).fit(X)
    assert bkm.cluster_centers_.dtype == np.float32
    assert bkm.transform(X).dtype == np.float32
