"""The shared bases: outlier conventions and the torch data path."""

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator

from sklearn_unsup._nn import TensorBatchIterator, TensorDataset, as_float32_tensor
from sklearn_unsup.base import OutlierDetectorMixin
from sklearn_unsup.utils._sklearn_compat import check_is_fitted, validate_data


class _CentroidDistanceDetector(OutlierDetectorMixin, BaseEstimator):
    """Minimal detector: normality = minus distance to the training mean."""

    _parameter_constraints = dict(OutlierDetectorMixin._parameter_constraints)

    def __init__(self, contamination="auto"):
        self.contamination = contamination

    def fit(self, X, y=None):
        X = validate_data(self, X)
        self.center_ = X.mean(axis=0)
        return self._set_offset(self.score_samples(X))

    def score_samples(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return -np.linalg.norm(X - self.center_, axis=1)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    inliers = rng.normal(size=(200, 3))
    outliers = rng.uniform(8, 10, size=(10, 3))
    return np.vstack([inliers, outliers])


def test_outlier_conventions_sklearn_not_pyod(data):
    det = _CentroidDistanceDetector(contamination=0.05).fit(data)
    scores = det.score_samples(data)
    assert scores[-10:].max() < scores[:200].min()  # higher = more normal
    np.testing.assert_allclose(det.decision_function(data), scores - det.offset_)
    pred = det.predict(data)
    assert set(np.unique(pred)) == {-1, 1}
    assert np.all(pred[-10:] == -1)
    assert abs(np.mean(pred == -1) - 0.05) <= 1 / len(data)
    np.testing.assert_array_equal(det.fit_predict(data), pred)


def test_auto_contamination_uses_lower_tukey_fence(data):
    det = _CentroidDistanceDetector().fit(data)
    s = det.score_samples(data)
    q1, q3 = np.percentile(s, [25, 75])
    assert det.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1))
    assert np.all(det.predict(data)[-10:] == -1)
    assert np.mean(det.predict(data[:200]) == 1) > 0.95


def test_contamination_validated_raises(data):
    from sklearn.utils._param_validation import InvalidParameterError

    for bad in (0.0, 0.6, "lots"):
        with pytest.raises(InvalidParameterError, match="contamination"):
            _CentroidDistanceDetector(contamination=bad)._validate_params()


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_iterator_covers_rows_once(shuffle, drop_last):
    X = torch.arange(23, dtype=torch.float32).reshape(-1, 1)
    it = TensorBatchIterator(TensorDataset(X), batch_size=5, shuffle=shuffle, seed=1, drop_last=drop_last)
    seen = torch.cat([xb for xb, yb in it]).flatten()
    assert len(it) == (4 if drop_last else 5)
    assert len(seen) == (20 if drop_last else 23)
    assert len(torch.unique(seen)) == len(seen)
    if shuffle:
        again = torch.cat([xb for xb, _ in it]).flatten()
        assert not torch.equal(seen, again)  # a new order every epoch
    else:
        assert torch.equal(seen, X.flatten()[: len(seen)])


def test_batch_iterator_is_reproducible_and_private():
    X = torch.arange(50, dtype=torch.float32).reshape(-1, 1)
    state = torch.get_rng_state()
    a = [xb for xb, _ in TensorBatchIterator(TensorDataset(X), 7, shuffle=True, seed=3)]
    b = [xb for xb, _ in TensorBatchIterator(TensorDataset(X), 7, shuffle=True, seed=3)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert torch.equal(state, torch.get_rng_state())


def test_as_float32_tensor_shares_memory_when_possible():
    X = np.ones((4, 3), dtype=np.float32)
    t = as_float32_tensor(X)
    assert t.data_ptr() == X.__array_interface__["data"][0]
    ro = np.ones((4, 3))
    ro.setflags(write=False)
    assert as_float32_tensor(ro).dtype == torch.float32
