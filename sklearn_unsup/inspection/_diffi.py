"""Local DIFFI: per-row feature importances of a fitted scikit-learn IsolationForest (Carletti et al.)."""

import numpy as np

__all__ = ["local_diffi"]


def local_diffi(forest, X):
    """Local Depth-based Isolation Forest Feature Importance of each row of X.

    For every tree, each split on the row's path adds ``1 / h - 1 / h_max`` to
    the split feature's cumulative importance and 1 to its counter, where
    ``h`` is the depth of the leaf the row reaches and ``h_max`` the trees'
    depth limit (``ceil(log2(max_samples_))``): features that split the row
    off early (short paths) get high values. The importance is the cumulative
    importance divided by the counter (the mean over the splits that used the
    feature), 0 for features never used on the row's paths.

    Parameters
    ----------
    forest : sklearn.ensemble.IsolationForest
        A fitted forest.
    X : ndarray of shape (n_samples, n_features)
        Rows (validated, finite).

    Returns
    -------
    importances : ndarray of shape (n_samples, n_features)
        Non-negative; larger = the feature did more to isolate the row.

    References
    ----------
    .. [1] M. Carletti, M. Terzi and G. A. Susto, "Interpretable anomaly detection
       with DIFFI: Depth-based feature importance of Isolation Forest",
       Engineering Applications of Artificial Intelligence 119, 105730, 2023.
    """
    big = np.finfo(np.float32).max  # the trees compare float32 thresholds; clip, as the cast would overflow
    X = np.ascontiguousarray(np.clip(X, -big, big), dtype=np.float32)
    n, d = X.shape
    h_max = int(np.ceil(np.log2(max(forest.max_samples_, 2))))
    subsample = forest._max_features != d  # scikit-learn indexes the columns only then
    cfi = np.zeros(n * d)
    counter = np.zeros(n * d)
    for tree, features in zip(forest.estimators_, forest.estimators_features_):
        Xt = np.ascontiguousarray(X[:, features]) if subsample else X
        path = tree.decision_path(Xt, check_input=False)  # CSR (n, nodes), root to leaf
        length = np.diff(path.indptr)
        leaf_depth = np.maximum(length - 1, 1)
        rows = np.repeat(np.arange(n), length)
        split_feature = tree.tree_.feature[path.indices]
        internal = split_feature >= 0  # leaves have no split feature
        f = split_feature[internal]
        if subsample:
            f = np.asarray(features)[f]
        r = rows[internal]
        cell = r * d + f
        cfi += np.bincount(cell, weights=1.0 / leaf_depth[r] - 1.0 / h_max, minlength=n * d)
        counter += np.bincount(cell, minlength=n * d)
    fi = np.divide(cfi, counter, out=np.zeros_like(cfi), where=counter > 0)
    return fi.reshape(n, d)
