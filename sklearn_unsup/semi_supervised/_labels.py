"""Validation of partial labels: scikit-learn's semi-supervised convention (``-1`` = unlabelled)."""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import column_or_1d

__all__ = ["check_partial_labels", "labelled_accuracy", "unlabelled_mask"]


def unlabelled_mask(y):
    """Rows marked -1 (scikit-learn's semi-supervised convention); text labels are never unlabelled."""
    y = np.asarray(y)
    if y.dtype.kind in "biuf":
        return y == -1
    if y.dtype.kind == "O":
        return np.array([isinstance(v, (Integral, float)) and v == -1 for v in y], dtype=bool)
    return np.zeros(len(y), dtype=bool)


def labelled_accuracy(estimator, X, y, sample_weight=None):
    """Accuracy of ``estimator.predict`` on the rows of X whose label is not -1 (the others are left out)."""
    from sklearn.metrics import accuracy_score

    y = column_or_1d(y)
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} labels for {len(X)} rows of X.")
    keep = ~unlabelled_mask(y)
    if not keep.any():
        raise ValueError("score needs labelled rows: every label of y is -1 (unlabelled).")
    rows = X.iloc[keep] if hasattr(X, "iloc") else np.asarray(X)[keep]
    weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
    return float(accuracy_score(y[keep], estimator.predict(rows), sample_weight=weight))


def check_partial_labels(y, n_samples):
    """Integer labels of the rows, ``-1`` for the unlabelled ones; ``None`` means none labelled.

    Raises a ``ValueError`` naming the problem for a wrong length, labels that
    are not integers (floats with a fractional part, NaN, strings) or negative
    labels other than ``-1``.
    """
    if y is None:
        return np.full(n_samples, -1, dtype=np.int64)
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} labels for {n_samples} rows of X.")
    if y.dtype.kind not in "iub":
        try:
            values = y.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError("y must hold integer class labels with -1 for unlabelled rows; "
                             f"got values of type {y.dtype}.") from exc
        if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
            raise ValueError("y must hold integer class labels with -1 for unlabelled rows; "
                             "got non-integer or non-finite values.")
        y = values
    y = y.astype(np.int64)
    if np.any(y < -1):
        raise ValueError(f"y holds the negative label {int(y.min())}; only -1 (unlabelled) may be negative.")
    return y
