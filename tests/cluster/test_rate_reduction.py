"""RateReductionClustering (CPP / MLC): the loss pieces, the k choice, labels and predict."""

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn import RateReductionNet, coding_rate, membership_coding_rate, sinkhorn_membership
from sklearn_unsup.cluster import RateReductionClustering
from sklearn_unsup.cluster._rate_reduction import _warmup_epoch, coding_length
from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.utils._test_common import FAST_PARAMS


def _fast(**kw):
    return RateReductionClustering(**{**FAST_PARAMS["RateReductionClustering"], "random_state": 0, **kw})


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, centers=4, n_features=6, cluster_std=0.5, random_state=0)
    return StandardScaler().fit_transform(X), y


def _unit(n, d, seed):
    return torch.nn.functional.normalize(torch.randn(n, d, dtype=torch.float64,
                                                     generator=torch.Generator().manual_seed(seed)), dim=1)


def test_membership_is_doubly_stochastic_and_rates_match_a_loop():
    C, Z = _unit(40, 5, 0), _unit(40, 5, 1)
    Pi = sinkhorn_membership(C, eta=0.175, n_iter=25)
    np.testing.assert_allclose(Pi.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(Pi.sum(0), 1.0, atol=1e-4)
    assert torch.all(Pi > 0)
    n, d, eps = 40, 5, 0.1
    expected = 0.0
    for i in range(n):
        w = Pi[i]
        gram = torch.eye(d, dtype=Z.dtype) + d / (w.sum() * eps) * (Z.T * w) @ Z
        expected += w.sum() / (2 * n) * torch.logdet(gram)
    torch.testing.assert_close(membership_coding_rate(Z, Pi, eps), expected)
    torch.testing.assert_close(coding_rate(Z, eps), 0.5 * torch.logdet(torch.eye(d, dtype=Z.dtype) + d / (n * eps)
                                                                       * Z.T @ Z))


def test_coding_length_prefers_the_true_partition(blobs):
    X, y = blobs
    Z = X / np.linalg.norm(X, axis=1, keepdims=True)
    shuffled = np.random.RandomState(0).permutation(y)
    assert coding_length(Z, y) < coding_length(Z, shuffled)
    assert coding_length(Z, y) < coding_length(Z, np.zeros_like(y))


def test_fit_predict_transform(blobs):
    X, y = blobs
    est = _fast(n_clusters=4).fit(X)
    assert est.n_clusters_ == 4 and est.cluster_means_.shape == (4, est.n_components)
    assert est.transform(X).shape == (X.shape[0], est.n_components)
    np.testing.assert_allclose(np.linalg.norm(est.transform(X), axis=1), 1.0, rtol=1e-5)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba.argmax(1), est.predict(X))
    assert np.mean(est.predict(X) == est.labels_) > 0.9  # spectral labels vs nearest mean
    assert cluster_accuracy(y, est.labels_) > 0.9
    assert est.cluster_sizes_.sum() == X.shape[0]
    np.testing.assert_array_equal(_fast(n_clusters=4).fit(X).labels_, est.labels_)
    # a row's label depends on that row only
    np.testing.assert_array_equal(est.predict(X[:7]), est.predict(X)[:7])


def test_n_clusters_none_picks_k_by_coding_length(blobs):
    X, y = blobs
    est = _fast(n_clusters=None, k_range=(2, 3, 4, 6, 8, 500)).fit(X)
    np.testing.assert_array_equal(est.candidate_n_clusters_, [2, 3, 4, 6, 8])  # k < n only
    assert est.coding_length_.shape == (5,)
    assert est.n_clusters_ == est.candidate_n_clusters_[np.argmin(est.coding_length_)] == 4
    assert est.labels_.max() == est.n_clusters_ - 1


def test_subsampled_spectral_step_assigns_the_rest_by_nearest_mean(blobs):
    X, y = blobs
    est = _fast(n_clusters=4, spectral_max_rows=50).fit(X)
    pred = est.predict(X)
    assert np.sum(pred != est.labels_) <= 50  # only the spectrally labelled rows may differ
    assert cluster_accuracy(y, est.labels_) > 0.9


def test_warmup_copies_the_subspace_head():
    class Stub:
        pass

    net = Stub()
    net.module_ = RateReductionNet(3, hidden_dims=(8,), n_components=2)
    net.criterion_ = Stub()
    net.history = [{}]
    _warmup_epoch(net, None, warmup_epochs=1)
    assert net.criterion_.phase == "tcr"
    assert not torch.equal(net.module_.cluster.weight, net.module_.subspace.weight)
    net.history = [{}, {}]
    _warmup_epoch(net, None, warmup_epochs=1)
    assert net.criterion_.phase == "mcr"
    assert torch.equal(net.module_.cluster.weight, net.module_.subspace.weight)
    est = _fast(n_clusters=2, warmup_epochs=2, max_epochs=1, augment="gaussian").fit(np.random.RandomState(0)
                                                                                     .randn(40, 3))
    assert est.n_iter_ == 3


@pytest.mark.slow
def test_digits_quality_and_k_choice():
    d = load_digits()
    X, y = d.data / 16.0, d.target
    est = RateReductionClustering(random_state=0).fit(X)
    km = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
    assert 8 <= est.n_clusters_ <= 12  # within 20% of the 10 classes
    est.set_params(n_clusters=10).fit(X)
    assert cluster_accuracy(y, est.labels_) >= km - 0.02
