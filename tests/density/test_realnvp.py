import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from sklearn_unsup.density import RealNVP

from ..conftest import load_shared


@pytest.fixture(scope="module")
def moons():
    X, _ = make_moons(3000, noise=0.05, random_state=0)
    return train_test_split(X, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def moons_flow(moons):
    Xtr, _ = moons
    return RealNVP(n_coupling_layers=8, hidden_dims=(64, 64), n_base_components=1, max_epochs=60,
                   random_state=0).fit(Xtr)


def test_beats_single_gaussian_on_moons(moons, moons_flow):
    Xtr, Xte = moons
    gauss = GaussianMixture(1, covariance_type="full").fit(Xtr).score(Xte)
    assert moons_flow.score(Xte) > gauss + 0.5  # nats per row


def test_density_integrates_to_one(moons_flow):
    grid = np.linspace(-3, 4, 281)
    xx, yy = np.meshgrid(grid, grid)
    pts = np.c_[xx.ravel(), yy.ravel()]
    mass = np.exp(moons_flow.score_samples(pts)).sum() * (grid[1] - grid[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.05)


def test_samples_look_like_the_data(moons, moons_flow):
    Xtr, _ = moons
    S = moons_flow.sample(3000, random_state=0)
    assert S.shape == (3000, 2) and np.all(np.isfinite(S))
    np.testing.assert_allclose(S.mean(0), Xtr.mean(0), atol=0.1)
    np.testing.assert_allclose(np.cov(S.T), np.cov(Xtr.T), atol=0.1)


def test_mixture_base_starts_from_and_improves_on_the_gmm():
    X, _ = load_shared("cluster/mnist1d.npz")
    Xtr, Xte = train_test_split(X.astype(np.float64), test_size=0.3, random_state=0)
    gmm = GaussianMixture(5, covariance_type="full", reg_covar=1e-4, random_state=0).fit(Xtr)
    flow = RealNVP(n_base_components=5, max_epochs=30, random_state=0).fit(Xtr)
    assert flow.n_base_components_ == 5
    assert flow.score(Xte) > gmm.score(Xte) - 0.3
    S = flow.sample(50, random_state=0)
    assert S.shape == (50, 40) and np.all(np.isfinite(S))


def test_early_stopping_keeps_best_epoch():
    X = np.random.RandomState(0).normal(size=(300, 3))
    flow = RealNVP(n_coupling_layers=2, hidden_dims=(128, 128), max_epochs=200, n_iter_no_change=3,
                   random_state=0).fit(X)
    assert flow.n_iter_ < 200
    assert len(flow.validation_loss_curve_) == flow.n_iter_
    no_es = RealNVP(n_coupling_layers=2, hidden_dims=(8,), max_epochs=3, early_stopping=False,
                    random_state=0).fit(X)
    assert not hasattr(no_es, "validation_loss_curve_") and no_es.n_iter_ == 3


def test_dequantize_integer_data():
    X = np.random.RandomState(0).poisson(3.0, size=(500, 2)).astype(float)
    flow = RealNVP(n_coupling_layers=4, hidden_dims=(32,), dequantize=True, max_epochs=20,
                   random_state=0).fit(X)
    assert np.all(np.isfinite(flow.score_samples(X)))
    with pytest.raises(ValueError, match="n_base_components=600 must be <= n_samples"):
        RealNVP(n_base_components=600, max_epochs=1).fit(X)


def three_blobs(n=600, seed=0):
    rng = np.random.RandomState(seed)
    centers = np.array([[-6.0, 0.0], [0.0, 6.0], [6.0, 0.0]])
    return centers[rng.randint(3, size=n)] + 0.4 * rng.normal(size=(n, 2))


def test_auto_base_keeps_the_flow_with_the_better_held_out_likelihood():
    X = three_blobs()
    flow = RealNVP(n_coupling_layers=2, hidden_dims=(16,), max_epochs=15, random_state=0).fit(X)
    scores = flow.base_validation_log_likelihood_
    assert len(scores) == 3 and all(np.isfinite(v) for v in scores.values())
    # three well-separated blobs: the mixture base wins, with the three components the held-out rows prefer
    best = max(scores, key=scores.get)
    k = flow.n_base_components_
    assert best.startswith(f"mixture({k})") and k >= 3
    assert set(scores) == {"normal", f"mixture({k})", f"mixture({k}) untrained"}
    # the figure is the kept flow's own trimmed mean log-density on the held-out rows (lowest 5 % left out)
    _, valid = flow._split_rows(len(X), int(np.random.RandomState(0).randint(np.iinfo(np.int32).max)))
    held_out = np.sort(flow.score_samples(X[valid]))
    assert held_out[int(0.05 * len(valid)):].mean() == pytest.approx(scores[best], abs=1e-3)
    assert len(flow.validation_loss_curve_) == len(flow.validation_score_curve_) == flow.n_iter_
    again = RealNVP(n_coupling_layers=2, hidden_dims=(16,), max_epochs=15, random_state=0).fit(X)
    np.testing.assert_array_equal(flow.score_samples(X), again.score_samples(X))


def test_auto_base_without_a_hold_out_uses_bic():
    X = three_blobs(200)
    flow = RealNVP(n_coupling_layers=2, hidden_dims=(8,), max_epochs=2, early_stopping=False, random_state=0).fit(X)
    assert flow.base_validation_log_likelihood_ is None and flow.n_base_components_ >= 3
    part = RealNVP(n_coupling_layers=2, hidden_dims=(8,), random_state=0).partial_fit(X)
    assert part.base_validation_log_likelihood_ is None and part.n_base_components_ >= 3


def test_trimmed_mean_drops_the_lowest_share():
    from sklearn_unsup.density._realnvp import trimmed_mean

    values = np.r_[np.arange(19.0), -1e6]
    assert trimmed_mean(values, 0.05) == pytest.approx(9.0)  # floor(.05 * 20) = 1 row dropped: the -1e6
    assert trimmed_mean(values, 0.0) == pytest.approx(values.mean())
    assert trimmed_mean(values[:10], 0.05) == pytest.approx(values[:10].mean())  # floor(.5) = 0 rows


def _with_far_held_out_row(X, **params):
    """X with its first held-out row (of the "auto" fit with random_state=0) moved far from the rest."""
    net_seed = int(np.random.RandomState(0).randint(np.iinfo(np.int32).max))
    _, valid = RealNVP(**params)._split_rows(len(X), net_seed)
    X = X.copy()
    X[valid[0]] = [40.0, -40.0]
    return X


def test_one_far_held_out_row_neither_stops_training_nor_flips_the_base():
    X = three_blobs(400)
    params = dict(n_coupling_layers=2, hidden_dims=(16,), max_epochs=12, n_iter_no_change=2, defensive_weight=0.0,
                  random_state=0)
    far = _with_far_held_out_row(X, **params)
    clean = RealNVP(**params).fit(X)
    robust = RealNVP(**params).fit(far)
    plain = RealNVP(validation_trim=0.0, **params).fit(far)
    # the trimmed score leaves the far row out: the base, the stopping epoch (within one: the row left out of the
    # clean fit's score differs) and the scores are those of the fit without it
    assert robust.n_base_components_ == clean.n_base_components_ >= 3
    assert abs(robust.n_iter_ - clean.n_iter_) <= 1
    best = f"mixture({clean.n_base_components_})"
    assert robust.base_validation_log_likelihood_[best] == pytest.approx(clean.base_validation_log_likelihood_[best],
                                                                         abs=0.1)
    # the plain mean is decided by that one row: it flips the base to fewer components
    assert plain.n_base_components_ < clean.n_base_components_


def test_defensive_component_bounds_the_log_density_far_away(moons):
    Xtr, _ = moons
    w = 0.01
    flow = RealNVP(n_coupling_layers=2, hidden_dims=(16,), n_base_components=1, defensive_weight=w, max_epochs=3,
                   random_state=0).fit(Xtr)
    bare = RealNVP(n_coupling_layers=2, hidden_dims=(16,), n_base_components=1, defensive_weight=0.0, max_epochs=3,
                   random_state=0).fit(Xtr)
    far = np.array([[30.0, -30.0]])
    z = (far - Xtr.mean(0)) / Xtr.std(0)
    floor = np.log(w) + (-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - np.log(Xtr.std(0))).sum()
    assert flow.score_samples(far)[0] == pytest.approx(max(floor, np.log1p(-w) + bare.score_samples(far)[0]), abs=0.5)
    assert flow.score_samples(far)[0] >= floor - 1e-3
    # elsewhere the cost is at most -log(1 - w) nats per row
    assert np.all(flow.score_samples(Xtr[:50]) >= bare.score_samples(Xtr[:50]) + np.log1p(-w) - 1e-4)
    S = flow.sample(2000, random_state=0)
    assert S.shape == (2000, 2) and np.all(np.isfinite(S))
