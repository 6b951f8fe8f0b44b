"""Drift detectors: level of the tests on no-drift splits, power on shifts, the correction, inputs."""

import numpy as np
import pytest
from scipy.stats import binom
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from sklearn_unsup._kernels._distances import pairwise_sq_euclidean
from sklearn_unsup.drift import ClassifierDriftDetector, DriftResult, KSDriftDetector, MMDDriftDetector
from sklearn_unsup.drift._ks import benjamini_hochberg
from sklearn_unsup.drift._mmd import median_bandwidth, mmd2_permutation_test

from ..conftest import load_shared


def _rejection_bounds(n_splits, alpha=0.05, tail=1e-3):
    """Rejection counts a level-alpha test stays within on n_splits independent splits, but with probability 2e-3."""
    return binom.ppf(tail, n_splits, alpha), binom.isf(tail, n_splits, alpha)


def _rejections(detector, n_splits, n=60, d=3, seed=0):
    rng = np.random.RandomState(seed)
    count = 0
    for _ in range(n_splits):
        X = rng.normal(size=(2 * n, d))
        count += detector.fit(X[:n]).test(X[n:]).drift
    return count


# ------------------------------------------------------------------------------------------------ MMD
def _naive_mmd2(K, n):
    """Unbiased MMD² from its definition (loops over the pairs)."""
    m = K.shape[0] - n
    xx = sum(K[i, j] for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(K[i, j] for i in range(n, n + m) for j in range(n, n + m) if i != j) / (m * (m - 1))
    xy = sum(K[i, j] for i in range(n) for j in range(n, n + m)) / (n * m)
    return xx + yy - 2 * xy


def test_mmd_statistic_and_permutations_match_their_definition():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(15, 2))
    K = np.exp(-pairwise_sq_euclidean(Z, Z) / 2.0)
    np.fill_diagonal(K, 0.0)
    mmd2, permuted = mmd2_permutation_test(K, 9, 5, np.random.RandomState(1))
    assert mmd2 == pytest.approx(_naive_mmd2(K, 9))
    perm_rng = np.random.RandomState(1)
    for value in permuted:  # each permuted value is the statistic of a relabelled pooled sample
        batch = np.sort(perm_rng.permutation(15)[:6])
        order = np.r_[np.setdiff1d(np.arange(15), batch), batch]
        assert value == pytest.approx(_naive_mmd2(K[np.ix_(order, order)], 9))


def test_median_bandwidth_is_alibi_detects_heuristic():
    X = np.random.RandomState(0).normal(size=(40, 3))
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1).ravel()
    n = X.shape[0]
    # alibi-detect's sigma_median: the sorted n x n distances, index n + (n² - n) // 2 - 1, sigma = sqrt(d²/2)
    expected = np.sqrt(0.5 * np.sort(d2)[n + (n * n - n) // 2 - 1])
    assert median_bandwidth(X) == pytest.approx(expected)
    assert MMDDriftDetector().fit(X).bandwidth_ == pytest.approx(expected)
    assert median_bandwidth(np.ones((5, 2))) == 1.0  # every row equal: no NaN
    tied = np.r_[np.zeros((8, 2)), np.ones((2, 2))]  # most pairs coincide: the positive distances' median
    assert median_bandwidth(tied) == pytest.approx(1.0)


def test_mmd_level_on_no_drift_splits():
    n_splits = 300
    low, high = _rejection_bounds(n_splits)
    assert low <= _rejections(MMDDriftDetector(random_state=0), n_splits) <= high


def test_mmd_power_on_mean_and_scale_shift():
    rng = np.random.RandomState(1)
    detector = MMDDriftDetector(random_state=0).fit(rng.normal(size=(150, 5)))
    mean_shift = detector.test(rng.normal(size=(150, 5)) + 0.5)
    scale_shift = detector.test(1.6 * rng.normal(size=(150, 5)))
    no_shift = detector.test(rng.normal(size=(150, 5)))
    assert mean_shift.drift and scale_shift.drift and not no_shift.drift
    assert mean_shift.p_value == pytest.approx(1 / 101)  # no permutation reaches the observed statistic
    assert mean_shift.statistic > mean_shift.threshold > no_shift.statistic
    assert mean_shift.n_permutations == 100 and isinstance(mean_shift, DriftResult)


def test_mmd_max_samples_subsamples_both_sides():
    rng = np.random.RandomState(0)
    detector = MMDDriftDetector(max_samples=50, random_state=0).fit(rng.normal(size=(300, 2)))
    assert detector.reference_.shape == (50, 2)
    assert detector.test(rng.normal(size=(400, 2)) + 1.0).drift


# ------------------------------------------------------------------------------------------------ KS
def test_ks_level_on_no_drift_splits():
    n_splits = 300
    low, high = _rejection_bounds(n_splits)
    # independent features and exact KS p-values: Bonferroni is close to its level (1 - (1 - a/d)^d)
    assert low <= _rejections(KSDriftDetector(), n_splits, d=4, seed=1) <= high


def test_ks_finds_the_shifted_feature():
    rng = np.random.RandomState(0)
    detector = KSDriftDetector().fit(rng.normal(size=(300, 6)))
    X = rng.normal(size=(300, 6))
    X[:, 4] += 0.5
    result = detector.test(X)
    assert result.drift and result.drifted_features.tolist() == [j == 4 for j in range(6)]
    assert np.argmin(result.p_values) == 4 and result.statistic == result.statistics[4]
    assert result.p_value == pytest.approx(min(1.0, 6 * result.p_values[4]))
    assert result.threshold is None and result.n_permutations is None


def test_fdr_is_benjamini_hochberg():
    p = np.random.RandomState(0).uniform(size=30) ** 3
    stats = pytest.importorskip("scipy.stats")
    if hasattr(stats, "false_discovery_control"):
        np.testing.assert_allclose(benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"))
    rng = np.random.RandomState(0)
    X_ref, X = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    X[:, :3] += 0.4
    fdr, bonferroni = (KSDriftDetector(correction=c).fit(X_ref).test(X) for c in ("fdr", "bonferroni"))
    assert fdr.p_value <= bonferroni.p_value and fdr.drifted_features.sum() >= bonferroni.drifted_features.sum()


# ------------------------------------------------------------------------------------------------ classifier
def test_classifier_level_on_no_drift_splits():
    n_splits = 100
    low, high = _rejection_bounds(n_splits)
    detector = ClassifierDriftDetector(LogisticRegression(), random_state=0)
    assert low <= _rejections(detector, n_splits, n=80) <= high


@pytest.mark.parametrize("statistic, n_folds", [("auc", None), ("ks", None), ("accuracy", None), ("auc", 3)])
def test_classifier_power_on_mean_shift(statistic, n_folds):
    rng = np.random.RandomState(0)
    detector = ClassifierDriftDetector(LogisticRegression(), statistic=statistic, n_folds=n_folds, random_state=0)
    detector.fit(rng.normal(size=(200, 4)))
    shifted, same = detector.test(rng.normal(size=(200, 4)) + 0.4), detector.test(rng.normal(size=(200, 4)))
    assert shifted.drift and not same.drift
    assert shifted.statistic > same.statistic


def test_default_classifier_sees_a_scale_shift_a_linear_one_cannot():
    rng = np.random.RandomState(0)
    X_ref, X = rng.normal(size=(300, 3)), 2.0 * rng.normal(size=(300, 3))
    assert ClassifierDriftDetector(random_state=0).fit(X_ref).test(X).drift
    assert not ClassifierDriftDetector(LogisticRegression(), random_state=0).fit(X_ref).test(X).drift


# ------------------------------------------------------------------------------------------------ preprocessor
def test_preprocessor_is_fitted_on_rows_left_out_of_the_reference():
    """PCA fitted on the rows it compares overfits their variance: the test then rejects without drift."""
    rng = np.random.RandomState(0)
    held_out = frozen = 0
    for _ in range(20):
        X = rng.normal(size=(300, 60))
        held_out += MMDDriftDetector(preprocessor=PCA(5), random_state=0).fit(X[:200]).test(X[200:]).drift
        on_reference = FrozenEstimator(PCA(5).fit(X[:200]))  # fitted on the very rows compared
        frozen += MMDDriftDetector(preprocessor=on_reference, random_state=0).fit(X[:200]).test(X[200:]).drift
    assert held_out <= 4 and frozen >= 15
    detector = MMDDriftDetector(preprocessor=PCA(5), preprocessor_fit_size=0.25, random_state=0).fit(X[:200])
    assert detector.reference_.shape == (150, 5) and detector.preprocessor_.n_features_in_ == 60
    assert detector.preprocessor is not detector.preprocessor_


def test_autoencoder_preprocessor():
    from sklearn_unsup.decomposition import AutoEncoder

    rng = np.random.RandomState(0)
    ae = AutoEncoder(n_components=3, hidden_dims=(16,), max_epochs=3, random_state=0)
    detector = KSDriftDetector(preprocessor=ae, random_state=0).fit(rng.normal(size=(200, 10)))
    assert detector.reference_.shape == (100, 3)
    assert detector.test(rng.normal(size=(100, 10)) + 3.0).drift


# ------------------------------------------------------------------------------------------------ API, inputs
DETECTORS = [MMDDriftDetector(random_state=0), KSDriftDetector(),
             ClassifierDriftDetector(LogisticRegression(), random_state=0)]


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: type(d).__name__)
def test_reproducible_and_stateless_test(detector):
    rng = np.random.RandomState(0)
    X_ref, X = rng.normal(size=(80, 3)), rng.normal(size=(70, 3)) + 0.2
    a = clone(detector).fit(X_ref)
    b = clone(detector).fit(X_ref)
    first, again, other = a.test(X), a.test(X), b.test(X)
    for r in (again, other):
        assert (r.statistic, r.p_value, r.drift) == (first.statistic, first.p_value, first.drift)
    assert 0.0 < first.p_value <= 1.0


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: type(d).__name__)
def test_bad_input_is_refused_clearly(detector):
    rng = np.random.RandomState(0)
    detector = clone(detector).fit(rng.normal(size=(40, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3 features"):
        detector.test(rng.normal(size=(40, 2)))
    with pytest.raises(ValueError, match="Expected 2D array"):
        detector.test(rng.normal(size=40))
    bad = rng.normal(size=(40, 3))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        detector.test(bad)
    with pytest.raises(ValueError, match="sample"):
        detector.test(rng.normal(size=(1, 3)))
    with pytest.raises(ValueError, match="alpha"):
        clone(detector).set_params(alpha=1.5).fit(rng.normal(size=(40, 3)))


def test_classifier_needs_n_folds_rows_per_sample():
    rng = np.random.RandomState(0)
    detector = ClassifierDriftDetector(LogisticRegression(), n_folds=5)
    with pytest.raises(ValueError, match="at least 5 samples in the reference"):
        detector.fit(rng.normal(size=(4, 2)))
    with pytest.raises(ValueError, match="at least 5 samples in the tested batch"):
        detector.fit(rng.normal(size=(20, 2))).test(rng.normal(size=(3, 2)))


def test_dataframe_feature_names_are_checked():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"])
    detector = KSDriftDetector().fit(X)
    assert list(detector.feature_names_in_) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="feature names"):
        detector.test(X[["c", "b", "a"]])


@pytest.mark.slow
def test_minilm_class_mix_shift_and_no_drift_split():
    """MiniLM sentence embeddings: a batch over-weighting 3 of 20 topics is drift, a random batch is not."""
    X, y = load_shared("cluster/stackoverflow_minilm.npz")
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    reference, rest = order[:1000], order[1000:]
    same = rest[:400]
    topics = rest[np.isin(y[rest], [0, 1, 2])]
    mixed = np.r_[rest[400:680], topics[:120]]  # 30% of the batch from 3 topics (15% expected)
    detector = MMDDriftDetector(preprocessor=PCA(32), random_state=0).fit(X[reference])
    assert not detector.test(X[same]).drift
    assert detector.test(X[mixed]).drift


def test_classifier_folds_are_bonferroni_combined():
    rng = np.random.RandomState(1)
    X_ref, X = rng.normal(size=(150, 3)), rng.normal(size=(150, 3)) + 0.15
    detector = ClassifierDriftDetector(LogisticRegression(), n_folds=3, random_state=0).fit(X_ref)
    result = detector.test(X)
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    pooled, y = np.vstack([X_ref, X]), np.r_[np.zeros(150, int), np.ones(150, int)]
    from scipy.stats import mannwhitneyu
    from sklearn.model_selection import StratifiedKFold

    p_values = []
    for train, held in StratifiedKFold(3, shuffle=True, random_state=seed).split(pooled, y):
        proba = LogisticRegression().fit(pooled[train], y[train]).predict_proba(pooled[held])[:, 1]
        p_values.append(mannwhitneyu(proba[y[held] == 1], proba[y[held] == 0], alternative="greater").pvalue)
    assert result.p_value == pytest.approx(min(1.0, 3 * min(p_values)))
