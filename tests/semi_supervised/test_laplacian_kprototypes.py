"""LaplacianKPrototypes: the bound updates, clamping, the lambda = 0 limit, clustering without labels, bad y."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import check_clusterer_compute_labels_predict, check_clustering

from sklearn_unsup.semi_supervised import LaplacianKPrototypes
from sklearn_unsup.semi_supervised._slk_bound import _bound_energy, bound_update, softmax


def _few_labels(y, per_class, seed=0):
    rng = np.random.RandomState(seed)
    y_semi = np.full_like(y, -1)
    for c in np.unique(y):
        y_semi[rng.choice(np.flatnonzero(y == c), per_class, replace=False)] = c
    return y_semi


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(150, centers=3, cluster_std=0.8, random_state=0)
    return X, y, _few_labels(y, 2)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X, y


def _knn_graph(X, k):
    d = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    ind = np.argsort(d, axis=1)[:, :k]
    A = sp.csr_matrix((np.ones(ind.size), ind.ravel(), np.arange(0, ind.size + 1, k)), shape=(len(X),) * 2)
    return sp.csr_matrix((A + A.T) * 0.5)


@pytest.mark.parametrize("lam", [0.5, 2.0, 20.0])  # 20: the parallel update oscillates; no step may raise E
def test_bound_updates_never_raise_the_energy(blobs, lam):
    X, _, _ = blobs
    W = _knn_graph(X, 5)
    a = ((X[:, None] - X[[0, 60, 120]][None]) ** 2).sum(-1) / 10.0
    Y = softmax(-a)
    none = np.empty(0, dtype=np.int64)
    energies = [_bound_energy(Y, a, W @ Y, lam)]
    for _ in range(30):
        Y, e, steps = bound_update(a, W, lam, Y, none, none, max_iter=1)
        energies.append(e)
    assert np.all(np.diff(energies) <= 1e-9 * np.abs(energies[:-1]))
    assert energies[-1] < energies[0]  # the graph term pulled neighbours together
    np.testing.assert_allclose(Y.sum(axis=1), 1.0)


def test_fixed_point_of_the_bound_is_the_softmax_of_unary_plus_graph(blobs):
    X, _, _ = blobs
    W = _knn_graph(X, 5)
    a = ((X[:, None] - X[[0, 60, 120]][None]) ** 2).sum(-1) / 10.0
    none = np.empty(0, dtype=np.int64)
    Y, _, steps = bound_update(a, W, 0.5, softmax(-a), none, none, max_iter=600)
    assert steps < 600
    np.testing.assert_allclose(Y, softmax(0.5 * (W @ Y) - a), atol=2e-3)  # stopped on the energy, 1e-7


def test_labelled_rows_are_clamped_unless_asked_not_to(blobs):
    X, y, _ = blobs
    y_semi = _few_labels(y, 5)
    wrong = np.flatnonzero(y == 0)[-1]  # a row of blob 0 labelled as class 1
    y_semi[wrong] = 1
    clamped = LaplacianKPrototypes(n_neighbors=5).fit(X, y_semi)
    labelled = y_semi != -1
    np.testing.assert_array_equal(clamped.transduction_[labelled], y_semi[labelled])
    np.testing.assert_array_equal(clamped.label_distributions_[labelled].argmax(1), clamped.labels_[labelled])
    free = LaplacianKPrototypes(n_neighbors=5, clamp_labelled=False).fit(X, y_semi)
    assert free.transduction_[wrong] == 0  # its neighbours and prototype pull it back to its blob


def _constrained_kmeans(X, codes, labelled, C):
    """Reference: Lloyd's iterations with the labelled rows kept at their class (seeded, constrained k-means)."""
    labels = ((X[:, None] - C[None]) ** 2).sum(-1).argmin(1)
    labels[labelled] = codes
    for _ in range(100):
        C = np.array([X[labels == k].mean(0) for k in range(len(C))])
        new = ((X[:, None] - C[None]) ** 2).sum(-1).argmin(1)
        new[labelled] = codes
        if np.array_equal(new, labels):
            break
        labels = new
    return labels, C


def test_lambda_zero_is_seeded_kmeans(digits):
    X, y = digits
    y_semi = _few_labels(y, 2)
    labelled = np.flatnonzero(y_semi != -1)
    init = np.array([X[y_semi == c].mean(0) for c in range(10)])
    model = LaplacianKPrototypes(prototype="kmeans", laplacian_weight=0.0, tol=0.0).fit(X, y_semi)
    ref_labels, ref_centers = _constrained_kmeans(X, y_semi[labelled], labelled, init)
    np.testing.assert_array_equal(model.labels_, ref_labels)
    np.testing.assert_allclose(model.cluster_centers_, ref_centers)
    # without clamping it is KMeans started at the labelled class means (scikit-learn's, n_init=1)
    free = LaplacianKPrototypes(prototype="kmeans", laplacian_weight=0.0, tol=0.0, clamp_labelled=False)
    km = KMeans(10, init=init, n_init=1, tol=0.0).fit(X)
    assert adjusted_rand_score(free.fit(X, y_semi).labels_, km.labels_) > 0.99


def test_graph_term_beats_seeded_kmeans_on_digits(digits):
    X, y = digits
    y_semi = _few_labels(y, 5)
    unlabelled = y_semi == -1
    model = LaplacianKPrototypes().fit(X, y_semi)
    seeded = LaplacianKPrototypes(prototype="kmeans", laplacian_weight=0.0).fit(X, y_semi)
    acc = np.mean(model.transduction_[unlabelled] == y[unlabelled])
    acc_seeded = np.mean(seeded.transduction_[unlabelled] == y[unlabelled])
    assert acc > acc_seeded + 0.04 and acc > 0.9, (acc, acc_seeded)


def test_unlabelled_only_is_laplacian_clustering(blobs):
    X, y, _ = blobs
    a = LaplacianKPrototypes(3, random_state=0).fit(X)
    b = LaplacianKPrototypes(3, random_state=0).fit(X, np.full(len(X), -1))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.classes_, np.arange(3))
    np.testing.assert_array_equal(a.transduction_, a.labels_)
    assert adjusted_rand_score(y, a.labels_) > 0.8
    np.testing.assert_array_equal(a.fit_predict(X), a.labels_)
    with pytest.raises(ValueError, match="n_clusters must be given when no sample is labelled"):
        LaplacianKPrototypes().fit(X)
    with pytest.raises(ValueError, match="n_clusters=200 must be <= n_samples=150"):
        LaplacianKPrototypes(200).fit(X)


@pytest.mark.parametrize("check", [check_clustering, check_clusterer_compute_labels_predict])
def test_scikit_learn_clusterer_checks_without_labels(check):
    check("LaplacianKPrototypes", LaplacianKPrototypes(n_clusters=3, random_state=0))


def test_bad_y_refused(blobs):
    X, y, y_semi = blobs
    with pytest.raises(ValueError, match="Unknown label type"):
        LaplacianKPrototypes().fit(X, np.where(y_semi == -1, -1, y_semi + 0.5))
    with pytest.raises(ValueError, match="labels for 150 rows"):
        LaplacianKPrototypes().fit(X, y_semi[:-1])
    with pytest.raises(ValueError, match="y should be a 1d array"):
        LaplacianKPrototypes().fit(X, np.c_[y_semi, y_semi])


def test_string_labels_with_minus_one(blobs):
    X, y, y_semi = blobs
    names = np.array(["a", "b", "c"], dtype=object)
    y_obj = np.where(y_semi == -1, -1, names[np.maximum(y_semi, 0)]).astype(object)
    model = LaplacianKPrototypes(n_neighbors=5).fit(X, y_obj)
    assert list(model.classes_) == ["a", "b", "c"]
    assert np.mean(model.transduction_ == names[y]) > 0.9
    assert set(model.predict(X[:10])) <= {"a", "b", "c"}


def test_same_seed_same_model_and_rows_predicted_alone(blobs):
    X, _, y_semi = blobs
    a = LaplacianKPrototypes(3, random_state=1).fit(X)
    b = LaplacianKPrototypes(3, random_state=1).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    model = LaplacianKPrototypes(n_neighbors=5).fit(X, y_semi)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(1)], model.predict(X))
    np.testing.assert_array_equal(model.predict(X[:7]), model.predict(X)[:7])  # no batch effect


def test_check_classifiers_classes_except_minus_one_as_a_class():
    """scikit-learn's check_classifiers_classes without its last problem (-1 as a class: unlabelled here)."""
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import shuffle
    from sklearn.utils.estimator_checks import check_classifiers_predictions

    X, y = make_blobs(n_samples=30, random_state=0, cluster_std=0.1)
    X, y = shuffle(X, y, random_state=7)
    X = StandardScaler().fit_transform(X)
    names = np.take(["one", "two", "three"], y)
    for X_, y_ in [(X[y != 2], names[y != 2]), (X, names)]:
        for labels in (y_, y_.astype("O")):
            check_classifiers_predictions(X_, labels, "LaplacianKPrototypes", LaplacianKPrototypes(random_state=0))


def test_score_is_accuracy_on_the_labelled_rows(blobs):
    X, y, y_semi = blobs
    model = LaplacianKPrototypes(n_neighbors=5).fit(X, y_semi)
    y_half = np.where(np.arange(len(y)) % 2 == 0, y, -1)
    keep = y_half != -1
    assert model.score(X, y_half) == pytest.approx(np.mean(model.predict(X[keep]) == y[keep]))
