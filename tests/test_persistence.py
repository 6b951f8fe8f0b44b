"""Pickles record the versions they were made with; loading under other versions warns (as scikit-learn)."""

import pickle
import warnings

import numpy as np
import pytest

import sklearn_unsup.base as base
from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.exceptions import InconsistentVersionWarning
from sklearn_unsup.ood import KNNDetector
from sklearn_unsup.utils import all_estimators


def test_every_estimator_uses_the_versioned_base():
    for name, cls in all_estimators():
        assert issubclass(cls, base.BaseEstimator), name


@pytest.mark.parametrize("make", [lambda: KNNDetector(3), lambda: AutoEncoder(max_epochs=1, random_state=0)],
                         ids=["torch-free", "torch"])
def test_loading_under_another_version_warns(make, monkeypatch):
    X = np.random.RandomState(0).rand(30, 3)
    data = pickle.dumps(make().fit(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same versions: silent
        pickle.loads(data)
    state = pickle.loads(data).__getstate__()
    assert state["_sklearn_unsup_version"] == base._versions()[0]
    monkeypatch.setattr(base, "_versions", lambda: ("9.9.9", "0.0.1"))
    with pytest.warns(InconsistentVersionWarning, match="while sklearn_unsup 9.9.9 is installed"):
        loaded = pickle.loads(data)
    np.testing.assert_allclose(loaded.score_samples(X) if hasattr(loaded, "score_samples") else loaded.transform(X),
                               pickle.loads(data).score_samples(X) if hasattr(loaded, "score_samples")
                               else pickle.loads(data).transform(X))
