"""Validation of partial labels: scikit-learn's semi-supervised convention (``-1`` = unlabelled)."""

from numbers import Integral

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

__all__ = ["labelled_accuracy", "novel_cluster_labels", "split_partial_labels", "unlabelled_mask"]


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


def split_partial_labels(y, n_samples):
    """Read partial labels: the classes, and each row's class index (``-1`` for an unlabelled row).

    The one reading of ``y`` for the whole family: any classification target
    (integers, text), ``-1`` marking the unlabelled rows (in a numeric ``y``,
    or as the number ``-1`` among text labels), ``None`` meaning none
    labelled. Other negative numbers are ordinary classes, as in
    :class:`sklearn.semi_supervised.LabelSpreading`.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        Labels, ``-1`` for unlabelled rows.
    n_samples : int
        Number of rows of X.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The labels present (sorted); empty when none is labelled.
    codes : ndarray of shape (n_samples,)
        Index into ``classes`` of each row's label, ``-1`` for unlabelled rows.

    Raises
    ------
    ValueError
        For a wrong length, a 2-d ``y``, NaN, or continuous values.
    """
    if y is None:
        return np.empty(0, dtype=np.int64), np.full(n_samples, -1, dtype=np.int64)
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} labels for {n_samples} rows of X.")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError("y contains NaN; mark the unlabelled rows with -1.")
    unlabelled = unlabelled_mask(y)
    codes = np.full(n_samples, -1, dtype=np.int64)
    if unlabelled.all():
        return np.empty(0, dtype=y.dtype if y.dtype.kind in "biu" else np.int64), codes
    check_classification_targets(y[~unlabelled])
    classes, index = np.unique(y[~unlabelled], return_inverse=True)
    codes[~unlabelled] = index.reshape(-1)
    return classes, codes


def novel_cluster_labels(classes, n_novel):
    """Labels of ``n_novel`` new clusters: integers after the largest known class, ``"novel_j"`` beside text."""
    if len(classes) == 0 or classes.dtype.kind in "biuf":
        start = classes.max() + 1 if len(classes) else 0
        return (np.arange(n_novel) + start).astype(classes.dtype if len(classes) else np.int64)
    return np.array([f"novel_{j}" for j in range(n_novel)], dtype=object)
