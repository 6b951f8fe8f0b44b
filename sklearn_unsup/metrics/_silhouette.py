"""Fast silhouette coefficient (same values as scikit-learn's, O(n) memory)."""

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_array, check_random_state, column_or_1d

from .._kernels import silhouette_values
from ..utils._sklearn_compat import Integral, Interval, StrOptions, validate_params

__all__ = ["silhouette_samples", "silhouette_score"]


def _check_lengths(X, labels):
    X = check_array(X, dtype=[np.float64, np.float32])
    labels = column_or_1d(labels)
    if X.shape[0] != labels.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but labels has {labels.shape[0]} entries."
        )
    return X, labels


def _check(X, labels):
    X, labels = _check_lengths(X, labels)
    encoded = LabelEncoder().fit_transform(labels)
    n_labels = int(encoded.max()) + 1
    if not 2 <= n_labels <= X.shape[0] - 1:
        raise ValueError(
            f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 (inclusive)"
        )
    return X, encoded


@validate_params(
    {
        "X": ["array-like"],
        "labels": ["array-like"],
        "metric": [StrOptions({"euclidean", "cosine"})],
    },
    prefer_skip_nested_validation=True,
)
def silhouette_samples(X, labels, *, metric="euclidean"):
    """Silhouette coefficient of each sample, as :func:`sklearn.metrics.silhouette_samples`.

    ``s = (b - a) / max(a, b)`` with ``a`` the mean distance to the other rows
    of the own cluster and ``b`` the mean distance to the rows of the nearest
    other cluster; 0 for rows alone in their cluster. Computed by a numba
    kernel in float64 in O(n) memory; several times faster than scikit-learn
    and equal to it to about 1e-12.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows.
    labels : array-like of shape (n_samples,)
        Cluster labels (any hashable values).
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance between rows.

    Returns
    -------
    silhouette : ndarray of shape (n_samples,)

    References
    ----------
    .. [1] P. J. Rousseeuw, "Silhouettes: a graphical aid to the interpretation and
       validation of cluster analysis", J. Comput. Appl. Math. 20, 1987.
    """
    X, encoded = _check(X, labels)
    return silhouette_values(X, encoded, metric=metric)


@validate_params(
    {
        "X": ["array-like"],
        "labels": ["array-like"],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "sample_size": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def silhouette_score(X, labels, *, metric="euclidean", sample_size=None, random_state=None):
    """Mean silhouette coefficient, as :func:`sklearn.metrics.silhouette_score`, faster.

    Higher is better (range -1 to 1). Rewards compact, well separated convex
    clusters; misleads on non-convex or density-based clusters.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows.
    labels : array-like of shape (n_samples,)
        Cluster labels.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance between rows.
    sample_size : int or None, default=None
        Score a random subset of this many rows (as scikit-learn does).
    random_state : int, RandomState instance or None, default=None
        Draws the subset when ``sample_size`` is set.

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.metrics import silhouette_score
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> round(silhouette_score(X, [0, 0, 1, 1]), 4)
    0.98
    """
    if sample_size is not None:
        X, labels = _check_lengths(X, labels)  # before indexing: labels may be shorter than X
        idx = check_random_state(random_state).permutation(X.shape[0])[:sample_size]
        X, labels = X[idx], labels[idx]
    return float(np.mean(silhouette_samples(X, labels, metric=metric)))
