"""Label-free criteria for outlier detectors: Excess-Mass / Mass-Volume curves and consensus."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.model_selection import GridSearchCV

from sklearn_unsup.metrics import (
    excess_mass_auc,
    make_consensus_scorer,
    make_outlier_curve_scorer,
    mass_volume_auc,
    mass_volume_scorer,
)


class RadialScore(OutlierMixin, BaseEstimator):
    """score = -sign * |x|^2: sign=1 is the Gaussian density's order, sign=-1 its inverse."""

    def __init__(self, sign=1.0):
        self.sign = sign

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def score_samples(self, X):
        return -self.sign * (np.asarray(X) ** 2).sum(axis=1)


@pytest.fixture
def gaussian():
    return np.random.RandomState(0).normal(size=(2000, 2))


def test_mass_volume_of_uniform_score_is_the_volume_share():
    # a constant score: every level set is the whole box, MV(alpha) = volume for every alpha
    score_X, score_u = np.zeros(100), np.zeros(1000)
    assert mass_volume_auc(score_X, score_u, 4.0, alpha_min=0.9, alpha_max=1.0) == pytest.approx(0.4)


def test_mass_volume_matches_the_disk_area(gaussian):
    # the level set of mass alpha of -|x|^2 for N(0, I_2) is a disk of area -2 pi log(1 - alpha)
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200_000, 2))
    box = rng.uniform(-6, 6, size=(400_000, 2))
    alpha = np.linspace(0.9, 0.99, 50)
    exact = np.trapezoid(-2 * np.pi * np.log(1 - alpha), alpha)
    estimate = mass_volume_auc(-(X**2).sum(1), -(box**2).sum(1), 144.0, alpha_min=0.9, alpha_max=0.99)
    assert estimate == pytest.approx(exact, rel=0.03)


def test_excess_mass_starts_at_one_and_is_positive():
    # all data in a small corner of the box: EM falls slowly, a large area
    rng = np.random.RandomState(0)
    score_X = rng.uniform(0.9, 1.0, 500)
    concentrated = excess_mass_auc(score_X, np.r_[rng.uniform(0.9, 1.0, 100), np.zeros(9900)], 1.0)
    spread = excess_mass_auc(score_X, rng.uniform(0.9, 1.0, 10_000), 1.0)
    assert concentrated > spread > 0


@pytest.mark.parametrize("criterion", ["mass_volume", "excess_mass"])
def test_curves_prefer_the_density_order(gaussian, criterion):
    scorer = make_outlier_curve_scorer(criterion, n_uniform=5000)
    good = scorer(RadialScore(1.0).fit(gaussian), gaussian)
    bad = scorer(RadialScore(-1.0).fit(gaussian), gaussian)
    assert good > bad


def test_high_dimension_uses_subspaces_and_is_reproducible():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 8))
    scorer = make_outlier_curve_scorer(n_draws=3, n_uniform=1000, random_state=3)
    a = scorer(RadialScore(1.0), X)  # unfitted: clones are fitted on subspaces
    assert a == scorer(RadialScore(1.0), X)
    assert a > scorer(RadialScore(-1.0), X)


def test_curve_scorer_in_grid_search(gaussian):
    search = GridSearchCV(RadialScore(), {"sign": [-1.0, 1.0]}, scoring=mass_volume_scorer, cv=2)
    search.fit(gaussian)
    assert search.best_params_ == {"sign": 1.0}


def test_curve_scorer_refuses_scoreless_estimator(gaussian):
    from sklearn.neighbors import LocalOutlierFactor

    with pytest.raises(TypeError, match="novelty=True"):
        mass_volume_scorer(LocalOutlierFactor().fit(gaussian), gaussian)


def test_consensus_scorer_ranks_inverse_last(gaussian):
    scorer = make_consensus_scorer()
    assert scorer(RadialScore(1.0).fit(gaussian), gaussian) > 0.8
    assert scorer(RadialScore(-1.0).fit(gaussian), gaussian) < -0.8
    assert scorer(IsolationForest(random_state=0).fit(gaussian), gaussian) > 0.8
