"""Local DIFFI against the paper's definition, walked node by node."""

import numpy as np
from sklearn.ensemble import IsolationForest

from sklearn_unsup.inspection._diffi import local_diffi


def _reference(forest, x):
    """DIFFI of one row, straight from the definition: walk each tree from the root, one node at a time."""
    d = len(x)
    h_max = np.ceil(np.log2(forest.max_samples_))
    cfi, counter = np.zeros(d), np.zeros(d)
    for tree, features in zip(forest.estimators_, forest.estimators_features_):
        t, node, used = tree.tree_, 0, []
        while t.children_left[node] != -1:
            f = features[t.feature[node]] if forest._max_features != d else t.feature[node]
            used.append(f)
            node = t.children_left[node] if np.float32(x[f]) <= t.threshold[node] else t.children_right[node]
        for f in used:  # the leaf's depth is the number of splits above it
            cfi[f] += 1 / len(used) - 1 / h_max
            counter[f] += 1
    return np.divide(cfi, counter, out=np.zeros(d), where=counter > 0)


def test_matches_the_definition_with_and_without_feature_subsampling():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    rows = np.r_[X[:5], [[6.0, 0, 0, 0, 0], [0, 0, 0, -7.0, 0]]]
    for max_features in (1.0, 3):
        forest = IsolationForest(n_estimators=15, max_samples=64, max_features=max_features, random_state=0).fit(X)
        got = local_diffi(forest, rows)
        want = np.array([_reference(forest, x) for x in rows])
        np.testing.assert_allclose(got, want, rtol=1e-12)
        if max_features == 1.0:  # (with 3 features of 5 per tree, 15 trees of depth 6 need not isolate them)
            assert got[5].argmax() == 0 and got[6].argmax() == 3


def test_one_split_tree_by_hand():
    # two training rows per tree: the root splits them and both leaves sit at depth 1 = h_max, so every
    # importance is 1/1 - 1/1 = 0; with four rows h_max = 2 and a row isolated at depth 1 gets 1 - 1/2
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    forest = IsolationForest(n_estimators=1, max_samples=2, random_state=0).fit(X)
    np.testing.assert_array_equal(local_diffi(forest, X), 0.0)
    forest = IsolationForest(n_estimators=1, max_samples=4, random_state=0).fit(X)
    t = forest.estimators_[0].tree_
    depth_one_leaf = t.children_left[0] if t.children_left[t.children_left[0]] == -1 else t.children_right[0]
    row = forest.estimators_[0].apply(X.astype(np.float32)) == depth_one_leaf
    if row.any():  # an unbalanced first split: the isolated row's root feature gets 1 - 1/2
        fi = local_diffi(forest, X[row])
        assert fi[0, t.feature[0]] == 0.5 and fi[0].sum() == 0.5
