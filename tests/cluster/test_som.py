import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from sklearn_unsup.cluster import SelfOrganizingMap


def test_training_improves_on_initial_prototypes(digits):
    X, _ = digits
    som = SelfOrganizingMap((10, 10), random_state=0).fit(X)
    init_only = SelfOrganizingMap((10, 10), random_state=0)
    W0 = init_only._init_weights(X, 10, 10, np.random.RandomState(0))
    qe0 = np.mean(np.sqrt(((X[:, None] - W0[None]) ** 2).sum(-1)).min(1))
    assert som.quantization_error_ < 0.8 * qe0
    assert som.topographic_error_ < 0.35
    assert som.quantization_error(X) == pytest.approx(som.quantization_error_)
    assert som.score(X) == pytest.approx(-som.quantization_error_)


def test_clustering_part_of_check_clustering():
    """What sklearn's check_clustering asks, except that every unit must win a row."""
    X, y = make_blobs(n_samples=50, random_state=1)
    X = (X - X.mean(0)) / X.std(0)
    som = SelfOrganizingMap((1, 3), random_state=0)
    labels = som.fit(X).labels_
    assert adjusted_rand_score(y, labels) > 0.4
    np.testing.assert_array_equal(labels, som.fit_predict(X))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(som.predict(X), labels)


def test_transform_gives_grid_coordinates():
    X = np.random.RandomState(0).normal(size=(80, 3))
    som = SelfOrganizingMap((4, 5), random_state=0).fit(X)
    coords = som.transform(X)
    assert coords.shape == (80, 2)
    assert set(coords[:, 0]) <= set(range(4)) and set(coords[:, 1]) <= set(range(5))
    np.testing.assert_array_equal(coords, som.grid_coordinates_[som.labels_])
    assert list(som.get_feature_names_out()) == ["grid_row", "grid_col"]


def test_neighboring_units_have_close_prototypes():
    X = np.random.RandomState(0).uniform(size=(500, 2))
    som = SelfOrganizingMap((6, 6), max_epochs=20, random_state=0).fit(X)
    W = som.cluster_centers_.reshape(6, 6, 2)
    step = np.linalg.norm(W[:, 1:] - W[:, :-1], axis=-1).mean()
    far = np.linalg.norm(W[:, -1] - W[:, 0], axis=-1).mean()
    assert far > 3 * step  # the map is spread out and ordered, not collapsed


@pytest.mark.parametrize("grid", [(0, 3), (2,), (2, 2.5), "ab"])
def test_bad_grid(grid):
    with pytest.raises((ValueError, TypeError)):
        SelfOrganizingMap(grid=grid).fit(np.random.rand(10, 2))


def test_reproducible():
    X = np.random.RandomState(0).normal(size=(100, 3))
    a = SelfOrganizingMap((3, 3), init="random", random_state=5).fit(X)
    b = SelfOrganizingMap((3, 3), init="random", random_state=5).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


def test_diverging_fit_raises_instead_of_nan_prototypes():
    from sklearn_unsup.exceptions import TrainingDivergedError

    X = np.random.RandomState(0).normal(size=(30, 3))
    with pytest.raises(TrainingDivergedError, match="smaller lr"):
        SelfOrganizingMap((3, 3), lr=1e10, random_state=0).fit(X)
    som = SelfOrganizingMap((3, 3), random_state=0).partial_fit(X)
    before = som.cluster_centers_.copy()
    som.set_params(lr=1e10)
    with pytest.raises(TrainingDivergedError):
        som.partial_fit(X)
    np.testing.assert_array_equal(som.cluster_centers_, before)  # a diverged block leaves the map as it was


def test_unfitted_methods_raise_not_fitted():
    from sklearn.exceptions import NotFittedError

    X = np.ones((4, 2))
    for method in ("transform", "predict", "score", "quantization_error", "topographic_error"):
        with pytest.raises(NotFittedError):
            getattr(SelfOrganizingMap(), method)(X)


def test_score_samples_ranks_rare_rows_last():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(300, 3)), rng.uniform(6.0, 8.0, size=(5, 3))]
    som = SelfOrganizingMap(grid=(5, 5), random_state=0).fit(X[:300])
    scores = som.score_samples(X)
    assert np.all(scores[300:] < scores[:300].min())
    assert -scores[:300].mean() == pytest.approx(som.quantization_error(X[:300]))
    nearest = np.linalg.norm(X[:, None, :] - som.cluster_centers_[None], axis=2).min(axis=1)
    assert np.allclose(-scores, nearest)
