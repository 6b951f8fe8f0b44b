import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklearn_unsup.model_selection import HiddenClassKFold, make_hidden_class_scorer
from sklearn_unsup.semi_supervised import ProjectionBasedNCD


class _Spy(TransformerMixin, BaseEstimator):
    """Records the labels each fit sees; transform multiplies the rows by ``scale`` (0 collapses them)."""

    seen = []

    def __init__(self, scale=1.0):
        self.scale = scale

    def fit(self, X, y):
        _Spy.seen.append(set(np.unique(y).tolist()))
        return self

    def transform(self, X):
        return np.asarray(X) * self.scale


@pytest.fixture(scope="module")
def data():
    X, y = make_blobs(400, n_features=6, centers=8, cluster_std=0.5, random_state=0)
    return X, np.where(y < 5, y, -1), y


def test_folds_hide_whole_known_classes_cyclically(data):
    X, y_partial, _ = data
    cv = HiddenClassKFold(n_splits=3, n_hidden_classes=2)
    assert cv.get_n_splits() == 3
    hidden = [h.tolist() for h in cv.hidden_classes(y_partial)]
    assert hidden == [[0, 1], [2, 3], [4, 0]]
    for (train, test), h in zip(cv.split(X, y_partial), hidden):
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(len(X)))
        assert set(y_partial[test]) == set(h)
        assert not set(y_partial[train]) & set(h)
        assert np.all(np.isin(np.flatnonzero(y_partial == -1), train))  # unlabelled rows train in every fold


def test_shuffle_is_seeded(data):
    _, y_partial, _ = data
    a = HiddenClassKFold(n_splits=2, shuffle=True, random_state=1).hidden_classes(y_partial)
    b = HiddenClassKFold(n_splits=2, shuffle=True, random_state=1).hidden_classes(y_partial)
    assert [x.tolist() for x in a] == [x.tolist() for x in b]


def test_bad_settings(data):
    X, y_partial, _ = data
    with pytest.raises(ValueError, match="needs y"):
        list(HiddenClassKFold().split(X, None))
    with pytest.raises(ValueError, match="at least 6 known classes"):
        list(HiddenClassKFold(n_splits=2, n_hidden_classes=5).split(X, y_partial))
    with pytest.raises(ValueError, match="distinct sets"):
        list(HiddenClassKFold(n_splits=6).split(X, y_partial))
    with pytest.raises(ValueError, match="n_hidden_classes must be an integer >= 2"):
        list(HiddenClassKFold(n_hidden_classes=1).split(X, y_partial))


def test_scorer_grades_the_clustering_of_the_hidden_rows(data):
    X, _, y = data
    spy = _Spy().fit(X, y)
    scorer = make_hidden_class_scorer()
    hidden = np.isin(y, [0, 1, 2])
    assert scorer(spy, X[hidden], y[hidden]) == 1.0
    assert scorer(_Spy(scale=0.0).fit(X, y), X[hidden], y[hidden]) == pytest.approx(np.bincount(y[hidden]).max()
                                                                                    / hidden.sum())
    y_with_unlabelled = np.where(hidden, y, -1)
    assert scorer(spy, X, y_with_unlabelled) == 1.0  # rows marked -1 are ignored
    assert make_hidden_class_scorer("auto")(spy, X[hidden], y[hidden]) == 1.0
    with pytest.raises(TypeError, match="no transform"):
        scorer(object(), X, y)


def test_grid_search_never_shows_the_hidden_labels(data):
    X, y_partial, _ = data
    _Spy.seen = []
    search = GridSearchCV(_Spy(), {"scale": [0.0, 1.0]}, cv=HiddenClassKFold(n_splits=2),
                          scoring=make_hidden_class_scorer(), refit=False).fit(X, y_partial)
    hidden = HiddenClassKFold(n_splits=2).hidden_classes(y_partial)
    fold_fits = _Spy.seen[-4:]  # 2 candidates x 2 folds, candidate by candidate
    for seen, h in zip(fold_fits, hidden * 2):
        assert -1 in seen and not seen & set(h.tolist())
    assert search.best_params_ == {"scale": 1.0}  # collapsing the rows cannot separate hidden classes


def test_grid_search_tunes_projection_based_ncd(data):
    X, y_partial, y = data
    search = GridSearchCV(
        ProjectionBasedNCD(n_components=8, max_epochs=15, batch_size=64, n_init=2, device="cpu", random_state=0),
        {"w": [0.0, 0.9]}, cv=HiddenClassKFold(n_splits=2), scoring=make_hidden_class_scorer(),
    ).fit(X, y_partial)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores > 0) & (scores <= 1))
    best = search.best_estimator_  # refitted on all rows, every known class labelled
    assert best.known_classes_.tolist() == [0, 1, 2, 3, 4]
    novel = y_partial == -1
    assert set(best.labels_[novel]) <= set(best.classes_[5:].tolist())
    assert cross_val_score(best, X, y_partial, cv=HiddenClassKFold(n_splits=2),
                           scoring=make_hidden_class_scorer()).shape == (2,)
