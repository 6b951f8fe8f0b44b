import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.model_selection import GridSearchCV

from sklearn_unsup.decomposition import VAE
from sklearn_unsup.metrics import cluster_accuracy

from ..conftest import load_shared

FAST = dict(hidden_dims=(64,), max_epochs=5, batch_size=64)


def test_api_shapes_and_sampling(digits):
    X, _ = digits
    vae = VAE(n_components=3, likelihood="bernoulli", random_state=0, **FAST).fit(X)
    assert vae.transform(X).shape == (len(X), 3)
    rec = vae.inverse_transform(vae.transform(X[:4]))
    assert rec.shape == (4, 64) and rec.min() >= 0 and rec.max() <= 1
    samples = vae.sample(7)
    assert samples.shape == (7, 64) and np.all(np.isfinite(samples))
    np.testing.assert_array_equal(vae.sample(7, random_state=1), vae.sample(7, random_state=1))
    with pytest.raises(ValueError, match="n_samples"):
        vae.sample(0)


def test_score_is_a_bound_that_training_raises(digits):
    X, _ = digits
    short = VAE(5, likelihood="bernoulli", random_state=0, **dict(FAST, max_epochs=1)).fit(X)
    long = VAE(5, likelihood="bernoulli", random_state=0, **dict(FAST, max_epochs=15)).fit(X)
    assert long.score(X) > short.score(X) + 2  # nats per row
    elbo = long.score_samples(X)
    iw = long.set_params(n_importance_samples=50).score_samples(X)
    assert elbo.shape == iw.shape == (len(X),)
    assert iw.mean() > elbo.mean()  # the importance-weighted bound is tighter
    # scoring is deterministic and row-independent
    np.testing.assert_allclose(long.score_samples(X[:10]), long.score_samples(X)[:10], rtol=1e-5)
    np.testing.assert_allclose(long.score_samples(X[::-1])[::-1], long.score_samples(X), rtol=1e-5)


def test_gaussian_likelihood_on_standardized_table(digits):
    from sklearn.preprocessing import StandardScaler

    X, _ = digits
    Xs = StandardScaler().fit_transform(X)
    vae = VAE(5, random_state=0, **FAST).fit(Xs)
    assert np.all(np.isfinite(vae.score_samples(Xs)))
    with pytest.raises(ValueError, match=r"likelihood='bernoulli' needs X in \[0, 1\]"):
        VAE(likelihood="bernoulli", **FAST).fit(Xs)


def test_beta_vae_trades_reconstruction_for_kl(digits):
    X, _ = digits
    plain = VAE(5, likelihood="bernoulli", random_state=0, **FAST).fit(X)
    beta = VAE(5, beta=8.0, likelihood="bernoulli", random_state=0, **FAST).fit(X)
    z_plain, z_beta = plain.transform(X), beta.transform(X)
    # a strong KL weight pulls the posterior means towards the prior's centre
    assert np.mean(z_beta**2) < np.mean(z_plain**2)


def test_gridsearch_selects_n_components_by_score_without_y(digits):
    X, _ = digits
    search = GridSearchCV(
        VAE(likelihood="bernoulli", random_state=0, **dict(FAST, max_epochs=25)), {"n_components": [1, 8]}, cv=2
    ).fit(X)
    assert search.best_params_ == {"n_components": 8}


def test_vae_codes_cluster_better_than_pixels_on_mnist5k():
    X, y = load_shared("cluster/mnist5k.npz")
    X = X / 255.0
    km_pixels = KMeans(10, n_init=3, random_state=0).fit_predict(X)
    vae = VAE(10, likelihood="bernoulli", max_epochs=40, random_state=0).fit(X)
    km_codes = KMeans(10, n_init=3, random_state=0).fit_predict(vae.transform(X))
    acc_codes, acc_pixels = cluster_accuracy(y, km_codes), cluster_accuracy(y, km_pixels)
    assert acc_codes > acc_pixels + 0.05, (acc_codes, acc_pixels)


def test_global_rng_untouched(digits):
    X, _ = digits
    state = torch.get_rng_state()
    VAE(2, random_state=0, **FAST).fit(X).score(X)
    assert torch.equal(state, torch.get_rng_state())


def test_dip_penalty_is_the_covariance_moment_matching():
    from sklearn_unsup._nn import VAELoss

    gen = torch.Generator().manual_seed(0)
    X, out = torch.randn(32, 4, generator=gen), torch.randn(32, 4, generator=gen)
    mu, logvar = torch.randn(32, 3, generator=gen), torch.randn(32, 3, generator=gen) * 0.1
    y_pred = (out, mu, logvar, torch.zeros(4))
    plain = VAELoss()(y_pred, X)
    cov = np.cov(mu.numpy().T, bias=True)
    for regularizer, cov_used in [("dip-i", cov), ("dip-ii", cov + np.diag(logvar.exp().numpy().mean(0)))]:
        off = cov_used - np.diag(np.diag(cov_used))
        expected = 2.0 * np.sum(off ** 2) + 3.0 * np.sum((np.diag(cov_used) - 1) ** 2)
        loss = VAELoss(regularizer=regularizer, lambda_offdiag=2.0, lambda_diag=3.0)(y_pred, X)
        assert float(loss - plain) == pytest.approx(expected, rel=1e-4)


def test_dip_vae_decorrelates_the_codes_and_keeps_reconstruction():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    factors = rng.uniform(-1, 1, size=(1500, 3))
    X = StandardScaler().fit_transform(np.tanh(factors @ rng.normal(size=(3, 32))) @ rng.normal(size=(32, 12)))
    fast = dict(hidden_dims=(64,), max_epochs=15, batch_size=128)
    plain = VAE(3, random_state=0, **fast).fit(X)
    dip = VAE(3, regularizer="dip-i", random_state=0, **fast).fit(X)

    def mean_abs_corr(model):
        corr = np.corrcoef(model.transform(X).T)
        return np.abs(corr[~np.eye(3, dtype=bool)]).mean()

    def mse(model):
        return np.mean((model.inverse_transform(model.transform(X)) - X) ** 2)

    assert mean_abs_corr(dip) < 0.5 * mean_abs_corr(plain)
    # measured .102 vs .068: the codes still carry the data (the features' variance is 1)
    assert mse(dip) < min(2.0 * mse(plain), 0.2)
    assert dip._dip_kwargs() == {"regularizer": "dip-i", "lambda_offdiag": 10.0, "lambda_diag": 100.0}
    assert VAE(regularizer="dip-ii")._dip_kwargs()["lambda_diag"] == 10.0
