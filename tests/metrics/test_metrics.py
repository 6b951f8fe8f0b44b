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


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_silhouette_scale_and_offset_invariant_at_extreme_magnitudes(metric):
    """Values around 1e200 overflowed |x|^2 to inf (NaN score); tiny ones underflowed to 0."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4)) + np.repeat([[0, 0, 0, 0], [3, 3, 0, 0], [0, 3, 3, 1]], 20, axis=0)
    labels = np.repeat([0, 1, 2], 20)
    ref = sk_silhouette_score(X, labels, metric=metric)
    for scale in (1e200, 1e-200, 1e300):
        assert silhouette_score(X * scale, labels, metric=metric) == pytest.approx(ref, abs=1e-10)
    if metric == "euclidean":  # translation invariant: a far offset changes nothing
        assert silhouette_score(X + 1e6, labels) == pytest.approx(ref, abs=1e-8)


def test_silhouette_sample_size_checks_the_label_length_first():
    X = np.random.RandomState(0).normal(size=(50, 2))
    labels = np.arange(50) % 2
    with pytest.raises(ValueError, match="X has 50 rows but labels has 40"):
        silhouette_score(X, labels[:40], sample_size=30)
