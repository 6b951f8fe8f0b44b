"""Reading must-link / cannot-link pairs: positions or sample ids, so that cross-validation folds stay correct."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

__all__ = ["balanced_pair_accuracy", "balanced_pair_accuracy_from_classes", "read_pairs"]


def read_pairs(pairs, pair_labels, sample_ids, n_samples):
    """Positions and labels of the pairs whose two ends are rows of this fit.

    With ``sample_ids`` None, the ends of a pair are row positions
    ``0 .. n_samples - 1`` and one out of range is an error. With
    ``sample_ids`` (one unique id per row, sample-aligned, so that
    cross-validation slices it with X), the ends are ids, and a pair with an
    end whose id is not among this fit's rows is dropped: inside a fold it
    joins a row of another fold.

    Parameters
    ----------
    pairs : array-like of shape (n_pairs, 2) or None
        The two ends of each pair.
    pair_labels : array-like of shape (n_pairs,) or None
        +1 (must-link: same cluster) or -1 (cannot-link: different clusters).
    sample_ids : array-like of shape (n_samples,) or None
        Id of each row.
    n_samples : int
        Rows of X.

    Returns
    -------
    positions : ndarray of shape (n_kept, 2) of int64
        Row positions of the kept pairs' ends.
    labels : ndarray of shape (n_kept,) of int64
        Their labels, +1 or -1.
    """
    if pairs is None:
        if pair_labels is not None:
            raise ValueError("pair_labels was given without pairs.")
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    if pair_labels is None:
        raise ValueError("pairs needs pair_labels: +1 (must-link) or -1 (cannot-link) for each pair.")
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError(f"pairs must have shape (n_pairs, 2), got shape {pairs.shape}.")
    labels = np.asarray(pair_labels)
    if labels.ndim != 1 or labels.shape[0] != pairs.shape[0]:
        raise ValueError(f"pair_labels must have shape ({pairs.shape[0]},) (one per pair), got {labels.shape}.")
    if labels.dtype.kind not in "biuf" or not np.isin(labels, (-1, 1)).all():
        raise ValueError("pair_labels must be +1 (must-link) or -1 (cannot-link); got other values.")
    labels = labels.astype(np.int64)
    if sample_ids is None:
        positions = _positions(pairs, n_samples)
    else:
        positions, keep = _ids_to_positions(pairs, sample_ids, n_samples)
        labels = labels[keep]
    if (positions[:, 0] == positions[:, 1]).any():
        i = int(np.flatnonzero(positions[:, 0] == positions[:, 1])[0])
        raise ValueError(f"pair {i} joins a row with itself; a pair needs two different rows.")
    return positions, labels


def _positions(pairs, n_samples):
    if pairs.size and not all(isinstance(v, Integral) for v in pairs.ravel().tolist()):
        raise ValueError("pairs must hold integer row positions when sample_ids is None.")
    positions = pairs.astype(np.int64, copy=False).reshape(-1, 2)
    if positions.size and (positions.min() < 0 or positions.max() >= n_samples):
        raise ValueError(
            f"pairs holds a row position outside 0..{n_samples - 1}; pass sample_ids when pairs names row ids "
            "(in cross-validation the positions of a fold are not those of the whole data)."
        )
    return positions


def _ids_to_positions(pairs, sample_ids, n_samples):
    ids = np.asarray(sample_ids)
    if ids.ndim != 1 or ids.shape[0] != n_samples:
        raise ValueError(f"sample_ids must have shape ({n_samples},) (one id per row of X), got {ids.shape}.")
    index = {}
    for pos, key in enumerate(ids.tolist()):
        if index.setdefault(key, pos) != pos:
            raise ValueError(f"sample_ids must be unique; {key!r} appears twice.")
    flat = [index.get(key, -1) for key in pairs.ravel().tolist()]
    positions = np.array(flat, dtype=np.int64).reshape(-1, 2)
    keep = (positions >= 0).all(axis=1)
    return positions[keep], keep


def balanced_pair_accuracy(labels, positions, pair_labels):
    """Mean of the must-link and cannot-link agreement rates of a clustering on labelled pairs.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Cluster of each row.
    positions : ndarray of shape (n_pairs, 2)
        Row positions of each pair's ends.
    pair_labels : ndarray of shape (n_pairs,)
        +1 (must-link) or -1 (cannot-link).

    Returns
    -------
    score : float
        The mean of the rates of the kinds present.
    """
    together = labels[positions[:, 0]] == labels[positions[:, 1]]
    rates = [np.mean(together[pair_labels == kind] == (kind > 0)) for kind in (1, -1) if np.any(pair_labels == kind)]
    if len(rates) == 1:
        _warn_one_kind()
    return float(np.mean(rates))


def _warn_one_kind():
    warnings.warn(
        "only one kind of pair (must-link or cannot-link) to score: the score is that kind's rate alone, which "
        "one cluster for everything (must-links) or each row alone (cannot-links) maximises.",
        UndefinedMetricWarning,
        stacklevel=3,
    )


def balanced_pair_accuracy_from_classes(labels, y):
    """The same score over every pair of rows, must-link when two rows share a class of ``y``.

    Counted from the contingency table, without listing the pairs; rows with
    ``y == -1`` (unlabelled) are left out.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Cluster of each row.
    y : array-like of shape (n_samples,)
        Class of each row.

    Returns
    -------
    score : float
        The mean of the rates of the kinds present.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != labels.shape[0]:
        raise ValueError(f"y must have shape ({labels.shape[0]},), got {y.shape}.")
    kept = np.ones(y.shape, dtype=bool)
    if y.dtype.kind in "biufO":  # -1 marks an unlabelled row (also in object arrays); NaN is no class either
        kept = ~np.isin(y, [-1]) & ~_is_missing(y)
    _, yc = np.unique(y[kept], return_inverse=True)
    _, lc = np.unique(labels[kept], return_inverse=True)
    if yc.size < 2:
        raise ValueError("y gives fewer than two labelled rows: no pair to score.")
    table = np.zeros((yc.max() + 1, lc.max() + 1))
    np.add.at(table, (yc.reshape(-1), lc.reshape(-1)), 1.0)

    def pairs_in(counts):
        return float(np.sum(counts * (counts - 1.0)) / 2.0)

    both, same_class, same_cluster = pairs_in(table), pairs_in(table.sum(1)), pairs_in(table.sum(0))
    total = yc.size * (yc.size - 1.0) / 2.0
    rates = []
    if same_class > 0:
        rates.append(both / same_class)
    if total - same_class > 0:
        rates.append((total - same_class - same_cluster + both) / (total - same_class))
    if len(rates) == 1:
        _warn_one_kind()
    return float(np.mean(rates))


def _is_missing(values):
    """NaN (or None) entries of a 1-d array of any dtype."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and v != v) for v in values.tolist()], dtype=bool)
    return np.zeros(values.shape, dtype=bool)
