"""Where to cut a detector's training scores without labels: the ``contamination`` options.

Each function takes the training normality scores (higher = more normal) and
returns ``offset_``: rows scoring below it are outliers. They see only the
training scores, so the cut never depends on the rows scored later.

References
----------
.. [1] J. W. Tukey, "Exploratory data analysis", Addison-Wesley, 1977 (the fence).
.. [2] D. Kulik, "PyThresh: a Python toolbox for thresholding outlier detection
   scores", 2022 (``ZSCORE``, ``CLF``).
"""

import numpy as np

__all__ = ["THRESHOLDS", "offset_from_scores"]

# PyThresh's CLF ("complex" method): a linear rule fitted by its author on PyOD's synthetic benchmark data,
# applied to min-max normalised anomaly scores s: m1 s + m2 log1p(s) + m3 kde(s)^(1/10) + c > 0 means outlier.
_CLF_WEIGHTS = (7.115947536708103, -5.934885742167458, -3.416078337348704)
_CLF_INTERCEPT = 2.5731351150980992
# The density term is a Gaussian KDE; fitted on at most this many evenly spaced order statistics of the
# scores (deterministic, O(n) memory and time) instead of all rows (O(n^2)).
_KDE_MAX_POINTS = 2000


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


def _offset_flagging(scores, count):
    """The offset below which the ``count`` lowest scores fall (``predict``'s rule is ``score < offset``)."""
    if count <= 0:
        return float(scores.min())
    ordered = np.sort(scores)
    if count >= ordered.size:
        return float(np.nextafter(ordered[-1], np.inf))
    return float(ordered[count - 1] + (ordered[count] - ordered[count - 1]) / 2.0) \
        if ordered[count] > ordered[count - 1] else float(ordered[count - 1])


THRESHOLDS = {"auto": tukey_offset, "zscore": zscore_offset, "clf": clf_offset}


def offset_from_scores(scores, contamination):
    """``offset_`` for ``contamination`` (a share in (0, 0.5] or a name in :data:`THRESHOLDS`)."""
    scores = np.asarray(scores, dtype=np.float64)
    if isinstance(contamination, str):
        return THRESHOLDS[contamination](scores)
    return float(np.percentile(scores, 100.0 * contamination))
