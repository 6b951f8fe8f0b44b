import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn._pbn import PBNLoss, PBNNet
from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.semi_supervised import ProjectionBasedNCD
from sklearn_unsup.semi_supervised._ncd_clustering import estimate_n_clusters, ncd_kmeans

FAST = dict(max_epochs=30, batch_size=64, device="cpu", n_init=3, max_novel_clusters=8)


@pytest.fixture(scope="module")
def blobs():
    """Seven separated classes in 10-d: 0-3 known, 4-6 novel."""
    X, y = make_blobs(700, n_features=10, centers=7, cluster_std=1.0, random_state=3)
    return StandardScaler().fit_transform(X), y, np.where(y < 4, y, -1)


@pytest.fixture(scope="module")
def fitted(blobs):
    X, _, y_partial = blobs
    return ProjectionBasedNCD(n_novel_clusters=3, random_state=0, **FAST).fit(X, y_partial)


def test_labels_classes_and_shapes(blobs, fitted):
    X, y, y_partial = blobs
    novel = y_partial == -1
    assert fitted.n_novel_clusters_ == 3
    assert fitted.classes_.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert fitted.known_classes_.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(fitted.labels_[~novel], y[~novel])  # labelled rows keep their class
    assert set(fitted.labels_[novel]) == {4, 5, 6}  # novel ids after the known classes
    assert cluster_accuracy(y[novel], fitted.labels_[novel]) > 0.95
    assert fitted.cluster_centers_.shape == (3, 32) and fitted.known_centers_.shape == (4, 32)
    Z = fitted.transform(X)
    assert Z.shape == (len(X), 32) and Z.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-5)  # normalize=True
    assert fitted.transform(X.astype(np.float32)).dtype == np.float32
    assert len(fitted.loss_curve_) == fitted.n_iter_ == 30


def test_predict_known_head_versus_novel_centers(blobs, fitted):
    X, y, y_partial = blobs
    novel = y_partial == -1
    pred = fitted.predict(X)
    assert set(pred) <= set(fitted.classes_.tolist())
    # the head labels the known classes; a few known rows lie nearer a novel center and go there
    assert np.mean(pred[~novel] == y[~novel]) > 0.9
    assert np.mean(pred[novel] >= 4) > 0.9  # new rows of the novel classes go to novel clusters
    # on the novel rows, predict agrees with the transductive labels
    assert np.mean(pred[novel] == fitted.labels_[novel]) > 0.9
    np.testing.assert_array_equal(fitted.predict(X[:7]), pred[:7])  # a row's label does not depend on the others


def test_auto_estimates_the_number_of_novel_classes(blobs):
    X, _, y_partial = blobs
    ncd = ProjectionBasedNCD(random_state=0, **FAST).fit(X, y_partial)
    assert ncd.n_novel_clusters_ == 3
    assert set(ncd.novel_cluster_scores_) == set(range(2, 9))
    assert max(ncd.novel_cluster_scores_, key=ncd.novel_cluster_scores_.get) == 3


def test_same_seed_same_model(blobs, fitted):
    X, _, y_partial = blobs
    again = ProjectionBasedNCD(n_novel_clusters=3, random_state=0, **FAST).fit(X, y_partial)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))


def test_all_labelled_is_a_classifier_and_no_labels_a_clusterer(blobs):
    X, y, _ = blobs
    clf = ProjectionBasedNCD(random_state=0, **FAST).fit(X, y)
    assert clf.n_novel_clusters_ == 0 and clf.cluster_centers_.shape == (0, 32)
    assert clf.classes_.tolist() == list(range(7))
    assert np.mean(clf.predict(X) == y) > 0.95
    np.testing.assert_array_equal(clf.labels_, y)
    clu = ProjectionBasedNCD(n_novel_clusters=7, random_state=0, **FAST)
    labels = clu.fit_predict(X)  # y=None: every row unlabelled
    assert clu.known_classes_.size == 0 and clu.classes_.tolist() == list(range(7))
    assert cluster_accuracy(y, labels) > 0.9
    assert cluster_accuracy(y, clu.predict(X)) > 0.9


def test_text_labels_get_text_novel_ids(blobs):
    X, y, y_partial = blobs
    names = np.array(["a", "b", "c", "d", "e", "f", "g"], dtype=object)[y]
    names[y_partial == -1] = -1
    ncd = ProjectionBasedNCD(n_novel_clusters=3, random_state=0, **FAST).fit(X, names)
    assert ncd.classes_.tolist() == ["a", "b", "c", "d", "novel_0", "novel_1", "novel_2"]
    assert set(ncd.predict(X)) <= set(ncd.classes_)
    # a str-dtype y has no -1 marker: every row is labelled
    assert ProjectionBasedNCD(random_state=0, **FAST).fit(X, names.astype(str)).n_novel_clusters_ == 0


def test_ncd_kmeans_clusterer(blobs):
    X, y, y_partial = blobs
    novel = y_partial == -1
    ncd = ProjectionBasedNCD(n_novel_clusters=3, clusterer="ncd_kmeans", random_state=0, **FAST).fit(X, y_partial)
    assert cluster_accuracy(y[novel], ncd.labels_[novel]) > 0.95


def test_bad_input():
    X, y = make_blobs(60, n_features=4, centers=3, random_state=0)
    y_partial = np.where(y == 0, y, -1)
    with pytest.raises(ValueError, match="larger than the number of unlabelled rows"):
        ProjectionBasedNCD(n_novel_clusters=50, **FAST).fit(X, y_partial)
    with pytest.raises(ValueError, match="Unknown label type"):
        ProjectionBasedNCD(**FAST).fit(X, X[:, 0])
    with pytest.raises(ValueError):
        ProjectionBasedNCD(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="batch_size"):
        ProjectionBasedNCD(batch_size=1, max_epochs=1, device="cpu").fit(X, y_partial)


def test_loss_terms():
    torch.manual_seed(0)
    net = PBNNet(n_features=6, hidden_dims=(4, 3), n_components=2, n_classes=3, dropout=0.0)
    x = torch.randn(5, 6)
    z, logits, rec = net(x)
    assert z.shape == (5, 2) and logits.shape == (5, 3) and rec.shape == (5, 6)
    torch.testing.assert_close(z.norm(dim=1), torch.ones(5))
    y = torch.tensor([0, 2, -1, -1, 1])
    loss = PBNLoss(w=0.3)((z, logits, rec), x, y)
    ce = torch.nn.functional.cross_entropy(logits[[0, 1, 4]], y[[0, 1, 4]])
    mse = ((rec - x) ** 2).sum(1).mean()
    torch.testing.assert_close(loss, 0.3 * ce + 0.7 * mse)
    # a batch without labelled rows: reconstruction only, finite
    loss = PBNLoss(w=0.3)((z, logits, rec), x, torch.full((5,), -1))
    torch.testing.assert_close(loss, 0.7 * mse)


def test_ncd_kmeans_seeds_away_from_known_centers():
    rng = np.random.RandomState(0)
    known = np.array([[0.0, 0.0]])
    Z = np.vstack([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (50, 2)), rng.normal(-5, 0.1, (50, 2))])
    km = ncd_kmeans(Z[50:], known, 2, n_init=3, random_state=0)
    assert sorted(np.round(km.cluster_centers_[:, 0]).tolist()) == [-5.0, 5.0]
    k, scores = estimate_n_clusters(Z, 6, random_state=0)
    assert k == 3 and set(scores) == set(range(2, 7))
    assert estimate_n_clusters(Z[:2], random_state=0) == (1, {})


@pytest.mark.slow
def test_digits_novel_classes_beat_kmeans_on_raw_features():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y_partial = np.where(y < 5, y, -1)
    novel = y_partial == -1
    raw = cluster_accuracy(y[novel], KMeans(5, n_init=10, random_state=0).fit_predict(X[novel]))
    ncd = ProjectionBasedNCD(n_novel_clusters=5, random_state=0, device="cpu").fit(X, y_partial)
    assert cluster_accuracy(y[novel], ncd.labels_[novel]) > raw + 0.1


def test_score_is_accuracy_on_the_labelled_rows(blobs, fitted):
    X, y, y_partial = blobs
    known = y_partial != -1
    assert fitted.score(X, y_partial) == pytest.approx(np.mean(fitted.predict(X)[known] == y[known]))
