"""The contamination options: cuts of the training scores chosen without labels."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_unsup.ood import KNNDetector
from sklearn_unsup.outlier import AutoEncoderOutlierDetector, EnsembleOutlierDetector
from sklearn_unsup.utils._mixture_threshold import _FITS, _LOG_PDFS, _fit_fisk
from sklearn_unsup.utils._thresholds import THRESHOLDS, _linear_smooth_max, offset_from_scores

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


# 10 neighbours: more than the 6 planted rows, which sit together (with 5, each one's neighbours are the others)
@pytest.mark.parametrize("make", [lambda c: KNNDetector(10, normalize=False, contamination=c),
                                  lambda c: EnsembleOutlierDetector(random_state=0, contamination=c),
                                  lambda c: AutoEncoderOutlierDetector(hidden_dims=(8,), max_epochs=2,
                                                                       random_state=0, contamination=c)],
                         ids=["knn", "ensemble", "autoencoder"])
@pytest.mark.parametrize("contamination", [*sorted(THRESHOLDS), 0.1])
def test_every_detector_takes_every_rule(make, contamination):
    local = np.random.RandomState(1)  # not the module's generator: the data must not depend on test order
    X = np.r_[local.normal(size=(200, 3)), local.uniform(6, 8, size=(6, 3))]
    det = make(contamination).fit(X)
    flagged = det.predict(X) == -1
    assert det.predicted_contamination_ == pytest.approx(flagged.mean())
    assert flagged[-6:].all()


def test_unknown_rule_is_named():
    with pytest.raises(InvalidParameterError, match="zscore"):
        KNNDetector(contamination="meta").fit(rng.normal(size=(20, 2)))


@pytest.mark.parametrize("name", sorted(_LOG_PDFS))
def test_mixture_log_densities_match_scipy(name):
    from scipy import stats

    x = np.linspace(1.0, 2.0, 101)
    params = _FITS[name](x, np.linspace(0.1, 1.0, x.size), None)
    expected = getattr(stats, name).logpdf(x, **params)
    assert np.allclose(_LOG_PDFS[name](x, **params), expected, equal_nan=True)


def test_weighted_log_logistic_fit_is_the_maximum_likelihood():
    from scipy import optimize, stats

    x = stats.fisk.rvs(3.0, scale=1.5, size=2000, random_state=0)
    w = np.random.RandomState(0).uniform(size=x.size)
    fitted = _fit_fisk(x, w, None)
    reference = optimize.minimize(lambda p: -np.sum(w * stats.fisk.logpdf(x, p[0], scale=p[1])), [2.0, 1.0],
                                  method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-8}).x
    assert np.allclose([fitted["c"], fitted["scale"]], reference, rtol=1e-4)


def test_mixmod_matches_pythresh():
    mixmod = pytest.importorskip("pythresh.thresholds.mixmod")
    for seed in range(2):
        noise = np.random.RandomState(seed)
        scores = np.r_[noise.normal(size=600), noise.normal(-4.0, 1.0, size=30)]
        ours = np.sum(scores < offset_from_scores(scores, "mixmod"))
        theirs = mixmod.MIXMOD().eval(-scores).sum()
        assert abs(ours - theirs) <= 3


@pytest.mark.parametrize("width", [3, 21, 201])
def test_order_one_smoothing_is_savitzky_golay(width):
    from scipy.signal import savgol_filter

    values = np.random.RandomState(width).uniform(size=1001)
    assert _linear_smooth_max(values, width // 2) == pytest.approx(savgol_filter(values, width, 1).max())


def test_filter_does_not_depend_on_the_order_of_the_rows():
    scores = np.random.RandomState(2).gamma(2.0, size=700)
    offsets = {offset_from_scores(scores[np.random.RandomState(seed).permutation(scores.size)], "filter")
               for seed in range(5)}
    assert len(offsets) == 1


def test_filter_is_pythresh_filter_averaged_over_row_orders():
    pythresh_filter = pytest.importorskip("pythresh.thresholds.filter")
    scores = np.random.RandomState(3).gamma(2.0, size=700)
    shuffles = np.random.RandomState(4)
    theirs = [pythresh_filter.FILTER().eval(-scores[shuffles.permutation(scores.size)]).sum() for _ in range(30)]
    ours = np.sum(scores < offset_from_scores(scores, "filter"))
    assert abs(ours - np.mean(theirs)) < 2 * np.std(theirs) / np.sqrt(30) + 5
