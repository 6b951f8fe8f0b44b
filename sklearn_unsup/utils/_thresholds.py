"""Where to cut a detector's training scores without labels: the ``contamination`` options.

Each function takes the training normality scores (higher = more normal) and
returns ``offset_``: rows scoring below it are outliers. They see only the
training scores, so the cut never depends on the rows scored later.

References
----------
.. [1] J. W. Tukey, "Exploratory data analysis", Addison-Wesley, 1977 (the fence).
.. [2] D. Kulik, "PyThresh: a Python toolbox for thresholding outlier detection
   scores", 2022 (``ZSCORE``, ``CLF``, ``MIXMOD``, ``FILTER``).
.. [3] A. Savitzky and M. J. E. Golay, "Smoothing and differentiation of data by
   simplified least squares procedures", Analytical Chemistry 36(8), 1964.
"""

import numpy as np

from ._mixture_threshold import mixmod_limit

__all__ = ["THRESHOLDS", "offset_from_scores"]

# PyThresh's CLF ("complex" method): a linear rule fitted by its author on PyOD's synthetic benchmark data,
# applied to min-max normalised anomaly scores s: m1 s + m2 log1p(s) + m3 kde(s)^(1/10) + c > 0 means outlier.
_CLF_WEIGHTS = (7.115947536708103, -5.934885742167458, -3.416078337348704)
_CLF_INTERCEPT = 2.5731351150980992
# The density term is a Gaussian KDE; fitted on at most this many evenly spaced order statistics of the
# scores (deterministic, O(n) memory and time) instead of all rows (O(n^2)).
_KDE_MAX_POINTS = 2000
# FILTER smooths the scores in row order; here in this many fixed pseudo-random orders of the sorted scores,
# so the cut depends on the scores only, not on how the rows were ordered.
_FILTER_ORDERS = 20


def _minmax(values):
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def tukey_offset(scores):
    """Tukey's lower fence of the scores, ``Q1 - 1.5 IQR`` (``contamination="auto"``)."""
    q1, q3 = np.percentile(scores, [25.0, 75.0])
    return float(q1 - 1.5 * (q3 - q1))


def zscore_offset(scores):
    """One standard deviation below the mean score (PyThresh's ZSCORE: anomaly z-score >= 1)."""
    return float(scores.mean() - scores.std())


def clf_offset(scores):
    """PyThresh's CLF rule on the normalised anomaly scores, as a cut flagging as many training rows."""
    from scipy.stats import gaussian_kde

    anomaly = _minmax(-scores)
    if not np.any(anomaly > 0):
        return float(scores.min())  # constant scores: nothing stands out
    support = np.sort(anomaly)
    if support.size > _KDE_MAX_POINTS:
        support = support[np.linspace(0, support.size - 1, _KDE_MAX_POINTS).round().astype(np.intp)]
    try:
        density = gaussian_kde(support)(anomaly)
    except np.linalg.LinAlgError:  # a few distinct values: no density term
        density = np.zeros_like(anomaly)
    density = _minmax(np.clip(_minmax(density), 0.0, None) ** 0.1)
    log_term = _minmax(np.log1p(anomaly))
    m1, m2, m3 = _CLF_WEIGHTS
    flagged = int(np.sum(m1 * anomaly + m2 * log_term + m3 * density + _CLF_INTERCEPT > 0))
    return _offset_flagging(scores, flagged)


def mixmod_offset(scores):
    """PyThresh's MIXMOD: the equal-posterior point of two-component mixtures fitted to the anomaly scores."""
    anomaly = _minmax(-scores)
    if not np.any(anomaly > 0):
        return float(scores.min())
    limit = mixmod_limit(anomaly)
    return _offset_flagging(scores, 0 if limit is None else int(np.sum(anomaly >= limit)))


def _linear_smooth_max(values, half_width):
    """Maximum of a Savitzky-Golay filter of order 1 (window ``2 * half_width + 1``, scipy's ``mode="interp"``).

    An order-1 fit evaluated at the window's centre is the window's mean, so the
    interior is a moving average (cumulative sums, O(n)); the first and last
    ``half_width`` points take the least-squares line through the first and the
    last window, whose maximum lies at an end.
    """
    width = 2 * half_width + 1
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    best = np.max((cumulative[width:] - cumulative[:-width]) / width)
    positions = np.arange(width, dtype=np.float64)
    for window, ends in ((values[:width], (0, half_width)), (values[-width:], (half_width, width - 1))):
        slope, intercept = np.polyfit(positions, window, 1)
        best = max(best, intercept + slope * ends[0], intercept + slope * ends[1])
    return float(best)


def filter_offset(scores):
    """PyThresh's FILTER (Savitzky-Golay, order 1) made independent of the order of the rows.

    PyThresh smooths the normalised anomaly scores in row order with a window
    of ``0.5 n std`` rows and cuts at the maximum of the smoothed sequence, so
    shuffling the rows moves the cut. Here the cut is the mean of that maximum
    over fixed pseudo-random orders of the sorted scores: the same scores give
    the same cut whatever their order.
    """
    anomaly = _minmax(-scores)
    if not np.any(anomaly > 0):
        return float(scores.min())
    n_rows = anomaly.size
    width = int(round(0.5 * n_rows * anomaly.std()))
    width = min(width + 1 - width % 2, n_rows - 1 + n_rows % 2)  # odd, as PyThresh's, and at most n_rows
    if width < 3:
        return float(scores.min())  # too few rows to smooth
    half_width = (width - 1) // 2
    ordered = np.sort(anomaly)
    orders = np.random.RandomState(0)
    limit = np.mean([_linear_smooth_max(ordered[orders.permutation(n_rows)], half_width)
                     for _ in range(_FILTER_ORDERS)])
    return _offset_flagging(scores, int(np.sum(anomaly >= limit)))


def _offset_flagging(scores, count):
    """The offset below which the ``count`` lowest scores fall (``predict``'s rule is ``score < offset``)."""
    if count <= 0:
        return float(scores.min())
    ordered = np.sort(scores)
    if count >= ordered.size:
        return float(np.nextafter(ordered[-1], np.inf))
    return float(ordered[count - 1] + (ordered[count] - ordered[count - 1]) / 2.0) \
        if ordered[count] > ordered[count - 1] else float(ordered[count - 1])


THRESHOLDS = {"auto": tukey_offset, "zscore": zscore_offset, "clf": clf_offset, "mixmod": mixmod_offset,
              "filter": filter_offset}


def offset_from_scores(scores, contamination):
    """``offset_`` for ``contamination`` (a share in (0, 0.5] or a name in :data:`THRESHOLDS`)."""
    scores = np.asarray(scores, dtype=np.float64)
    if isinstance(contamination, str):
        return THRESHOLDS[contamination](scores)
    return float(np.percentile(scores, 100.0 * contamination))
