import numpy as np
import pytest
from sklearn.metrics import roc_curve
from sklearn.metrics import silhouette_score as sk_silhouette_score

from sklearn_unsup.metrics import cluster_accuracy, fpr_at_tpr, silhouette_samples, silhouette_score


def test_cluster_accuracy():
    assert cluster_accuracy([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0
    assert cluster_accuracy([0, 0, 1, 1], [0, 0, 0, 0]) == 0.5
    assert cluster_accuracy([0, 1, 2], [0, 1, 1]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="different lengths"):
        cluster_accuracy([0, 1], [0])


def test_silhouette_same_as_sklearn_on_digits(digits):
    X, y = digits
    for metric in ("euclidean", "cosine"):
        assert silhouette_score(X, y, metric=metric) == pytest.approx(
            sk_silhouette_score(X, y, metric=metric), abs=1e-6
        )
    labels = np.array(["a", "b"] * 50)
    Xs = np.random.RandomState(0).normal(size=(100, 3))
    assert silhouette_score(Xs, labels) == pytest.approx(sk_silhouette_score(Xs, labels), abs=1e-9)
    sub = silhouette_score(X, y, sample_size=300, random_state=0)
    assert sub == pytest.approx(sk_silhouette_score(X, y, sample_size=300, random_state=0), abs=1e-9)
    assert silhouette_samples(X, y).shape == (X.shape[0],)


def test_silhouette_bad_labels():
    X = np.random.rand(10, 2)
    with pytest.raises(ValueError, match="Number of labels is 1"):
        silhouette_score(X, np.zeros(10))
    with pytest.raises(ValueError, match="Number of labels is 10"):
        silhouette_score(X, np.arange(10))
    with pytest.raises(ValueError, match="X has 10 rows but labels has 9"):
        silhouette_score(X, np.arange(9) % 2)


def test_fpr_at_tpr():
    rng = np.random.RandomState(0)
    y = np.r_[np.ones(500), np.zeros(500)]
    score = np.r_[rng.normal(1, 1, 500), rng.normal(-1, 1, 500)]
    fpr, tpr, _ = roc_curve(y, score, drop_intermediate=False)
    expected = fpr[np.argmax(tpr >= 0.95)]
    assert fpr_at_tpr(y, score) == pytest.approx(expected)
    assert fpr_at_tpr(y, y) == 0.0  # perfect scores
    assert 0.0 <= fpr_at_tpr(y, -score) <= 1.0
    with pytest.raises(ValueError, match="both classes"):
        fpr_at_tpr(np.ones(4), np.arange(4))
