"""An explicit adapter to PyOD's sign and label conventions (for comparisons only)."""

import numpy as np

__all__ = ["to_pyod_labels", "to_pyod_scores"]


def to_pyod_scores(detector, X):
    """Anomaly scores in PyOD's convention (higher = more abnormal): ``-score_samples(X)``.

    scikit-learn's and this package's detectors return normality scores
    (higher = more normal). PyOD's ``decision_function`` / ``decision_scores_``
    are the opposite. Use this when a metric or a PyOD utility expects PyOD's
    sign; AUROC of ``(y == anomaly, to_pyod_scores(det, X))`` then equals PyOD's.

    Parameters
    ----------
    detector : fitted estimator with ``score_samples``
        A detector following scikit-learn's conventions.
    X : array-like of shape (n_samples, n_features)
        Rows.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.outlier import to_pyod_scores
    >>> X = np.r_[np.zeros((20, 2)), [[5.0, 5.0]]] + np.random.RandomState(0).normal(0, .1, (21, 2))
    >>> det = IsolationForest(random_state=0).fit(X)
    >>> int(np.argmax(to_pyod_scores(det, X)))
    20
    """
    return -np.asarray(detector.score_samples(X), dtype=np.float64)


def to_pyod_labels(labels):
    """PyOD's 0/1 labels (1 = outlier) from scikit-learn's +1/-1 ``predict`` output.

    Parameters
    ----------
    labels : array-like of {-1, 1}
        scikit-learn-style predictions.

    Returns
    -------
    labels : ndarray of {0, 1}
    """
    return (np.asarray(labels) == -1).astype(int)
