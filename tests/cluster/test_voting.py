import numpy as np
import pytest
from sklearn.cluster import Birch, KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.metrics import adjusted_rand_score

from sklearn_unsup.cluster import VotingClustering
from sklearn_unsup.cluster._voting import match_to_reference
from sklearn_unsup.metrics import cluster_accuracy


def test_hungarian_matching_never_merges_two_clusters():
    reference = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    # member cluster 5 and 6 both overlap most with reference 0: a majority relabel would merge them
    labels = np.array([5, 5, 6, 6, 6, 7, 7, 7])
    mapping = match_to_reference(reference, labels)
    assert sorted(v for v in mapping.values() if v >= 0) == [0, 1, 2]
    assert len(set(mapping.values())) == 3


def test_extra_member_clusters_are_unmatched():
    mapping = match_to_reference(np.array([0, 0, 1, 1]), np.array([0, 1, 2, 3]))
    assert sorted(mapping.values()).count(-2) == 2


def test_unanimity_keeps_only_agreeing_rows():
    X, y = make_blobs(400, centers=4, cluster_std=2.5, random_state=0)
    vote = VotingClustering(n_clusters=4, random_state=0).fit(X)
    kept = vote.labels_ >= 0
    assert np.all(vote.votes_[kept] == 3) and np.all(vote.votes_[~kept] < 3)
    assert vote.agreement_ == pytest.approx(kept.mean())
    assert 0.5 < vote.agreement_ < 1.0
    # matched labels agree on every kept row
    assert np.all(vote.member_labels_[kept] == vote.member_labels_[kept][:, :1])
    assert vote.n_clusters_ == 4 and set(vote.labels_[kept]) == {0, 1, 2, 3}
    # kept rows are clustered better than all rows by any single member
    single = max(adjusted_rand_score(y, e.labels_) for e in vote.estimators_)
    assert adjusted_rand_score(y[kept], vote.labels_[kept]) > single


def test_min_agreement_trades_coverage_for_accuracy():
    X, y = load_digits(return_X_y=True)
    two = VotingClustering(n_clusters=10, min_agreement=2, random_state=0).fit(X)
    three = VotingClustering(n_clusters=10, random_state=0).fit(X)
    assert two.agreement_ > three.agreement_
    kept = three.labels_ >= 0
    acc_kept = cluster_accuracy(y[kept], three.labels_[kept])
    acc_kmeans = cluster_accuracy(y, three.named_estimators_["kmeans"].labels_)
    assert acc_kept > acc_kmeans + 0.05


def test_predict_when_every_member_predicts():
    X, _ = make_blobs(300, centers=3, random_state=1)
    members = [("km", KMeans(3, n_init=4, random_state=0)), ("birch", Birch(n_clusters=3))]
    vote = VotingClustering(members).fit(X)
    np.testing.assert_array_equal(vote.predict(X), vote.labels_)
    assert not hasattr(VotingClustering(n_clusters=3).fit(X), "predict")  # Ward cannot label new rows
    assert "km__n_clusters" in vote.get_params()


def test_same_seed_same_labels():
    X, _ = make_blobs(200, centers=3, cluster_std=3.0, random_state=2)
    a = VotingClustering(n_clusters=3, random_state=5).fit(X).labels_
    b = VotingClustering(n_clusters=3, random_state=5).fit(X).labels_
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(estimators=[]), ValueError, "estimators is empty"),
        (dict(min_agreement=4), ValueError, "min_agreement=4 exceeds"),
        (dict(estimators=[("x", object())]), TypeError, "no fit method"),
    ],
)
def test_bad_settings_are_named(params, error, match):
    X, _ = make_blobs(50, random_state=0)
    with pytest.raises(error, match=match):
        VotingClustering(**params).fit(X)
