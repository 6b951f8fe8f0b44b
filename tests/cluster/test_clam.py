import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV

from sklearn_unsup._nn._clam import AssociativeMemory, MaskedReconstructionLoss
from sklearn_unsup.cluster import ClAM
from sklearn_unsup.exceptions import TrainingDivergedError
from sklearn_unsup.metrics import silhouette_score

FAST = dict(max_epochs=15, batch_size=32, lr=0.05)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(150, n_features=4, centers=3, cluster_std=0.8, random_state=0)
    return X * [1.0, 10.0, 100.0, 0.1] + 50.0, y  # columns on different scales: standardised inside


def test_step_matches_the_formula():
    torch.manual_seed(0)
    m = AssociativeMemory(3, 4, beta=1.5, alpha=0.1, n_steps=1, n_masked=1, fill=[0.0] * 3).eval()
    v = torch.randn(5, 3)
    rho = m.prototypes.detach()
    diff = rho[None] - v[:, None]  # (n, k, d)
    p = torch.softmax(-0.75 * (diff ** 2).sum(-1), dim=1)
    expected = v + 0.1 * (p[..., None] * diff).sum(1)
    torch.testing.assert_close(m(v)[0], expected, rtol=1e-5, atol=1e-5)


def test_training_masks_and_moves_only_masked_coordinates():
    torch.manual_seed(0)
    m = AssociativeMemory(10, 3, beta=1.0, alpha=0.1, n_steps=10, n_masked=2, fill=[-7.0] * 10).train()
    x = torch.randn(6, 10)
    v, mask = m(x)
    assert torch.all(mask.sum(1) == 2)
    torch.testing.assert_close(v[mask == 0], x[mask == 0])
    assert torch.all(v[mask == 1] > -7.0)  # started at the fill value, pulled towards the prototypes
    loss = MaskedReconstructionLoss()((v, mask), x)
    torch.testing.assert_close(loss, ((x - v) ** 2 * mask).mean())


def test_recovers_blobs_on_mixed_scales(blobs):
    X, y = blobs
    clam = ClAM(3, random_state=0, **FAST).fit(X)
    assert adjusted_rand_score(y, clam.labels_) > 0.9
    assert clam.cluster_centers_.shape == (3, 4)
    rho = clam.net_.module_.prototypes.detach().cpu().numpy()  # standardised prototypes, mapped to the input's units
    np.testing.assert_allclose(clam.cluster_centers_, rho * X.std(0) + X.mean(0), rtol=1e-5)
    np.testing.assert_array_equal(clam.predict(X), clam.labels_)
    D = clam.transform(X)
    np.testing.assert_array_equal(D.argmin(1), clam.labels_)
    proba = clam.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(proba.argmax(1), clam.labels_)
    assert clam.n_iter_ == len(clam.loss_curve_) == FAST["max_epochs"]
    assert 1 <= clam.best_epoch_ <= clam.n_iter_
    assert clam.n_steps_ == 10
    assert list(clam.get_feature_names_out()) == ["clam0", "clam1", "clam2"]


def test_score_is_the_silhouette_of_standardised_rows(blobs):
    X, _ = blobs
    clam = ClAM(3, random_state=0, **FAST).fit(X)
    Z = (X - X.mean(0)) / X.std(0)
    assert clam.score(X) == pytest.approx(silhouette_score(Z, clam.labels_), rel=1e-6)


def test_silhouette_grid_search_recipe(blobs):
    X, _ = blobs
    search = GridSearchCV(ClAM(3, random_state=0, max_epochs=5, batch_size=64), {"beta": [0.05, 2.0]},
                          cv=[(np.arange(len(X)), np.arange(len(X)))]).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_["beta"] == [0.05, 2.0][int(np.argmax(scores))]


def test_same_seed_same_model_and_global_rng_untouched(blobs):
    X, _ = blobs
    state = torch.get_rng_state()
    a = ClAM(3, random_state=3, max_epochs=3).fit(X)
    b = ClAM(3, random_state=3, max_epochs=3).fit(X)
    assert torch.equal(state, torch.get_rng_state())
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.loss_curve_ == b.loss_curve_
    c = ClAM(3, random_state=4, max_epochs=3).fit(X)
    assert not np.array_equal(a.cluster_centers_, c.cluster_centers_)


@pytest.mark.parametrize("mask_value", ["min", "max"])
def test_mask_values_and_constant_column(mask_value):
    X = np.random.RandomState(0).normal(size=(40, 3))
    X[:, 1] = 5.0
    clam = ClAM(2, mask_value=mask_value, n_steps=3, max_epochs=2, random_state=0).fit(X)
    assert clam.scale_[1] == 1.0
    assert np.all(np.isfinite(clam.transform(X)))
    fill = clam.net_.module_.fill.cpu().numpy().ravel()
    Z = (X - clam.mean_) / clam.scale_
    np.testing.assert_allclose(fill, Z.min(0) if mask_value == "min" else Z.max(0), rtol=1e-6, atol=1e-6)


def test_keeps_the_lowest_loss_epoch(blobs):
    X, _ = blobs
    clam = ClAM(3, random_state=0, max_epochs=6, lr=0.5).fit(X)
    assert clam.loss_curve_[clam.best_epoch_ - 1] == min(clam.loss_curve_)


def test_diverging_fit_raises(blobs):
    X, _ = blobs
    with pytest.raises(TrainingDivergedError):
        ClAM(3, lr=1e38, optimizer="sgd", max_epochs=2, random_state=0).fit(X)
