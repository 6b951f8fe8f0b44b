"""JULE: merge schedule, triplet loss and mining, reproducibility, predict, quality on digits."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, make_blobs
from sklearn.metrics import normalized_mutual_info_score

from sklearn_unsup._nn import WeightedTripletLoss, mine_triplets, weighted_triplet_loss
from sklearn_unsup.cluster import JULE, GraphDegreeLinkage
from sklearn_unsup.cluster._jule import merge_schedule

FAST = dict(n_neighbors=5, hidden_dims=(16,), n_components=8, max_epochs=2, batch_size=32)


def _blobs(n=120, seed=0):
    X, y = make_blobs(n, n_features=4, centers=3, cluster_std=1.0, random_state=seed)
    return X, y


def test_merge_schedule():
    assert merge_schedule(372, 10, 0.9) == [37, 10]
    assert merge_schedule(100, 10, 0.5) == [50, 25, 12, 10]
    assert merge_schedule(10, 10, 0.9) == [10]
    assert merge_schedule(11, 10, 0.01) == [10]  # ceil: at least one merge per period


def test_fit_reaches_exactly_n_clusters():
    X, _ = _blobs()
    jule = JULE(n_clusters=3, random_state=0, **FAST).fit(X)
    path = merge_schedule(jule.n_initial_clusters_, 3, jule.eta)
    assert jule.n_clusters_path_ == path and path[-1] == 3
    assert jule.n_initial_clusters_ > 3
    assert np.unique(jule.labels_).tolist() == [0, 1, 2]
    assert np.all(np.diff(jule.cluster_sizes_) <= 0)  # labels by decreasing size
    assert jule.n_iter_ == len(path) * FAST["max_epochs"] == len(jule.loss_curve_)
    assert jule.cluster_centers_.shape == (3, 8)
    assert jule.transform(X).shape == (120, 8)


def test_weighted_triplet_loss_hand_example():
    a = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    p = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    n = torch.tensor([[0.0, 1.0], [0.0, 2.0]])  # |a-p|^2 = 1; |a-n|^2 = 1 and 4
    # max(0, 1 - 1 + .2) = .2 and max(0, 1 - 4 + .2) = 0
    assert weighted_triplet_loss(a, p, n, margin=0.2, pos_weight=1.0).item() == pytest.approx(0.1)
    # gamma 2, margin .5: 2 - 1 + .5 = 1.5 and max(0, 2 - 4 + .5) = 0
    assert weighted_triplet_loss(a, p, n, margin=0.5, pos_weight=2.0).item() == pytest.approx(0.75)


def test_mine_triplets_pairs_and_negatives():
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    g = torch.Generator().manual_seed(0)
    a, p, n = mine_triplets(labels, n_negatives=2, max_pairs_per_cluster=100, generator=g)
    assert len(a) == 4 * 2  # 3 pairs in cluster 0, 1 in cluster 1, 2 negatives each
    assert torch.all(labels[a] == labels[p]) and torch.all(a < p) and torch.all(labels[n] != labels[a])
    a, p, n = mine_triplets(labels, n_negatives=10, max_pairs_per_cluster=100, generator=g)
    assert len(a) == 3 * 3 + 1 * 4  # all rows of other clusters when fewer than n_negatives
    assert len({(int(x), int(y), int(z)) for x, y, z in zip(a, p, n)}) == len(a)  # distinct negatives
    a, p, n = mine_triplets(labels, n_negatives=1, max_pairs_per_cluster=1, generator=g)
    assert sorted(labels[a].tolist()) == [0, 1]  # one pair per cluster
    assert len(mine_triplets(torch.zeros(5, dtype=torch.long), 3, 10)[0]) == 0  # one cluster: no negative
    assert len(mine_triplets(torch.arange(5), 3, 10)[0]) == 0  # singletons: no pair


def test_triplet_criterion_zero_without_triplets():
    codes = torch.randn(4, 3, requires_grad=True)
    loss = WeightedTripletLoss()(codes, None, torch.arange(4))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.all(codes.grad == 0)


def test_reproducible():
    X, _ = _blobs()
    a = JULE(n_clusters=3, random_state=1, **FAST).fit(X)
    b = JULE(n_clusters=3, random_state=1, **FAST).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.transform(X), b.transform(X))
    assert a.loss_curve_ == b.loss_curve_


def test_predict_on_training_rows_matches_labels():
    X, y = _blobs(seed=2)
    jule = JULE(n_clusters=3, random_state=0, **FAST).fit(X)
    pred = jule.predict(X)
    assert np.mean(pred == jule.labels_) > 0.95
    proba = jule.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(proba.argmax(1), pred)
    assert normalized_mutual_info_score(y, jule.labels_) > 0.8


def test_bad_parameters():
    X, _ = _blobs(30)
    with pytest.raises(ValueError, match="eta"):
        JULE(eta=0.0).fit(X)
    with pytest.raises(ValueError):
        JULE(n_clusters=40).fit(X)


@pytest.mark.slow
def test_digits_quality_vs_graph_degree_linkage():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    jule = JULE(n_clusters=10, random_state=0).fit(X)
    nmi = normalized_mutual_info_score(y, jule.labels_)
    nmi_gdl = normalized_mutual_info_score(y, GraphDegreeLinkage(10).fit_predict(X))
    assert nmi > 0.85  # chance is ~0; KMeans reaches about .74 here
    assert nmi > nmi_gdl - 0.05  # the joint training does not wreck the linkage it starts from
