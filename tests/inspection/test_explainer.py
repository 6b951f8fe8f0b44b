"""OutlierExplainer / explain_outliers: the perturbed feature comes first, for every method and wrapper."""

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.inspection import OutlierExplainer, explain_outliers
from sklearn_unsup.inspection._tail import tail_scores
from sklearn_unsup.outlier import AutoEncoderOutlierDetector, RejectionOutlierDetector, VAEOutlierDetector


def _data(n=400, d=6, seed=0):
    """Correlated features (a 2-d latent factor, so the autoencoders have structure to learn), mixed scales."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, d)) + 0.3 * rng.normal(size=(n, d))
    return X * np.arange(1, d + 1)  # feature j in units j times larger: explanations must not follow the scale


def _perturbed(X, n_rows=40, seed=1):
    """Copies of normal rows with one known feature pushed one IQR beyond the training range."""
    rng = np.random.RandomState(seed)
    rows = X[rng.choice(len(X), n_rows, replace=False)].copy()
    j = rng.randint(X.shape[1], size=n_rows)
    q1, q3 = np.percentile(X, [25, 75], axis=0)
    up = rng.rand(n_rows) < 0.5
    rows[np.arange(n_rows), j] = np.where(up, X.max(0)[j] + (q3 - q1)[j], X.min(0)[j] - (q3 - q1)[j])
    return rows, j


DETECTORS = {
    "diffi": lambda: IsolationForest(random_state=0),
    "tail": lambda: LocalOutlierFactor(novelty=True),
    "reconstruction-ae": lambda: AutoEncoderOutlierDetector(max_epochs=30, random_state=0),
    "reconstruction-vae": lambda: VAEOutlierDetector(max_epochs=30, random_state=0),
}


@pytest.mark.parametrize("name", list(DETECTORS))
def test_top_feature_is_the_perturbed_one(name):
    X = _data()
    rows, j = _perturbed(X)
    explainer = OutlierExplainer(DETECTORS[name]()).fit(X)
    assert explainer.method_ == name.split("-")[0]
    contributions = explainer.explain(rows)
    assert contributions.shape == rows.shape
    assert np.all(np.isfinite(contributions)) and np.all(contributions >= 0)
    assert np.mean(contributions.argmax(axis=1) == j) >= 0.8
    assert np.array_equal(contributions, explainer.transform(rows))


def test_reconstruction_errors_average_to_the_detectors_score():
    X = _data()
    det = AutoEncoderOutlierDetector(max_epochs=5, random_state=0).fit(X)
    contributions = explain_outliers(det, X[:20])
    np.testing.assert_allclose(contributions.mean(axis=1), -det.score_samples(X[:20]), rtol=1e-4, atol=1e-6)


def test_reconstruction_of_projected_wide_data_is_in_the_input_columns():
    X = np.random.RandomState(0).normal(size=(30, 50))  # fewer rows than features: the detector projects
    det = AutoEncoderOutlierDetector(max_epochs=2, random_state=0).fit(X)
    assert det.pca_ is not None
    contributions = explain_outliers(det, X[:5])
    assert contributions.shape == (5, 50) and np.all(np.isfinite(contributions))


def test_tail_scores_by_hand():
    ref = np.array([[1.0], [2.0], [3.0], [4.0]])
    got = tail_scores(ref, np.array([[0.0], [2.5], [4.0], [9.0]]))[:, 0]
    # beyond the range: no training value in the tail, P = 1/5; 2.5: two values on each side, P = 3/5;
    # 4.0: one value at least as large, P = 2/5
    np.testing.assert_allclose(got, np.log([5, 5 / 3, 5 / 2, 5]))


def test_dataframe_in_dataframe_out():
    X = pd.DataFrame(_data(d=4), columns=["a", "b", "c", "d"])
    det = IsolationForest(random_state=0).fit(X)
    rows = X.iloc[[3, 7]].copy()
    rows["c"] = 1e3
    out = explain_outliers(det, rows)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["a", "b", "c", "d"] and list(out.index) == [3, 7]
    assert (out.idxmax(axis=1) == "c").all()
    tail = explain_outliers(det, rows, method="tail", X_train=X)
    assert (tail.idxmax(axis=1) == "c").all()


def test_pipeline_is_explained_in_its_last_steps_input_space():
    X = _data()
    rows, j = _perturbed(X)
    scaled = OutlierExplainer(make_pipeline(StandardScaler(), IsolationForest(random_state=0))).fit(X)
    assert scaled.method_ == "diffi"
    assert list(scaled.get_feature_names_out()) == [f"x{k}" for k in range(6)]
    assert np.mean(scaled.explain(rows).argmax(axis=1) == j) >= 0.8
    projected = OutlierExplainer(make_pipeline(PCA(3), IsolationForest(random_state=0))).fit(X)
    assert projected.explain(rows).shape == (40, 3)
    assert list(projected.get_feature_names_out()) == ["pca0", "pca1", "pca2"]
    assert projected.quantiles_.shape == (5, 3)


def test_frozen_and_wrapped_detectors():
    X = _data()
    rows, j = _perturbed(X)
    forest = IsolationForest(random_state=0).fit(X)
    trees = forest.estimators_
    frozen = OutlierExplainer(FrozenEstimator(forest)).fit(X[:100])  # only the reference rows change
    assert frozen.detector_.estimator is forest and forest.estimators_ is trees
    np.testing.assert_array_equal(frozen.explain(rows), explain_outliers(forest, rows))
    wrapped = OutlierExplainer(RejectionOutlierDetector(IsolationForest(random_state=0))).fit(X)
    assert wrapped.method_ == "diffi"
    assert np.mean(wrapped.explain(rows).argmax(axis=1) == j) >= 0.8


def test_bad_input():
    X = _data(d=3)
    forest = IsolationForest(n_estimators=10, random_state=0).fit(X)
    with pytest.raises(ValueError, match="'reconstruction' needs"):
        OutlierExplainer(IsolationForest(n_estimators=10), method="reconstruction").fit(X)
    with pytest.raises(ValueError, match="'diffi' an IsolationForest"):
        OutlierExplainer(LocalOutlierFactor(novelty=True), method="diffi").fit(X)
    with pytest.raises(ValueError, match="pass X_train"):
        explain_outliers(forest, X, method="tail")
    with pytest.raises(ValueError, match="pass X_train"):
        explain_outliers(LocalOutlierFactor(novelty=True).fit(X), X)
    with pytest.raises(NotFittedError):
        explain_outliers(IsolationForest(), X)
    with pytest.raises(ValueError, match="quantiles must be increasing"):
        OutlierExplainer(quantiles=(0.9, 0.1)).fit(X)
    with pytest.raises(ValueError, match="expecting 3 features"):
        explain_outliers(forest, X[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        explain_outliers(forest, np.where(X > 1, np.nan, X))
