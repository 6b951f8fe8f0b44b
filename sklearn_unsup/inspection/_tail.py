"""ECOD-style per-feature tail scores against the training rows' empirical distribution."""

import numpy as np

__all__ = ["tail_scores"]


def tail_scores(sorted_reference, X):
    """``max(-log P_left, -log P_right)`` of each value of X under each feature's training ECDF.

    ``P_left(x) = (1 + #{train <= x}) / (n + 1)`` and ``P_right(x) = (1 + #{train >=
    x}) / (n + 1)``: the empirical tail probabilities with the row itself
    counted in (as ECOD does by fitting its ECDFs on the scored rows too), so
    they stay positive beyond the training range while a row's value never
    depends on the other rows scored with it. Values lie in
    ``[log 2 - small, log(n + 1)]``; their sum over the features is ECOD's
    row score with the two-sided (max) tail.

    Parameters
    ----------
    sorted_reference : ndarray of shape (n_train, n_features)
        The training rows, each column sorted ascending.
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    scores : ndarray of shape (n_samples, n_features)

    References
    ----------
    .. [1] Z. Li, Y. Zhao, X. Hu, N. Botta, C. Ionescu and G. H. Chen, "ECOD:
       Unsupervised Outlier Detection Using Empirical Cumulative Distribution
       Functions", IEEE TKDE 35(12), 2023.
    """
    n = sorted_reference.shape[0]
    out = np.empty(X.shape, dtype=np.float64)
    for j in range(X.shape[1]):
        col = sorted_reference[:, j]
        at_most = np.searchsorted(col, X[:, j], side="right")
        at_least = n - np.searchsorted(col, X[:, j], side="left")
        out[:, j] = np.log(n + 1) - np.log1p(np.minimum(at_most, at_least))
    return out
