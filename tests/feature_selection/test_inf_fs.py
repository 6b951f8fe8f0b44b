import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.feature_selection import InfFS


def test_prefers_varied_non_redundant_features():
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=300), rng.normal(size=300)
    X = np.c_[a, a + 1e-3 * rng.normal(size=300), a - 1e-3 * rng.normal(size=300), b]
    sel = InfFS(n_features_to_select=2).fit(X)
    support = sel.get_support()
    assert support[3]  # the independent feature
    assert support[:3].sum() == 1  # one of the redundant triplet
    assert sorted(sel.ranking_) == [1, 2, 3, 4]
    assert sel.transform(X).shape == (300, 2)
    # the variance term alone (alpha=1) ranks a near-constant feature last; Spearman
    # correlation ignores scale, so with alpha < 1 an independent tiny feature still counts
    Xc = np.c_[X, 1e-3 * rng.normal(size=300)]
    assert InfFS(alpha=1.0).fit(Xc).ranking_[4] == 5


def test_closed_form_equals_path_sum():
    X = np.random.RandomState(1).normal(size=(50, 4))
    sel = InfFS(path_decay=0.5).fit(X)
    # rebuild A and sum the first 200 powers explicitly
    std = X.std(0)
    sigma = std / std.max()
    from scipy.stats import spearmanr

    rho = spearmanr(X).correlation
    A = 0.5 * np.maximum.outer(sigma, sigma) + 0.5 * (1 - np.abs(rho))
    r = 0.5 / np.max(np.abs(np.linalg.eigvalsh(A)))
    S = sum(np.linalg.matrix_power(r * A, k) for k in range(1, 200))
    np.testing.assert_allclose(sel.scores_, S.sum(1), rtol=1e-8)


@pytest.mark.parametrize("k, expected", [(None, 3), (2, 2), (0.5, 3), (1.0, 6)])
def test_n_features_to_select(k, expected):
    X = np.random.RandomState(0).normal(size=(40, 6))
    assert InfFS(n_features_to_select=k).fit(X).get_support().sum() == expected


def test_too_many_features_and_pipeline():
    X = np.random.RandomState(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match="n_features_to_select=5 must be <= n_features=3"):
        InfFS(n_features_to_select=5).fit(X).transform(X)
    assert make_pipeline(StandardScaler(), InfFS(2)).fit_transform(X).shape == (40, 2)


def test_too_many_features_refused_at_fit():
    X = np.random.RandomState(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match="n_features_to_select=5 must be <= n_features=3"):
        InfFS(n_features_to_select=5).fit(X)
    assert not hasattr(InfFS(n_features_to_select=5), "scores_")
