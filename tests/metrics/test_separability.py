import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV

from sklearn_unsup.metrics import (
    SeparabilityScorer,
    h0_persistence,
    separability_score,
    separability_scorer,
)


def test_hand_example_on_a_line():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])  # MST: edges 1, 2, 4
    np.testing.assert_allclose(h0_persistence(X), [1.0, 2.0, 4.0])
    # normalised by the maximum: .25, .5, 1 -> S = 1.75 / 3
    assert separability_score(X) == pytest.approx(1 - 1.75 / 3)


def test_persistence_equals_minimum_spanning_tree_edges():
    X = np.random.default_rng(0).normal(size=(60, 5))
    mst = minimum_spanning_tree(cdist(X, X)).data  # distinct points: no zero distances off the diagonal
    np.testing.assert_allclose(h0_persistence(X), np.sort(mst))


def test_duplicated_rows_give_zero_bars():
    np.testing.assert_allclose(h0_persistence([[0.0], [0.0], [1.0], [3.0]]), [0.0, 1.0, 2.0])
    assert separability_score([[0.0], [0.0], [1.0], [3.0]]) == pytest.approx(0.5)
    assert separability_score(np.ones((5, 3))) == 0.0  # no persistence at all


def test_invariant_to_scale_rotation_and_translation():
    X = np.random.default_rng(1).normal(size=(80, 4))
    Q, _ = np.linalg.qr(np.random.default_rng(2).normal(size=(4, 4)))
    base = separability_score(X)
    assert separability_score(37.0 * X) == pytest.approx(base)
    assert separability_score(X @ Q + 5.0) == pytest.approx(base)


def test_separated_blobs_score_above_one_gaussian():
    blobs, _ = make_blobs(300, n_features=8, centers=5, cluster_std=1.0, center_box=(-30, 30), random_state=0)
    gauss = np.random.default_rng(0).normal(size=(300, 8))
    s_blobs, s_gauss = separability_score(blobs), separability_score(gauss)
    assert s_blobs > s_gauss + 0.2
    assert 0.0 <= s_gauss < s_blobs < 1.0


def test_more_separation_scores_higher():
    scores = [separability_score(make_blobs(200, n_features=4, centers=3, cluster_std=std,
                                            random_state=0)[0]) for std in (0.5, 1.0, 2.0)]
    assert scores[0] > scores[1] > scores[2]


def test_cosine_metric_ignores_row_norms():
    X = np.random.default_rng(3).normal(size=(50, 6))
    norms = np.random.default_rng(4).uniform(0.5, 3.0, size=(50, 1))
    assert separability_score(X * norms, metric="cosine") == pytest.approx(separability_score(X, metric="cosine"))
    with pytest.raises(ValueError, match="norm 0"):
        separability_score(np.vstack([X, np.zeros((1, 6))]), metric="cosine")


def test_subsampling_is_reproducible():
    X = np.random.default_rng(5).normal(size=(400, 3))
    a = separability_score(X, max_samples=100, random_state=0)
    assert separability_score(X, max_samples=100, random_state=0) == a
    assert separability_score(X, max_samples=100, random_state=1) != a
    assert len(h0_persistence(X, max_samples=100, random_state=0)) == 99
    assert separability_score(X, max_samples=None) == separability_score(X, max_samples=400, random_state=7)


@pytest.mark.parametrize(
    "X, kwargs, error",
    [
        ([[0.0, 1.0]], {}, ValueError),  # one row
        ([[0.0, np.nan], [1.0, 2.0]], {}, ValueError),
        ([[0.0, np.inf], [1.0, 2.0]], {}, ValueError),
        ([[0.0], [1.0]], {"metric": "manhattan"}, ValueError),
        ([[0.0], [1.0]], {"max_samples": 1}, ValueError),
    ],
)
def test_input_validation(X, kwargs, error):
    with pytest.raises(error):
        separability_score(X, **kwargs)


def test_scorer_chooses_the_separating_projection():
    # 4 groups far apart in 2 directions (large variance, PCA keeps them first), isotropic noise in 16 more
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [40, 0], [0, 40], [40, 40]], dtype=float)
    X = np.hstack([centers[rng.integers(0, 4, 300)] + rng.normal(size=(300, 2)), 3 * rng.normal(size=(300, 16))])
    search = GridSearchCV(PCA(random_state=0), {"n_components": [2, 8, 18]}, scoring=separability_scorer, cv=3)
    search.fit(X)
    assert search.best_params_ == {"n_components": 2}
    pca = PCA(2).fit(X)
    assert separability_scorer(pca, X) == pytest.approx(separability_score(pca.transform(X), random_state=0))
    assert "cosine" in repr(SeparabilityScorer(metric="cosine"))
    with pytest.raises(TypeError, match="transform"):
        separability_scorer(GaussianMixture(2).fit(X), X)
