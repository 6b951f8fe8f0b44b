import numpy as np
import pytest
from scipy.stats import binom
from sklearn.ensemble import IsolationForest
from sklearn.utils.estimator_checks import check_outliers_train

from sklearn_unsup.outlier import (
    RejectionOutlierDetector,
    VAEOutlierDetector,
    to_pyod_labels,
    to_pyod_scores,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(400, 2)), rng.uniform(-6, 6, size=(40, 2))]
    return X


def test_confidence_matches_exceed_formula(data):
    det = RejectionOutlierDetector(IsolationForest(random_state=0), contamination=0.1).fit(data)
    train = -det.detector_.score_samples(data)  # anomaly scores
    n = len(train)
    s = -det.score_samples(data[:25])
    for i, si in enumerate(s):  # the plain O(n) formula, row by row
        psi = np.mean(train <= si)
        p = (1 + n * psi) / (2 + n)
        prob = sum(binom.pmf(k, n, p) for k in range(int(np.floor(n * 0.9)) + 1, n + 1))
        expected = prob if det.decision_function(data[i : i + 1])[0] < 0 else 1 - prob
        assert det.predict_confidence(data[i : i + 1])[0] == pytest.approx(expected, abs=1e-9)


def test_rejects_only_near_the_threshold(data):
    det = RejectionOutlierDetector(IsolationForest(random_state=0), contamination=0.1).fit(data)
    pred = det.predict(data)
    d = det.decision_function(data)
    rejected = pred == 0
    assert 0 < rejected.mean() < 0.5
    assert det.rejection_rate_ == pytest.approx(rejected.mean())
    # rejected rows sit closer to the decision threshold than the accepted ones
    assert np.median(np.abs(d[rejected])) < np.median(np.abs(d[~rejected]))
    assert set(np.unique(pred[~rejected])) <= {-1, 1}
    lax = RejectionOutlierDetector(IsolationForest(random_state=0), rejection_tolerance=1e-6, contamination=0.1)
    lax.fit(data)
    assert lax.rejection_rate_ == 0.0  # threshold ~0: nothing is rejected


def test_without_rejection_it_passes_the_outlier_check():
    det = RejectionOutlierDetector(IsolationForest(n_estimators=10, random_state=0), rejection_tolerance=1e-9)
    check_outliers_train("RejectionOutlierDetector", det)


def test_wraps_our_detectors_and_custom_reject_label(data):
    det = RejectionOutlierDetector(VAEOutlierDetector(max_epochs=3, random_state=0), reject_label=2).fit(data)
    assert set(np.unique(det.predict(data))) <= {-1, 1, 2}


def test_pyod_adapter(data):
    det = IsolationForest(random_state=0).fit(data)
    np.testing.assert_allclose(to_pyod_scores(det, data), -det.score_samples(data))
    np.testing.assert_array_equal(to_pyod_labels([1, -1, 1]), [0, 1, 0])
