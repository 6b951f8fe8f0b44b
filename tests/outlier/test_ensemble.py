import numpy as np
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.ood import KNNDetector, MSPDetector
from sklearn_unsup.outlier import EnsembleOutlierDetector

rng = np.random.RandomState(0)
X_NORMAL = rng.normal(size=(400, 3))
X_OUT = rng.uniform(5, 8, size=(8, 3)) * rng.choice([-1, 1], size=(8, 3))
X = np.r_[X_NORMAL, X_OUT]


def _two_members():
    return [("forest", IsolationForest(n_estimators=50, random_state=0)), ("knn", KNNDetector(5, normalize=False))]


@pytest.mark.parametrize("combination", ["mean", "max", "rank", "aom", "moa"])
def test_flags_planted_outliers(combination):
    det = EnsembleOutlierDetector(combination=combination, random_state=0, contamination=0.03).fit(X)
    assert np.all(det.predict(X_OUT) == -1)
    assert np.mean(det.predict(X_NORMAL) == 1) > 0.98
    scores = det.score_samples(X)
    assert np.all(np.isfinite(scores))
    # every planted row is less normal than every row of the bulk's central half
    assert scores[-8:].max() < np.percentile(scores[:400], 25)


def test_auto_threshold_flags_planted_outliers():
    det = EnsembleOutlierDetector(random_state=0).fit(X)
    assert np.all(det.predict(X_OUT) == -1)
    assert np.mean(det.predict(X_NORMAL) == 1) > 0.85  # Tukey's fence on skewed distance scores


def test_mean_combination_is_the_mean_of_training_standardised_scores():
    det = EnsembleOutlierDetector(_two_members()).fit(X)
    raw = np.column_stack([d.score_samples(X) for d in det.detectors_])
    z = (raw - raw.mean(0)) / raw.std(0)
    np.testing.assert_allclose(det.member_scores(X), z)
    np.testing.assert_allclose(det.score_samples(X), z.mean(1))
    # the statistics are the training rows': scoring new rows never re-standardises on the batch
    new = rng.normal(size=(5, 3))
    np.testing.assert_allclose(det.score_samples(new[:2]), det.score_samples(new)[:2])
    assert set(det.named_detectors_) == {"forest", "knn"}


def test_max_takes_the_most_abnormal_member():
    det = EnsembleOutlierDetector(_two_members(), combination="max").fit(X)
    np.testing.assert_allclose(det.score_samples(X), det.member_scores(X).min(1))


def test_aom_and_moa_group_every_member():
    members = _two_members() + [("lof", LocalOutlierFactor(novelty=True))]
    det = EnsembleOutlierDetector(members, combination="aom", n_buckets=2, random_state=0).fit(X)
    assert sorted(np.bincount(det.buckets_).tolist()) == [1, 2]
    z = det.member_scores(X)
    expected = np.mean([z[:, det.buckets_ == b].min(1) for b in (0, 1)], axis=0)
    np.testing.assert_allclose(det.score_samples(X), expected)
    moa = clone_with(det, combination="moa").fit(X)
    np.testing.assert_allclose(moa.score_samples(X),
                               np.min([z[:, moa.buckets_ == b].mean(1) for b in (0, 1)], axis=0))


def clone_with(est, **params):
    from sklearn.base import clone

    return clone(est).set_params(**params)


def test_same_seed_same_model_and_nested_params():
    a = EnsembleOutlierDetector(random_state=3).fit(X).score_samples(X)
    b = EnsembleOutlierDetector(random_state=3).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)
    det = EnsembleOutlierDetector(_two_members())
    assert "forest__n_estimators" in det.get_params()
    det.set_params(forest__n_estimators=7)
    assert det.detectors[0][1].n_estimators == 7


def test_grid_search_over_member_parameters():
    Xy = np.r_[X_NORMAL[:200], X_OUT]
    y = np.r_[np.ones(200), -np.ones(8)]

    def auroc(est, X, y):
        from sklearn.metrics import roc_auc_score

        return roc_auc_score(y, est.score_samples(X))

    search = GridSearchCV(EnsembleOutlierDetector(_two_members()), {"knn__n_neighbors": [2, 10]}, scoring=auroc,
                          cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(Xy, y)
    assert search.best_score_ > 0.9


def test_members_that_read_labels_get_y():
    from sklearn.datasets import make_blobs

    Xb, yb = make_blobs(200, n_features=4, centers=3, random_state=0)
    det = EnsembleOutlierDetector([("msp", MSPDetector()), ("knn", KNNDetector(5))]).fit(Xb, yb)
    assert np.all(np.isfinite(det.score_samples(Xb)))


def test_pipeline_members():
    members = [("scaled_knn", make_pipeline(StandardScaler(), KNNDetector(5, normalize=False)))]
    det = EnsembleOutlierDetector(members).fit(X)
    assert np.all(det.predict(X_OUT) == -1)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(detectors=[]), ValueError, "detectors is empty"),
        (dict(detectors=[("lof", LocalOutlierFactor())]), TypeError, "novelty=True"),
        (dict(detectors=[("a", IsolationForest()), ("a", IsolationForest())]), ValueError, "unique"),
        (dict(combination="aom", n_buckets=5), ValueError, "n_buckets=5 exceeds"),
        (dict(detectors=[("x", object())]), TypeError, "no fit method"),
    ],
)
def test_bad_settings_are_named(params, error, match):
    with pytest.raises(error, match=match):
        EnsembleOutlierDetector(**params).fit(X)
