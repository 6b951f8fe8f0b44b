"""The input convention of the time-series estimators, and cutting one long series into windows.

A collection of series is a 3-d array ``(n_series, n_channels, n_timepoints)``
(sktime/aeon's "numpy3D"), or a 2-d array ``(n_series, n_timepoints)`` read as
univariate series (one channel). Series of different lengths are padded with
NaN at the end to a common length: the trailing time steps where every channel
is NaN are padding, masked by the estimators (never filled in silently). Any
other NaN is a missing value.
"""

import numpy as np
from sklearn.utils import check_array

from ..utils._sklearn_compat import Integral, Interval, check_is_fitted, validate_params
from ..utils._sklearn_compat import validate_data as _validate_data
from ..utils._validation import FLOAT32_MAX

__all__ = ["SeriesInputMixin", "check_series", "input_ndim", "make_windows", "series_lengths"]


def input_ndim(X):
    """Number of dimensions of array-like X (sparse matrices and DataFrames: 2)."""
    if hasattr(X, "iloc") or hasattr(X, "tocsr"):
        return 2
    shape = getattr(X, "shape", None)
    return len(shape) if shape is not None else np.asarray(X).ndim


def series_lengths(X):
    """Length of each series of a 3-d array: one past its last time step with an observed (non-NaN) value."""
    stepped = ~np.isnan(X).all(axis=1)  # (n_series, n_timepoints)
    last = X.shape[2] - np.argmax(stepped[:, ::-1], axis=1)
    return np.where(stepped.any(axis=1), last, 0)


def _refuse_missing(X, lengths, name):
    inside = np.arange(X.shape[2]) < lengths[:, None, None]
    bad = np.isnan(X) & inside
    if bad.any():
        i, c, t = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"X contains NaN inside a series (series {i}, channel {c}, time step {t}). {name} reads NaN only as "
            "end padding of shorter series (every channel NaN from some step on); fill missing values first "
            "(e.g. with TSTEncoder.impute)."
        )


def _check_shape(estimator, X3):
    if X3.shape[1:] != (estimator.n_channels_, estimator.n_timepoints_):
        raise ValueError(
            f"X has series of {X3.shape[1]} channels and {X3.shape[2]} time steps, but {type(estimator).__name__} "
            f"was fitted on {estimator.n_channels_} channels and {estimator.n_timepoints_} time steps (pad shorter "
            "series with NaN)."
        )


def check_series(estimator, X, *, reset, allow_missing=False):
    """Validate a collection of series; return it as a 3-d float array and the series' lengths.

    2-d input is read as univariate series. ``n_features_in_`` (and
    ``feature_names_in_`` for a 2-d DataFrame) are those of the flattened
    series, ``n_channels * n_timepoints``; with ``reset`` the estimator's
    ``n_channels_`` and ``n_timepoints_`` are set, otherwise the input must
    match them. Infinite values, values beyond float32's range, series without
    any observed value and (unless ``allow_missing``) NaN before a series' end
    are refused with a message naming the problem.
    """
    name = type(estimator).__name__
    kwargs = dict(dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
    ndim = input_ndim(X)
    if ndim == 3:
        X3 = check_array(X, allow_nd=True, **kwargs)
        if not reset:
            _check_shape(estimator, X3)
        _validate_data(estimator, X3.reshape(len(X3), -1), reset=reset, **kwargs)
    elif ndim > 3:
        raise ValueError(
            f"{name} expects a 2-d (n_series, n_timepoints) or 3-d (n_series, n_channels, n_timepoints) "
            f"array; got {ndim} dimensions."
        )
    else:
        if not reset and getattr(estimator, "n_channels_", 1) != 1:
            raise ValueError(
                f"X is 2-d (univariate series), but {name} was fitted on series of {estimator.n_channels_} channels: "
                "pass a 3-d (n_series, n_channels, n_timepoints) array."
            )
        X3 = _validate_data(estimator, X, reset=reset, **kwargs)[:, None, :]
    if reset:
        estimator.n_channels_, estimator.n_timepoints_ = int(X3.shape[1]), int(X3.shape[2])
    else:
        _check_shape(estimator, X3)
    if X3.dtype == np.float64 and X3.size and np.nanmax(np.abs(X3), initial=0.0) > FLOAT32_MAX:
        raise ValueError(
            f"{name} computes in float32, whose range is +-{FLOAT32_MAX:.4g}; X contains finite values that would "
            "overflow to inf. Rescale the input first."
        )
    lengths = series_lengths(X3)
    if (lengths == 0).any():
        raise ValueError(f"Series {int(np.argmin(lengths))} of X has no observed value (all NaN).")
    if not allow_missing:
        _refuse_missing(X3, lengths, name)
    return X3, lengths


class SeriesInputMixin:
    """Input handling of the time-series encoders (mixin, placed before TransformerMixin and the torch bases).

    Validation by :func:`check_series` (NaN inside a series refused), per-channel
    standardisation with the training series' statistics (``channel_mean_``,
    ``channel_scale_``), training rows in standardised float32, and the 3-d
    input tag. ``_overflow_reason`` says why standardised values beyond
    ``_MAX_STANDARDIZED`` are refused.
    """

    #: Largest |standardised value| accepted (beyond it float32 computations of the network may overflow).
    _MAX_STANDARDIZED = 1e6
    _overflow_reason = "the network's float32 computations would overflow"

    def _validate_fit_data(self, X):
        return check_series(self, X, reset=True)[0]

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        return check_series(self, X, reset=False)[0]

    def _training_rows(self, X):
        return self._standardize(X)

    def _record_effective_rank(self, rows):
        """Set ``effective_rank_``: :func:`effective_rank` of the codes (``_codes``) of standardised rows."""
        from ._rank import effective_rank

        self.effective_rank_ = effective_rank(self._codes(rows))

    def _after_partial_fit(self, X):
        self._record_effective_rank(X)

    def _fit_channel_scaling(self, X):
        """Set ``channel_mean_`` and ``channel_scale_`` (1 for a constant channel) from validated 3-d X."""
        mean = np.nanmean(X, axis=(0, 2), dtype=np.float64)
        scale = np.nanstd(X, axis=(0, 2), dtype=np.float64)
        self.channel_mean_ = mean
        self.channel_scale_ = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)

    def _standardize(self, X):
        Xs = (X - self.channel_mean_[:, None]) / self.channel_scale_[:, None]
        if Xs.size and np.nanmax(np.abs(Xs), initial=0.0) > self._MAX_STANDARDIZED:
            raise ValueError(
                f"X holds values more than {self._MAX_STANDARDIZED:.0e} standard deviations from their channel's "
                f"training mean: {self._overflow_reason}. Rescale or clip X."
            )
        return Xs.astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@validate_params(
    {
        "series": ["array-like"],
        "width": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(series, width, stride=1):
    """Cut one long series into fixed-length windows, the input of the time-series encoders.

    Parameters
    ----------
    series : array-like of shape (n_timepoints,) or (n_channels, n_timepoints)
        One series: univariate, or multivariate with channels first (the
        layout of one row of a 3-d collection). A table with one row per time
        step is ``table.T``.
    width : int
        Time steps per window.
    stride : int, default=1
        Steps between the starts of two consecutive windows; ``stride=width``
        gives non-overlapping windows. Steps after the last full window are
        left out.

    Returns
    -------
    windows : ndarray of shape (n_windows, width) or (n_windows, n_channels, width)
        ``n_windows = 1 + (n_timepoints - width) // stride``; window ``i``
        starts at step ``i * stride``. 2-d for a univariate series, 3-d for
        a multivariate one; a copy, in the input's float dtype (float64 for
        other dtypes).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.timeseries import make_windows
    >>> make_windows(np.arange(10.0), width=4, stride=3)
    array([[0., 1., 2., 3.],
           [3., 4., 5., 6.],
           [6., 7., 8., 9.]])
    >>> make_windows(np.zeros((3, 100)), width=20, stride=10).shape
    (9, 3, 20)
    """
    arr = np.asarray(series)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"series must be 1-d (n_timepoints,) or 2-d (n_channels, n_timepoints); got {arr.ndim} dimensions."
        )
    arr = check_array(np.atleast_2d(arr), dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
    n_timepoints = arr.shape[1]
    if width > n_timepoints:
        raise ValueError(f"width={width} is longer than the series ({n_timepoints} time steps).")
    starts = np.arange(0, n_timepoints - width + 1, stride)
    windows = np.lib.stride_tricks.sliding_window_view(arr, width, axis=1)[:, starts]  # (n_channels, n, width)
    windows = np.ascontiguousarray(windows.transpose(1, 0, 2))
    return windows[:, 0] if np.ndim(series) == 1 else windows
