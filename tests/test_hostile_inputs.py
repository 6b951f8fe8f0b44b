"""Hostile but valid numbers, over every public estimator: a clear error or a finite, sensible answer.

Never NaN for finite input, never a raw torch/numpy traceback, and an outlier
detector never calls an extreme row an inlier. A new estimator inherits these
tests through ``all_estimators()``.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_unsup.exceptions import TrainingDivergedError
from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import fit_side_information, make_test_instances, numeric_output

INSTANCES = make_test_instances(all_estimators())
IDS = [type(e).__name__ for e in INSTANCES]
NEEDS_Y = {"ViMDetector",  # reads a classifier fitted on (X, y); see EXPECTED_FAILED_CHECKS
           "DeepLowDensitySeparation"}  # a classifier: needs labelled rows
# Detectors for which a far-away row is not abnormal by construction: the classifier-output detectors read
# confidence (a linear classifier is most confident far from the data: MSP's known blind spot), KNNDetector
# L2-normalizes rows (a scaled row has its row's direction), and the meta-detector defers to IsolationForest.
SCALE_BLIND = {"EnergyDetector", "MSPDetector", "MaxLogitDetector", "ViMDetector", "KNNDetector",
               "RejectionOutlierDetector"}
INFERENCE = ("transform", "predict", "predict_proba", "score_samples", "decision_function", "test")


def _fit(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if type(est).__name__ in NEEDS_Y:
            return est.fit(X, np.arange(len(X)) % 3)
        return est.fit(X, **fit_side_information(est, X))


def _outputs(est, X):
    """Every inference method's output on X (methods that refuse X raise)."""
    return {name: numeric_output(getattr(est, name)(X)) for name in INFERENCE if hasattr(est, name)}


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).normal(size=(60, 5))


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
@pytest.mark.parametrize("scale", [1e30, 1e39])
def test_huge_finite_rows_at_inference(est, X, scale):
    est = _fit(clone(est), X)
    X_new = np.vstack([X[:3], X[:2] * scale])
    try:
        outputs = _outputs(est, X_new)
    except ValueError as exc:
        assert "float32" in str(exc) or "range" in str(exc) or type(est).__name__ in SCALE_BLIND, str(exc)
        return
    for name, out in outputs.items():
        assert np.all(np.isfinite(np.asarray(out, dtype=np.float64))), f"{name} gave non-finite output"
    if "decision_function" in outputs and type(est).__name__ not in SCALE_BLIND:
        # an extreme row scores at least as abnormal as the training rows' fence
        assert np.all(outputs["predict"][3:] == -1), outputs["decision_function"]


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_huge_finite_value_at_fit(est, X):
    X_bad = X.copy()
    X_bad[0, 0] = 1e39
    try:
        est = _fit(clone(est), X_bad)
    except (ValueError, TrainingDivergedError) as exc:
        assert "float32" in str(exc) or "diverged" in str(exc).lower() or "range" in str(exc), str(exc)
        return
    for name, out in _outputs(est, X).items():
        assert np.all(np.isfinite(np.asarray(out, dtype=np.float64))), f"{name} gave non-finite output"


BATCHED = [e for e in INSTANCES if "batch_size" in e.get_params()]


@pytest.mark.parametrize("est", BATCHED, ids=[type(e).__name__ for e in BATCHED])
def test_batch_size_one_works_or_names_batch_size(est, X):
    est = clone(est).set_params(batch_size=1)
    if "max_epochs" in est.get_params() and est.get_params()["max_epochs"] != "auto":
        est.set_params(max_epochs=1)
    try:
        est = _fit(est, X[:20])
    except ValueError as exc:
        assert "batch_size" in str(exc), str(exc)
        return
    for name, out in _outputs(est, X[:5]).items():
        assert np.all(np.isfinite(np.asarray(out, dtype=np.float64))), f"{name} gave non-finite output"


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_constant_and_duplicate_rows(est, X):
    X_const = np.ones((30, 5))
    X_const[:, 1] = np.repeat(np.arange(3.0), 10)  # duplicate rows, two zero-variance columns
    try:
        est = _fit(clone(est), X_const)
    except (ValueError, TrainingDivergedError) as exc:
        assert str(exc)
        return
    for name, out in _outputs(est, X_const[:5]).items():
        assert np.all(np.isfinite(np.asarray(out, dtype=np.float64))), f"{name} gave non-finite output"
