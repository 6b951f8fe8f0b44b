"""Input checks shared by several estimators (no torch here)."""

from numbers import Integral

import numpy as np

from ._warnings import warn_caller

__all__ = [
    "FLOAT32_MAX",
    "check_float32_range",
    "check_hidden_dims",
    "check_n_clusters",
    "check_n_neighbors",
    "check_unit_interval",
    "finite_scores",
]

FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_hidden_dims(hidden_dims, name="hidden_dims"):
    """Validate an architecture given as a sequence of positive layer widths; return it as a tuple of ints."""
    if isinstance(hidden_dims, (str, bytes)) or not hasattr(hidden_dims, "__iter__"):
        raise TypeError(f"{name} must be a sequence of positive ints, got {hidden_dims!r}.")
    dims = tuple(hidden_dims)
    for h in dims:
        if not isinstance(h, (Integral, np.integer)) or isinstance(h, bool) or h < 1:
            raise ValueError(f"{name} must be a sequence of positive ints, got {hidden_dims!r}.")
    return tuple(int(h) for h in dims)


def check_unit_interval(X, setting, alternative):
    """Refuse rows outside [0, 1] for a loss or likelihood that needs them (BCE, Bernoulli)."""
    low, high = X.min(), X.max()
    if low < 0 or high > 1:
        raise ValueError(
            f"{setting} needs X in [0, 1] (e.g. pixels / 255 or MinMaxScaler); got values in "
            f"[{low:.3g}, {high:.3g}]. Use {alternative} instead."
        )


def check_float32_range(X, estimator_name="This estimator"):
    """Refuse finite values that overflow float32, the precision the torch models compute in.

    The input checks accept any finite float64; cast to float32 a value beyond
    ~3.4e38 becomes inf and every output it touches NaN (a detector would call
    such a row an inlier). Refusing it with a clear message is the one rule of
    the package: rescale the data (e.g. ``StandardScaler``) first.
    """
    X = np.asarray(X)
    if X.dtype == np.float64 and X.size:
        peak = max(float(X.max()), -float(X.min()))  # no |X| copy on the predict path
        if peak > FLOAT32_MAX:
            raise ValueError(
                f"{estimator_name} computes in float32, whose range is +-{FLOAT32_MAX:.4g}; X contains "
                f"finite values up to {peak:.4g} that would overflow to inf. Rescale the input "
                "(e.g. StandardScaler) first."
            )
    return X


def check_n_clusters(n_clusters, n_samples):
    """Refuse more clusters than training rows."""
    if n_clusters > n_samples:
        raise ValueError(
            f"n_clusters={n_clusters} must be <= n_samples={n_samples}: there cannot be more clusters than rows."
        )


def check_n_neighbors(estimator, n_neighbors, n_available):
    """``n_neighbors`` clipped to the ``n_available`` candidate rows, with a warning, as LocalOutlierFactor does."""
    if n_neighbors > n_available:
        warn_caller(
            f"{type(estimator).__name__}: n_neighbors={n_neighbors} is more than the {n_available} rows "
            f"available as neighbors; using n_neighbors={n_available}."
        )
        return int(n_available)
    return int(n_neighbors)


def finite_scores(scores):
    """Scores as finite float64: a row whose score overflowed float32 gets the most extreme finite value.

    A log-likelihood or normality that underflows (``-inf``, or NaN from
    ``inf - inf`` on a row far outside the training data) becomes the lowest
    finite float64, so the row ranks as the most abnormal and never as an
    inlier; ``+inf`` becomes the largest finite float64.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if np.all(np.isfinite(scores)):
        return scores
    big = np.finfo(np.float64).max
    return np.nan_to_num(scores, nan=-big, posinf=big, neginf=-big)
