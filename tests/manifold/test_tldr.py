import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from sklearn_unsup.manifold import TLDR

FAST = dict(projector_dims=(128, 128), max_epochs=15, batch_size=256)


def test_linear_transform_is_a_matrix_product(digits):
    X, _ = digits
    tldr = TLDR(8, encoder="linear", random_state=0, **FAST).fit(X)
    Z = tldr.transform(X)
    assert Z.shape == (len(X), 8) and tldr.components_.shape == (8, 64)
    assert tldr.encoder_ == "linear" and tldr.encoder_scores_ is None
    np.testing.assert_allclose(Z, X @ tldr.components_.T + tldr.bias_)
    via_torch = tldr._forward(lambda m, xb: m.encode(xb), X)
    np.testing.assert_allclose(Z, via_torch, rtol=1e-4, atol=1e-4)
    assert list(tldr.get_feature_names_out())[:2] == ["tldr0", "tldr1"]


def test_neighbor_structure_kept_far_above_random_projection(digits):
    X, y = digits
    knn = lambda Z: cross_val_score(KNeighborsClassifier(10), Z, y, cv=5).mean()  # noqa: E731
    rand = np.random.RandomState(0).normal(size=(64, 8))
    tldr = TLDR(8, encoder="linear", random_state=0, **FAST).fit(X)
    assert knn(tldr.transform(X)) > knn(X @ rand) + 0.05
    assert knn(tldr.transform(X)) > 0.85


def test_training_lowers_loss_and_score_tracks_it(digits):
    X, _ = digits
    short = TLDR(8, encoder="linear", random_state=0, **dict(FAST, max_epochs=1)).fit(X)
    long = TLDR(8, encoder="linear", random_state=0, **FAST).fit(X)
    assert long.loss_curve_[-1] < long.loss_curve_[0]
    assert long.score(X) > short.score(X)
    # score does not disturb the BatchNorm running statistics
    before = [b.clone() for b in long.net_.module_.buffers()]
    long.score(X)
    assert all(torch.equal(a, b) for a, b in zip(before, long.net_.module_.buffers()))


def test_mlp_encoder(digits):
    X, _ = digits
    tldr = TLDR(4, encoder="mlp", hidden_dims=(32,), random_state=0, **FAST).fit(X)
    assert tldr.transform(X[:5]).shape == (5, 4)
    assert not hasattr(tldr, "components_")


def test_pipeline_gridsearch_without_y(digits):
    X, _ = digits
    pipe = Pipeline([("tldr", TLDR(encoder="linear", random_state=0, **dict(FAST, max_epochs=3))),
                     ("km", KMeans(10, n_init=2))])
    search = GridSearchCV(pipe, {"tldr__n_components": [4, 8]}, cv=2).fit(X)
    assert search.best_params_["tldr__n_components"] in (4, 8)


def test_too_few_rows_for_the_neighbors():
    # clipped with a warning pointing at the caller (as LocalOutlierFactor), an error only below 2 rows
    with pytest.warns(UserWarning, match="n_neighbors=5 is more than the 3 rows") as record:
        TLDR(2, **FAST).fit(np.random.rand(4, 3))
    assert record[0].filename == __file__
    with pytest.raises(ValueError, match="at least 2 samples"):
        TLDR(2, **FAST).fit(np.random.rand(1, 3))


def test_auto_epochs_about_a_thousand_steps_within_20_to_100():
    tldr = TLDR(batch_size=1024)
    assert tldr._n_epochs(5_000) == 100       # 4 steps an epoch: capped at the paper's 100
    assert tldr._n_epochs(39_627) == 27       # ALOI: 38 steps an epoch
    assert tldr._n_epochs(1_000_000) == 20    # floor
    assert TLDR(max_epochs=7)._n_epochs(1_000_000) == 7
    X = np.random.RandomState(0).rand(40, 3)
    small = TLDR(2, n_neighbors=3, projector_dims=(8,), random_state=0).fit(X)
    assert small.n_iter_ == 100


def test_pca_projection_folded_into_the_linear_components(digits):
    X, _ = digits
    tldr = TLDR(8, input_pca_components=16, encoder="linear", random_state=0, **FAST).fit(X)
    assert tldr.pca_.n_components_ == 16 and tldr.components_.shape == (8, 64)
    Z = tldr.transform(X)
    np.testing.assert_allclose(Z, X @ tldr.components_.T + tldr.bias_)
    via_torch = tldr._forward(lambda m, xb: m.encode(xb), tldr.pca_.transform(X))
    np.testing.assert_allclose(Z, via_torch, rtol=1e-4, atol=1e-4)
    assert np.isfinite(tldr.score(X))


def test_pca_projection_with_the_mlp_encoder_and_a_variance_share(digits):
    X, _ = digits
    tldr = TLDR(4, input_pca_components=0.9, encoder="mlp", hidden_dims=(32,), random_state=0, **FAST).fit(X)
    assert 1 < tldr.pca_.n_components_ < 64
    assert tldr.transform(X[:5]).shape == (5, 4)
    np.testing.assert_array_equal(tldr.transform(X[:5].astype(np.float32)).dtype, np.float32)
    assert TLDR(4, encoder="linear", **FAST).fit(X[:100]).pca_ is None


def test_auto_encoder_keeps_the_candidate_with_the_better_held_out_loss(digits):
    X, _ = digits
    X = X[:400]
    fast = dict(projector_dims=(64,), hidden_dims=(32,), max_epochs=4, batch_size=128)
    tldr = TLDR(4, random_state=0, **fast).fit(X)
    scores = tldr.encoder_scores_
    assert set(scores) == {"linear", "mlp"} and all(np.isfinite(v) for v in scores.values())
    assert tldr.encoder_ == max(scores, key=scores.get)
    # the winner is refitted on all rows: the model the explicit setting gives (the MLP on 32 principal axes)
    explicit = dict(encoder="linear") if tldr.encoder_ == "linear" else dict(encoder="mlp", input_pca_components=32)
    same = TLDR(4, random_state=0, **fast, **explicit).fit(X)
    np.testing.assert_array_equal(tldr.transform(X), same.transform(X))
    assert hasattr(tldr, "components_") == (tldr.encoder_ == "linear")
    # a given input_pca_components goes to both candidates; below 100 rows the linear encoder, no choice
    assert TLDR(4, input_pca_components=8, random_state=0, **fast).fit(X).pca_.n_components_ == 8
    small = TLDR(4, random_state=0, **fast).fit(X[:99])
    assert small.encoder_ == "linear" and small.encoder_scores_ is None


def test_auto_encoder_same_seed_same_choice_and_codes(digits):
    X, _ = digits
    fast = dict(projector_dims=(32,), hidden_dims=(16,), max_epochs=2, batch_size=64)
    a, b = (TLDR(3, random_state=1, **fast).fit(X[:200]) for _ in range(2))
    assert a.encoder_scores_ == b.encoder_scores_
    np.testing.assert_array_equal(a.transform(X[:20]), b.transform(X[:20]))


@pytest.mark.slow
def test_mlp_on_principal_axes_beats_pca_on_mnist5k():
    """10-NN accuracy (5-fold) on mnist5k / 255; measured .954 vs PCA(32) .936."""
    from sklearn.decomposition import PCA

    from ..conftest import load_shared

    X, y = load_shared("cluster/mnist5k.npz")
    X = X.astype(np.float64) / 255
    knn = lambda Z: cross_val_score(KNeighborsClassifier(10), Z, y, cv=5).mean()  # noqa: E731
    tldr = TLDR(32, input_pca_components=32, encoder="mlp", random_state=0).fit_transform(X)
    assert knn(tldr) > knn(PCA(32, random_state=0).fit_transform(X)) + 0.015
