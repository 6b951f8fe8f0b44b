import numpy as np
import pytest
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import adjusted_rand_score, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.semi_supervised import PairwiseConstrainedClustering


def _blobs(seed=0, per=30):
    rng = np.random.RandomState(seed)
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.concatenate([rng.normal(c, 0.4, (per, 2)) for c in centers])
    return X, np.repeat(np.arange(3), per)


def _random_pairs(y, m, seed):
    rng = np.random.RandomState(seed)
    pairs = np.array([rng.choice(len(y), 2, replace=False) for _ in range(m)], dtype=np.int64).reshape(-1, 2)
    return pairs, np.where(y[pairs[:, 0]] == y[pairs[:, 1]], 1, -1)


def _respects(labels, pairs, pair_labels):
    same = labels[pairs[:, 0]] == labels[pairs[:, 1]]
    return bool(np.all(same == (pair_labels > 0)))


def test_pairs_respected_on_toy():
    X, y = _blobs()
    # a cannot-link inside blob 0 splits it; must-links join rows of blob 1 with blob 2
    pairs = np.array([[0, 1], [30, 60], [31, 61], [0, 30], [2, 45]])
    labels = np.array([-1, 1, 1, -1, -1])
    model = PairwiseConstrainedClustering(n_neighbors=5).fit(X, pairs=pairs, pair_labels=labels)
    assert _respects(model.labels_, pairs, labels)
    assert model.n_clusters_ == model.labels_.max() + 1
    np.testing.assert_array_equal(model.pairs_, pairs)
    np.testing.assert_array_equal(model.pair_labels_, labels)


def test_random_pairs_recover_blobs_without_k():
    X, y = _blobs()
    pairs, labels = _random_pairs(y, 60, seed=0)
    model = PairwiseConstrainedClustering(n_neighbors=5).fit(X, pairs=pairs, pair_labels=labels)
    assert _respects(model.labels_, pairs, labels)
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert model.n_clusters_ == 3
    # the must-link rate that stopped the merging: the pairs' own (smoothed) estimate
    assert model.must_link_rate_ == pytest.approx((np.sum(labels > 0) + 0.5) / (len(labels) + 1))


def test_without_pairs_and_fixed_rate():
    X, y = _blobs()
    model = PairwiseConstrainedClustering(n_neighbors=5).fit(X)
    assert model.must_link_rate_ == 0.5  # no pair: the estimate's prior
    shares = np.bincount(model.labels_) / len(y)
    assert np.sum(shares**2) <= 0.5 + 1e-9
    # the true share of same-cluster pairs of three equal blobs stops the merging at the blobs
    rate = 3 * 30 * 29 / (90 * 89)
    model = PairwiseConstrainedClustering(n_neighbors=5, must_link_rate=rate).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert PairwiseConstrainedClustering(n_clusters=3, n_neighbors=5).fit(X).must_link_rate_ is None


def test_cannot_links_block_n_clusters():
    X, y = _blobs()
    pairs = np.array([[0, 30], [0, 60], [30, 60]])
    model = PairwiseConstrainedClustering(n_clusters=1, n_neighbors=5).fit(X, pairs=pairs, pair_labels=[-1, -1, -1])
    assert model.n_clusters_ >= 3  # merging stops where only blocked merges remain
    assert _respects(model.labels_, pairs, np.array([-1, -1, -1]))


def test_predict_nearest_training_row():
    X, y = _blobs()
    pairs, labels = _random_pairs(y, 60, seed=1)
    model = PairwiseConstrainedClustering(n_neighbors=5).fit(X, pairs=pairs, pair_labels=labels)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    new = np.array([[0.1, -0.1], [3.9, 0.2], [0.2, 4.1]])
    nearest = ((new[:, None, :] - X[None]) ** 2).sum(axis=2).argmin(axis=1)
    np.testing.assert_array_equal(model.predict(new), model.labels_[nearest])


def test_reproducible():
    X, y = _blobs(seed=3)
    pairs, labels = _random_pairs(y, 40, seed=3)
    a = PairwiseConstrainedClustering(n_neighbors=4).fit(X, pairs=pairs, pair_labels=labels).labels_
    b = PairwiseConstrainedClustering(n_neighbors=4).fit(X, pairs=pairs, pair_labels=labels).labels_
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "pairs, labels, ids, match",
    [
        ([[0, 90]], [1], None, "outside 0..89"),
        ([[-1, 3]], [1], None, "outside 0..89"),
        ([[0, 1, 2]], [1], None, r"shape \(n_pairs, 2\)"),
        ([0, 1], [1], None, r"shape \(n_pairs, 2\)"),
        ([[0, 1]], [0], None, r"\+1 \(must-link\) or -1"),
        ([[0, 1]], [2], None, r"\+1 \(must-link\) or -1"),
        ([[0, 1]], ["a"], None, r"\+1 \(must-link\) or -1"),
        ([[0, 1]], [1, -1], None, "one per pair"),
        ([[0.5, 1]], [1], None, "integer row positions"),
        ([[3, 3]], [1], None, "joins a row with itself"),
        ([[0, 1]], None, None, "needs pair_labels"),
        (None, [1], None, "without pairs"),
        ([[0, 1]], [1], np.zeros(90), "unique"),
        ([[0, 1]], [1], np.arange(10), r"shape \(90,\)"),
    ],
)
def test_bad_pairs(pairs, labels, ids, match):
    X, _ = _blobs()
    with pytest.raises(ValueError, match=match):
        PairwiseConstrainedClustering().fit(X, pairs=pairs, pair_labels=labels, sample_ids=ids)


def test_contradicting_pairs_raise():
    X, _ = _blobs()
    # 0 ~ 1 ~ 2 by must-links, but 0 and 2 cannot-linked
    with pytest.raises(ValueError, match="contradicting pairs"):
        PairwiseConstrainedClustering().fit(X, pairs=[[0, 1], [1, 2], [0, 2]], pair_labels=[1, 1, -1])


def test_sample_ids_name_rows_and_drop_outside_pairs():
    X, y = _blobs()
    ids = np.array([f"row{i}" for i in range(90)])
    order = np.random.RandomState(0).permutation(90)
    pairs = np.array([["row0", "row30"], ["row31", "row32"], ["row5", "elsewhere"]])
    model = PairwiseConstrainedClustering(n_neighbors=5).fit(
        X[order], pairs=pairs, pair_labels=[-1, 1, 1], sample_ids=ids[order]
    )
    where = {v: i for i, v in enumerate(ids[order])}
    np.testing.assert_array_equal(model.pairs_, [[where["row0"], where["row30"]], [where["row31"], where["row32"]]])
    np.testing.assert_array_equal(model.pair_labels_, [-1, 1])


def _fold_pairs(ids_train, pairs, labels):
    """The pairs (as ids) with both ends among a fold's training ids."""
    keep = np.isin(pairs, ids_train).all(axis=1)
    return pairs[keep], labels[keep]


def _digits_subset():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    ids = np.arange(300) * 7 + 1000  # ids that are not row positions
    pairs, labels = _random_pairs(y, 150, seed=0)
    return X, y, ids, ids[pairs], labels


def _check_folds(estimators, cv, X, ids, pairs, labels, step=lambda est: est):
    for est, (train, _) in zip(estimators, cv.split(X)):
        clusterer = step(est)
        expected, expected_labels = _fold_pairs(ids[train], pairs, labels)
        assert len(expected) < len(pairs)  # the fold really dropped pairs
        # positions in the fold's X point at the rows whose ids the pairs named
        np.testing.assert_array_equal(ids[train][clusterer.pairs_], expected)
        np.testing.assert_array_equal(clusterer.pair_labels_, expected_labels)
        assert _respects(clusterer.labels_, clusterer.pairs_, clusterer.pair_labels_)


def test_cross_validate_keeps_pairs_on_their_rows():
    X, y, ids, pairs, labels = _digits_subset()
    cv = KFold(3, shuffle=True, random_state=0)
    result = cross_validate(
        PairwiseConstrainedClustering(),
        X,
        y,
        cv=cv,
        scoring=make_scorer(adjusted_rand_score),
        return_estimator=True,
        params=dict(pairs=pairs, pair_labels=labels, sample_ids=ids),
    )
    _check_folds(result["estimator"], cv, X, ids, pairs, labels)
    assert np.all(result["test_score"] > 0.3)


def test_grid_search_with_pairs():
    X, y, ids, pairs, labels = _digits_subset()
    search = GridSearchCV(
        PairwiseConstrainedClustering(),
        {"n_neighbors": [5, 10]},
        cv=KFold(3, shuffle=True, random_state=0),
        scoring=make_scorer(adjusted_rand_score),
    ).fit(X, y, pairs=pairs, pair_labels=labels, sample_ids=ids)
    best = search.best_estimator_
    np.testing.assert_array_equal(ids[best.pairs_], pairs)  # refit on all rows keeps every pair
    assert _respects(best.labels_, best.pairs_, best.pair_labels_)


def test_pipeline_with_metadata_routing():
    X, y, ids, pairs, labels = _digits_subset()
    cv = KFold(3, shuffle=True, random_state=1)
    with sklearn.config_context(enable_metadata_routing=True):
        clusterer = PairwiseConstrainedClustering().set_fit_request(pairs=True, pair_labels=True, sample_ids=True)
        pipe = Pipeline([("scale", StandardScaler()), ("cluster", clusterer)])
        params = dict(pairs=pairs, pair_labels=labels, sample_ids=ids)
        result = cross_validate(
            pipe, X, y, cv=cv, scoring=make_scorer(adjusted_rand_score), return_estimator=True, params=params
        )
        _check_folds(result["estimator"], cv, X, ids, pairs, labels, step=lambda p: p[-1])
        search = GridSearchCV(
            pipe, {"cluster__n_neighbors": [5, 10]}, cv=cv, scoring=make_scorer(adjusted_rand_score)
        ).fit(X, y, **params)
    np.testing.assert_array_equal(ids[search.best_estimator_[-1].pairs_], pairs)


def test_score_is_balanced_pair_accuracy():
    X, y = _blobs()
    pairs, labels = _random_pairs(y, 200, seed=1)
    model = PairwiseConstrainedClustering(n_clusters=3, n_neighbors=5).fit(X)
    assert model.score(X, pairs=pairs, pair_labels=labels) == 1.0
    from sklearn_unsup.semi_supervised._pairs import balanced_pair_accuracy, balanced_pair_accuracy_from_classes

    # one cluster keeps every must-link and breaks every cannot-link; singletons the reverse
    assert balanced_pair_accuracy(np.zeros(90, dtype=int), pairs, labels) == 0.5
    assert balanced_pair_accuracy(np.arange(90), pairs, labels) == 0.5
    # from classes: the same balanced rate over every pair of rows, counted by brute force here
    rng = np.random.RandomState(0)
    pred, classes = rng.randint(0, 3, 40), rng.randint(0, 4, 40)
    i, j = np.triu_indices(40, 1)
    together, same = pred[i] == pred[j], classes[i] == classes[j]
    expected = (np.mean(together[same]) + np.mean(~together[~same])) / 2
    assert balanced_pair_accuracy_from_classes(pred, classes) == pytest.approx(expected)
    assert balanced_pair_accuracy_from_classes(pred, np.r_[classes[:-5], [-1] * 5]) == pytest.approx(
        balanced_pair_accuracy_from_classes(pred[:-5], classes[:-5])
    )
    assert model.score(X, y) == 1.0
    assert model.score(X, np.array(["abc"[c] for c in y])) == 1.0  # any class labels
    as_object = np.r_[y[:-5], [-1] * 5].astype(object)  # -1 = unlabelled, also in an object array
    assert balanced_pair_accuracy_from_classes(pred, classes.astype(object)) == pytest.approx(expected)
    assert model.score(X, as_object) == 1.0
    with pytest.warns(UndefinedMetricWarning, match="one kind of pair"):  # cannot-links only: singletons score 1
        assert balanced_pair_accuracy(np.arange(90), pairs[labels < 0], labels[labels < 0]) == 1.0
    with pytest.raises(ValueError, match="set_score_request"):
        model.score(X)


def test_grid_search_scores_held_out_pairs_without_labels():
    """Under metadata routing GridSearchCV picks parameters from the pairs alone: no y, no scoring=."""
    X, y, ids, pairs, labels = _digits_subset()
    with sklearn.config_context(enable_metadata_routing=True):
        clusterer = (
            PairwiseConstrainedClustering()
            .set_fit_request(pairs=True, pair_labels=True, sample_ids=True)
            .set_score_request(pairs=True, pair_labels=True, sample_ids=True)
        )
        search = GridSearchCV(clusterer, {"n_neighbors": [5, 15]}, cv=KFold(3, shuffle=True, random_state=0))
        search.fit(X, pairs=pairs, pair_labels=labels, sample_ids=ids)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores > 0.5) & (scores <= 1.0)), scores  # held-out pairs, better than one cluster


@pytest.mark.slow
def test_digits_beats_kmeans_from_100_pairs():
    X, y = load_digits(return_X_y=True)
    kmeans = adjusted_rand_score(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
    scores = []
    for m in (10, 100, 1000):
        pairs, labels = _random_pairs(y, m, seed=0)
        model = PairwiseConstrainedClustering().fit(X, pairs=pairs, pair_labels=labels)
        scores.append(adjusted_rand_score(y, model.labels_))
    assert scores[0] < scores[1] < scores[2]
    assert scores[1] > kmeans + 0.05
