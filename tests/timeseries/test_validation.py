import numpy as np
import pytest

from sklearn_unsup.timeseries import make_windows
from sklearn_unsup.timeseries._validation import series_lengths


def test_make_windows_univariate_and_multivariate():
    w = make_windows(np.arange(10.0), width=4, stride=3)
    np.testing.assert_array_equal(w, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    series = np.arange(30.0).reshape(3, 10)  # 3 channels, 10 steps
    w = make_windows(series, width=5, stride=2)
    assert w.shape == (3, 3, 5) and w.flags.c_contiguous
    np.testing.assert_array_equal(w[1], series[:, 2:7])
    w[0, 0, 0] = -1.0  # a copy, not a view
    assert series[0, 0] == 0.0
    assert make_windows(np.arange(10), width=10).shape == (1, 10)  # integers: float64 windows
    assert make_windows(np.arange(10.0, dtype=np.float32), width=3).dtype == np.float32


def test_make_windows_errors():
    with pytest.raises(ValueError, match="width=11 is longer than the series"):
        make_windows(np.arange(10.0), width=11)
    with pytest.raises(ValueError, match="got 3 dimensions"):
        make_windows(np.zeros((2, 3, 4)), width=2)
    with pytest.raises(ValueError, match="stride"):
        make_windows(np.arange(10.0), width=2, stride=0)


def test_series_lengths_read_trailing_all_nan_steps_as_padding():
    X = np.ones((3, 2, 5))
    X[1, :, 3:] = np.nan  # padded after 3 steps
    X[2, 0, 4] = np.nan  # one channel missing at the end: not padding
    X[2, 1, 1] = np.nan
    np.testing.assert_array_equal(series_lengths(X), [5, 3, 5])
