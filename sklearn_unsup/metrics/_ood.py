"""Metrics for outlier and out-of-distribution detection."""

import numpy as np
from sklearn.metrics import roc_curve
from sklearn.utils import column_or_1d

from ..utils._sklearn_compat import Integral, Interval, Real, validate_params

__all__ = ["fpr_at_tpr"]


@validate_params(
    {
        "y_true": ["array-like"],
        "y_score": ["array-like"],
        "tpr": [Interval(Real, 0, 1, closed="right")],
        "pos_label": [None, Integral, str, "boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fpr_at_tpr(y_true, y_score, *, tpr=0.95, pos_label=None):
    """False-positive rate at the first threshold whose true-positive rate reaches ``tpr``.

    The OOD literature's "FPR at 95% TPR": with the in-distribution rows as the
    positive class and ``score_samples`` (higher = more in-distribution) as
    ``y_score``, it is the fraction of out-of-distribution rows still accepted
    when the threshold keeps 95% of the in-distribution rows. Lower is better.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive.
    tpr : float in (0, 1], default=0.95
        Target true-positive rate.
    pos_label : int, str, bool or None, default=None
        The positive class (as in :func:`sklearn.metrics.roc_curve`).

    Returns
    -------
    fpr : float

    Examples
    --------
    >>> from sklearn_unsup.metrics import fpr_at_tpr
    >>> fpr_at_tpr([1, 1, 1, 0, 0], [0.9, 0.8, 0.3, 0.5, 0.1], tpr=1.0)
    0.5
    """
    y_true = column_or_1d(y_true)
    y_score = column_or_1d(y_score)
    if len(np.unique(y_true)) != 2:
        raise ValueError("fpr_at_tpr needs both classes in y_true.")
    fpr, tpr_curve, _ = roc_curve(y_true, y_score, pos_label=pos_label, drop_intermediate=False)
    idx = int(np.searchsorted(tpr_curve, tpr - 1e-12, side="left"))
    return float(fpr[min(idx, len(fpr) - 1)])
