import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_unsup.ood import InvariantsDetector, MahalanobisDetector, ScoreMatchingDetector

SMALL = dict(hidden_dims=(32,), random_state=0)


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    ind, ood = y <= 5, y >= 6
    Xtr, Xte = train_test_split(X[ind], test_size=0.3, stratify=y[ind], random_state=0)
    lab = np.r_[np.ones(len(Xte)), np.zeros(int(ood.sum()))]
    return Xtr, np.r_[Xte, X[ood]], lab


@pytest.fixture(scope="module")
def mahalanobis_auc(split):
    Xtr, Xev, lab = split
    return roc_auc_score(lab, MahalanobisDetector().fit(Xtr).score_samples(Xev))  # ~.84


def test_score_matching_beats_mahalanobis_on_digit_classes(split, mahalanobis_auc):
    Xtr, Xev, lab = split
    est = ScoreMatchingDetector(random_state=0).fit(Xtr)  # default 300 epochs: ~3 s here
    auc = roc_auc_score(lab, est.score_samples(Xev))
    assert auc > mahalanobis_auc + 0.05  # measured .938 vs .840
    assert est.loss_curve_[-1] < 0.8 * est.loss_curve_[0]


def test_score_matching_attributes_and_reproducibility(split):
    Xtr, Xev, _ = split
    a = ScoreMatchingDetector(n_levels=4, max_epochs=5, **SMALL).fit(Xtr)
    b = ScoreMatchingDetector(n_levels=4, max_epochs=5, **SMALL).fit(Xtr)
    np.testing.assert_allclose(a.sigmas_, np.geomspace(1.0, 0.1, 4))
    norms = a.score_norms(Xev[:7])
    assert norms.shape == (7, 4) and (norms > 0).all()
    np.testing.assert_array_equal(a.score_samples(Xev), b.score_samples(Xev))
    # the noise levels are distinct features: a conditional net, not one rescaled score
    assert np.linalg.matrix_rank(np.log(a.score_norms(Xtr)), tol=1e-3) > 1


def test_score_network_learns_the_gaussian_score():
    # For N(0, I) data smoothed by sigma, the true score is -x / (1 + sigma^2).
    X = np.random.RandomState(0).normal(size=(2000, 2))
    est = ScoreMatchingDetector(n_levels=2, sigma_max=1.0, sigma_min=0.5, hidden_dims=(64, 64), max_epochs=60,
                              standardize=False, random_state=0, device="cpu").fit(X)
    x = torch.tensor([[1.0, -0.5], [0.0, 1.5], [-1.0, -1.0]])
    module = est.net_.module_.eval()
    with torch.no_grad():
        s = module.score(x, 0.5).numpy()
    np.testing.assert_allclose(s, -x.numpy() / 1.25, atol=0.25)


def test_invariants_beat_mahalanobis_on_digit_classes(split, mahalanobis_auc):
    Xtr, Xev, lab = split
    est = InvariantsDetector(random_state=0).fit(Xtr)
    auc = roc_auc_score(lab, est.score_samples(Xev))
    assert auc > mahalanobis_auc + 0.04  # measured .911 vs .840
    assert est.invariants(Xev).shape == (len(Xev), est.n_invariants_)


def test_invariants_learn_a_curved_invariant():
    # x2 = (x1 / 3)^2: PCA's minor direction is x2, which no affine map of x1 predicts.
    rng = np.random.RandomState(0)
    t = rng.uniform(-1, 1, size=1000)
    X = np.c_[3 * t, t**2 + 0.02 * rng.normal(size=1000)]
    off = np.c_[3 * t[:100], t[:100] ** 2 + 0.3]  # same range, off the parabola
    on = np.c_[3 * t[100:200], t[100:200] ** 2]
    kw = dict(knn_weight=0, standardize=False, random_state=0)
    affine = InvariantsDetector(lr=1e-12, max_epochs=1, **kw).fit(X)
    learned = InvariantsDetector(lr=1e-3, max_epochs=60, hidden_dims=(64, 64), **kw).fit(X)
    lab = np.r_[np.ones(100), np.zeros(100)]
    auc_affine = roc_auc_score(lab, affine.score_samples(np.r_[on, off]))
    auc_learned = roc_auc_score(lab, learned.score_samples(np.r_[on, off]))
    assert auc_learned > 0.95 and auc_learned > auc_affine + 0.1
    # the learned invariant is nearly constant on the data: far smaller than the minor component's spread
    assert learned.invariant_scale_[0] < 0.1 * affine.invariant_scale_[0]


def test_invariants_reproducible_and_bad_input(split):
    Xtr, Xev, _ = split
    a = InvariantsDetector(max_epochs=2, **SMALL).fit(Xtr)
    b = InvariantsDetector(max_epochs=2, **SMALL).fit(Xtr)
    np.testing.assert_array_equal(a.score_samples(Xev), b.score_samples(Xev))
    assert 1 <= a.n_invariants_ < Xtr.shape[1]
    with pytest.raises(ValueError, match="n_features=1"):
        InvariantsDetector().fit(np.random.rand(20, 1))
    with pytest.raises(ValueError, match="n_neighbors=5 must be < n_samples=5"):
        InvariantsDetector(n_neighbors=5).fit(np.random.rand(5, 3))
    no_knn = InvariantsDetector(knn_weight=0, max_epochs=1, **SMALL).fit(Xtr)
    assert no_knn.knn_scale_ is None and np.isfinite(no_knn.score_samples(Xev)).all()


def test_predict_flags_the_contamination_share_of_training_rows(split):
    Xtr, _, _ = split
    for est in (InvariantsDetector(max_epochs=1, contamination=0.1, **SMALL),
                ScoreMatchingDetector(max_epochs=2, contamination=0.1, **SMALL)):
        share = np.mean(est.fit(Xtr).predict(Xtr) == -1)
        assert abs(share - 0.1) < 0.01
