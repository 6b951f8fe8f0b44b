"""The contamination options: cuts of the training scores chosen without labels."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_unsup.ood import KNNDetector
from sklearn_unsup.outlier import AutoEncoderOutlierDetector, EnsembleOutlierDetector
from sklearn_unsup.utils._thresholds import THRESHOLDS, offset_from_scores

rng = np.random.RandomState(0)
SCORES = np.r_[rng.normal(size=500), rng.normal(-6.0, 0.5, size=15)]  # normality: 15 planted low rows


def test_zscore_is_one_standard_deviation_below_the_mean():
    assert offset_from_scores(SCORES, "zscore") == pytest.approx(SCORES.mean() - SCORES.std())


def test_tukey_fence():
    q1, q3 = np.percentile(SCORES, [25, 75])
    assert offset_from_scores(SCORES, "auto") == pytest.approx(q1 - 1.5 * (q3 - q1))


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_every_rule_flags_the_planted_rows_and_few_others(name):
    offset = offset_from_scores(SCORES, name)
    assert np.all(SCORES[-15:] < offset)
    assert np.mean(SCORES[:500] < offset) < 0.2


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_constant_scores_flag_nothing(name):
    scores = np.full(50, 3.0)
    assert np.sum(scores < offset_from_scores(scores, name)) == 0


def test_clf_matches_pythresh():
    clf = pytest.importorskip("pythresh.thresholds.clf")  # the benchmark extra
    for seed in range(3):
        scores = np.random.RandomState(seed).gamma(2.0, size=800)
        ours = scores < offset_from_scores(scores, "clf")
        theirs = clf.CLF().eval(-scores).astype(bool)
        assert ours.sum() == theirs.sum()


def test_clf_kde_on_large_score_sets_stays_close():
    # above 2,000 rows the density term is fitted on evenly spaced order statistics (O(n), deterministic)
    scores = np.random.RandomState(1).normal(size=20_000)
    first, second = offset_from_scores(scores, "clf"), offset_from_scores(scores.copy(), "clf")
    assert first == second
    assert 0.0 < np.mean(scores < first) < 0.2


@pytest.mark.parametrize("make", [lambda c: KNNDetector(5, normalize=False, contamination=c),
                                  lambda c: EnsembleOutlierDetector(random_state=0, contamination=c),
                                  lambda c: AutoEncoderOutlierDetector(hidden_dims=(8,), max_epochs=2,
                                                                       random_state=0, contamination=c)],
                         ids=["knn", "ensemble", "autoencoder"])
@pytest.mark.parametrize("contamination", ["auto", "zscore", "clf", 0.1])
def test_every_detector_takes_every_rule(make, contamination):
    X = np.r_[rng.normal(size=(200, 3)), rng.uniform(6, 8, size=(6, 3))]
    det = make(contamination).fit(X)
    flagged = det.predict(X) == -1
    assert det.predicted_contamination_ == pytest.approx(flagged.mean())
    assert flagged[-6:].all()


def test_unknown_rule_is_named():
    with pytest.raises(InvalidParameterError, match="zscore"):
        KNNDetector(contamination="mixmod").fit(rng.normal(size=(20, 2)))
