"""Deep detectors: scikit-learn's sign conventions and quality above chance on a real set."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from sklearn_unsup.outlier import AutoEncoderOutlierDetector, DeepSVDD, FlowOutlierDetector, VAEOutlierDetector

from ..conftest import load_shared

FAST = dict(max_epochs=5, random_state=0)
DETECTORS = [
    AutoEncoderOutlierDetector(**FAST),
    VAEOutlierDetector(**FAST),
    FlowOutlierDetector(**FAST),
    DeepSVDD(**FAST),
]
IDS = [type(d).__name__ for d in DETECTORS]


@pytest.fixture(scope="module")
def blobs_with_outliers():
    rng = np.random.RandomState(0)
    inliers = rng.normal(size=(400, 5))
    outliers = rng.uniform(-8, 8, size=(20, 5))
    outliers[np.abs(outliers).max(1) < 4, 0] = 7.0  # make sure each is far out
    X = np.r_[inliers, outliers]
    y = np.r_[np.zeros(400), np.ones(20)]
    return X, y


@pytest.mark.parametrize("det", DETECTORS, ids=IDS)
def test_sklearn_conventions(det, blobs_with_outliers):
    X, y = blobs_with_outliers
    det.fit(X)
    s = det.score_samples(X)
    # higher score = more normal: outliers score lower (AUROC of -score for y = 1)
    assert roc_auc_score(y, -s) > 0.9
    np.testing.assert_allclose(det.decision_function(X), s - det.offset_)
    pred = det.predict(X)
    assert set(np.unique(pred)) <= {-1, 1}
    assert np.mean(pred[y == 1] == -1) > 0.5 and np.mean(pred[y == 0] == 1) > 0.8


@pytest.mark.parametrize("det", DETECTORS, ids=IDS)
def test_contamination_sets_the_flagged_share(det, blobs_with_outliers):
    X, _ = blobs_with_outliers
    det = det.__class__(**{**det.get_params(), "contamination": 0.1}).fit(X)
    assert abs(np.mean(det.predict(X) == -1) - 0.1) <= 2 / len(X)


def test_deep_svdd_centre_away_from_zero(blobs_with_outliers):
    X, _ = blobs_with_outliers
    det = DeepSVDD(**FAST).fit(X)
    assert np.all(np.abs(det.center_) >= 0.1 - 1e-7)
    # no bias anywhere: the trivial constant map to the centre is impossible
    assert all("bias" not in name for name, _ in det.net_.module_.named_parameters())
    assert det.loss_curve_[-1] < det.loss_curve_[0]


@pytest.mark.parametrize("make", [lambda: VAEOutlierDetector(random_state=0),
                                  lambda: FlowOutlierDetector(random_state=0)], ids=["vae", "flow"])
def test_quality_on_thyroid_well_above_chance(make):
    X, y = load_shared("anomaly/thyroid.npz")
    auc = roc_auc_score(y, -make().fit(X).score_samples(X))
    assert auc > 0.9, auc  # IsolationForest: .975, chance: .5
