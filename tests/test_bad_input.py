"""Every public estimator refuses bad input with a clear message naming the problem."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import fit_side_information, make_test_instances, numeric_output

INSTANCES = make_test_instances(all_estimators())
IDS = [type(e).__name__ for e in INSTANCES]


# Transductive estimators (like AgglomerativeClustering): they label their training rows (labels_) and nothing else.
TRANSDUCTIVE = {"VotingClustering",  # with its default members: Ward cannot label new rows
                "GraphDegreeLinkage"}  # agglomerative on a kNN graph: fit_predict only


def _first_predict_method(est):
    for name in ("transform", "predict", "score_samples", "test"):  # test: a drift detector's two-sample test
        if hasattr(est, name):
            return getattr(est, name)
    assert type(est).__name__ in TRANSDUCTIVE, f"{type(est).__name__} has no inference method"
    return None


NEEDS_Y = {"ViMDetector",  # reads a classifier fitted on (X, y); see EXPECTED_FAILED_CHECKS
           "DeepLowDensitySeparation"}  # a classifier: needs labelled rows


def _fit(est, X):
    if type(est).__name__ in NEEDS_Y:
        return est.fit(X, np.arange(len(X)) % 3)
    return est.fit(X, **fit_side_information(est, X))


@pytest.fixture
def X():
    return np.random.RandomState(0).normal(size=(60, 5))


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
@pytest.mark.parametrize("bad, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_refused(est, X, bad, match):
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=match):
        est.fit(X)


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_wrong_feature_count_at_inference(est, X):
    _fit(est, X)
    method = _first_predict_method(est)
    if method is None:  # transductive: no method takes new rows, so none can be given the wrong width
        assert not any(hasattr(est, m) for m in ("transform", "predict", "score_samples"))
        return
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 5 features"):
        method(X[:, :4])


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_empty_input_refused(est):
    with pytest.raises(ValueError, match="0 sample"):
        est.fit(np.empty((0, 5)))


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_one_sample_fits_or_clear_error(est, X):
    try:
        est.fit(X[:1])
    except ValueError as exc:
        assert "sample" in str(exc)
    else:
        assert _first_predict_method(est)(X[:1]).shape[0] == 1


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_constant_columns_do_not_break_fit(est, X):
    X = X.copy()
    X[:, 1] = 7.0
    _fit(est, X)
    method = _first_predict_method(est)
    out = np.asarray(est.labels_) if method is None else numeric_output(method(X))
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_object_strings_refused(est, X):
    Xs = X.astype(object)
    Xs[0, 0] = "abc"
    with pytest.raises(ValueError, match="could not convert string to float"):
        est.fit(Xs)


@pytest.mark.parametrize("est", INSTANCES, ids=IDS)
def test_sparse_refused_clearly(est, X):
    tags = est.__sklearn_tags__()
    if tags.input_tags.sparse:
        est.fit(sp.csr_matrix(X))
        return
    with pytest.raises(TypeError, match="Sparse data was passed .* but dense data is required"):
        est.fit(sp.csr_matrix(X))
