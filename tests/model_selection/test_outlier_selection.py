import numpy as np
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor

from sklearn_unsup.model_selection import select_outlier_detector

from ..metrics.test_outlier_criteria import RadialScore


@pytest.fixture
def gaussian():
    return np.random.RandomState(0).normal(size=(1500, 2))


@pytest.mark.parametrize("criterion", ["mass_volume", "excess_mass", "consensus"])
def test_select_puts_the_inverse_score_last(gaussian, criterion):
    candidates = [("density", RadialScore(1.0)), ("forest", IsolationForest(random_state=0)),
                  ("lof", LocalOutlierFactor(novelty=True)), ("inverse", RadialScore(-1.0))]
    result = select_outlier_detector(candidates, gaussian, criterion=criterion, scorer_params={"n_uniform": 3000})
    assert result.ranking[-1] == "inverse"
    assert set(result.scores) == {name for name, _ in candidates}
    assert result.best_name == result.ranking[0]
    result.best_estimator.score_samples(gaussian[:3])  # fitted


def test_select_high_dimension_refits_only_the_best():
    X = np.random.RandomState(0).normal(size=(300, 6))
    result = select_outlier_detector([IsolationForest(random_state=0), RadialScore(-1.0)], X,
                                     scorer_params={"n_draws": 2, "n_uniform": 500})
    assert result.ranking == ["IsolationForest_0", "RadialScore_1"]
    assert hasattr(result.best_estimator, "estimators_")


def test_select_refuses_bad_candidates(gaussian):
    with pytest.raises(ValueError, match="at least 2"):
        select_outlier_detector([IsolationForest()], gaussian)
    with pytest.raises(ValueError, match="unique"):
        select_outlier_detector([("a", IsolationForest()), ("a", RadialScore())], gaussian)
