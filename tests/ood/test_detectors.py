import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_unsup.metrics import fpr_at_tpr
from sklearn_unsup.ood import KNNDetector, MahalanobisDetector


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    ind, ood = y <= 5, y >= 6
    Xtr, Xte, ytr, _ = train_test_split(X[ind], y[ind], test_size=0.3, stratify=y[ind], random_state=0)
    lab = np.r_[np.ones(len(Xte)), np.zeros(int(ood.sum()))]
    return Xtr, ytr, np.r_[Xte, X[ood]], lab


def _auroc(est, split, use_y):
    Xtr, ytr, Xev, lab = split
    est = est.fit(Xtr, ytr) if use_y else est.fit(Xtr)
    s = est.score_samples(Xev)
    return roc_auc_score(lab, s), fpr_at_tpr(lab, s)


def test_knn_detector_on_digit_classes(split):
    auc, fpr = _auroc(KNNDetector(50), split, False)
    assert auc > 0.8 and fpr < 0.8  # chance: .5 / .95


def test_relative_mahalanobis_beats_plain_and_one_class(split):
    rel, _ = _auroc(MahalanobisDetector(relative=True), split, True)
    plain, _ = _auroc(MahalanobisDetector(), split, True)
    one, _ = _auroc(MahalanobisDetector(), split, False)
    assert rel > plain > one - 0.02
    assert rel > 0.9


def test_knn_matches_brute_force_definition():
    rng = np.random.RandomState(0)
    Xtr, Xte = rng.normal(size=(200, 5)), rng.normal(size=(20, 5))
    s = KNNDetector(7).fit(Xtr).score_samples(Xte)
    n = lambda A: A / np.linalg.norm(A, axis=1, keepdims=True)  # noqa: E731
    D = np.linalg.norm(n(Xte)[:, None] - n(Xtr)[None], axis=-1)
    np.testing.assert_allclose(s, -np.sort(D, axis=1)[:, 6], rtol=1e-4, atol=1e-5)


def test_mahalanobis_matches_definition():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3)) @ rng.normal(size=(3, 3))
    y = rng.randint(0, 3, 300)
    X += y[:, None] * 2.0
    sc = MahalanobisDetector(reg_covar=0).fit(X, y)
    means = np.stack([X[y == c].mean(0) for c in range(3)])
    cov = np.cov((X - means[y]).T, bias=True)
    P = np.linalg.inv(cov)
    d = np.stack([np.einsum("nd,de,ne->n", X - m, P, X - m) for m in means], axis=1)
    np.testing.assert_allclose(sc.score_samples(X), -d.min(1), rtol=1e-8)


def test_bad_input():
    # more neighbors than rows: clipped with a warning, as LocalOutlierFactor
    with pytest.warns(UserWarning, match="n_neighbors=10 is more than the 5 rows") as record:
        detector = KNNDetector(10).fit(np.random.rand(5, 2))
    assert detector.n_neighbors_ == 5 and np.isfinite(detector.score_samples(np.random.rand(3, 2))).all()
    assert record[0].filename == __file__  # the warning points at the caller, not into the package
    with pytest.raises(ValueError, match="Unknown label type"):
        MahalanobisDetector().fit(np.random.rand(10, 2), np.random.rand(10))
