"""Clustering accuracy under the best one-to-one matching of clusters to classes."""

from scipy.optimize import linear_sum_assignment
from sklearn.metrics.cluster import contingency_matrix
from sklearn.utils import column_or_1d

from ..utils._sklearn_compat import validate_params

__all__ = ["cluster_accuracy"]


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def cluster_accuracy(y_true, y_pred):
    """Accuracy of a clustering after matching clusters to classes (Hungarian).

    Each cluster is mapped to at most one class (and each class to at most one
    cluster) so that the number of correctly labelled rows is maximal; the
    score is that number over ``n_samples``. This is the ACC reported by the
    deep-clustering papers (DEC, SCAN, ...). Unlike NMI it penalises merging
    two classes into one cluster fully. Extra clusters beyond the number of
    classes count as errors.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth classes.
    y_pred : array-like of shape (n_samples,)
        Cluster labels (any hashable values; noise label -1 is a cluster too).

    Returns
    -------
    accuracy : float in [0, 1]

    References
    ----------
    .. [1] J. Xie, R. Girshick and A. Farhadi, "Unsupervised deep embedding for
       clustering analysis", ICML 2016.

    Examples
    --------
    >>> from sklearn_unsup.metrics import cluster_accuracy
    >>> cluster_accuracy([0, 0, 1, 1, 2], [1, 1, 0, 0, 0])
    0.8
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true and y_pred have different lengths: {y_true.shape[0]} != {y_pred.shape[0]}."
        )
    if y_true.shape[0] == 0:
        raise ValueError("cluster_accuracy needs at least one sample.")
    C = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(C, maximize=True)
    return float(C[rows, cols].sum() / y_true.shape[0])
