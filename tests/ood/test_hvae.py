import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from torch.distributions import Normal, kl_divergence

from sklearn_unsup._nn._vae import log_likelihood
from sklearn_unsup.ood import HierarchicalVAEDetector

SMALL = dict(latent_dims=(4, 2), hidden_dims=(16, 8), n_skip=1, max_epochs=5, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    return rng.normal(size=(120, 5)) @ rng.normal(size=(5, 5))


@pytest.fixture(scope="module")
def fitted(data):
    return HierarchicalVAEDetector(**SMALL, device="cpu").fit(data)  # tests read its tensors on the CPU


def test_shapes_and_predict(fitted, data):
    b = fitted.bounds(data[:7])
    assert b.shape == (7, 2) and np.isfinite(b).all()
    s = fitted.score_samples(data[:7])
    assert s.shape == (7,)
    np.testing.assert_allclose(s, b[:, 1] - b[:, 0])  # minus LLR^{>1}
    assert set(np.unique(fitted.predict(data))) <= {-1, 1}
    np.testing.assert_allclose(fitted.decision_function(data), fitted.score_samples(data) - fitted.offset_)


def test_bounds_match_module_by_hand(fitted, data):
    """ELBO and L^{>1} of a 2-level model recomputed from the module's pieces with torch.distributions."""
    m = fitted.net_.module_
    x = torch.as_tensor(fitted.scaler_.transform(data[:6]), dtype=torch.float32)
    rng = np.random.RandomState(fitted._score_seed)  # the scoring draws, level by level
    eps = [torch.as_tensor(rng.standard_normal((1, d)), dtype=torch.float32) for d in m.latent_dims]
    with torch.no_grad():
        (mu1, lv1), (mu2, lv2) = m.posteriors(x)
        q1, q2 = Normal(mu1, (0.5 * lv1).exp()), Normal(mu2, (0.5 * lv2).exp())
        z2 = mu2 + (0.5 * lv2).exp() * eps[1][0]
        kl2 = kl_divergence(q2, Normal(torch.zeros_like(mu2), torch.ones_like(mu2))).sum(-1)
        mu_p, lv_p = m.prior(0, z2)
        z1 = mu1 + (0.5 * lv1).exp() * eps[0][0]
        kl1 = kl_divergence(q1, Normal(mu_p, (0.5 * lv_p).exp())).sum(-1)
        elbo = log_likelihood(x, m.decoder(z1), m.log_scale, "gaussian") - kl1 - kl2
        l_k = log_likelihood(x, m.decoder(mu_p), m.log_scale, "gaussian") - kl2  # z_1 = mode of p(z_1|z_2)
    b = fitted.bounds(data[:6])
    np.testing.assert_allclose(b[:, 0], elbo.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(b[:, 1], l_k.numpy(), rtol=1e-4, atol=1e-3)
    # the authors' script: L^{>k} takes every KL of the ELBO's pass, so the ratio is a reconstruction difference
    code = HierarchicalVAEDetector(**SMALL, device="cpu", lk_kl_terms="all").fit(data)
    b_all = code.bounds(data[:6])
    np.testing.assert_allclose(b_all[:, 0], b[:, 0], rtol=1e-5)  # same seed, same network
    np.testing.assert_allclose(b_all[:, 1], (l_k + kl2 - kl1 - kl2).numpy(), rtol=1e-4, atol=1e-3)


def test_scoring_settings_are_those_of_fit(fitted, data):
    before = fitted.score_samples(data)
    fitted.set_params(n_skip=0, lk_kl_terms="all")  # offset_ was set with fit's settings: scores keep them
    np.testing.assert_array_equal(fitted.score_samples(data), before)
    fitted.set_params(n_skip=1, lk_kl_terms="upper")


def test_n_skip_zero_scores_by_the_elbo(fitted, data):
    est = HierarchicalVAEDetector(**{**SMALL, "n_skip": 0}).fit(data)
    assert HierarchicalVAEDetector().n_skip == 0  # the default: the ELBO ranked better in every benchmark run
    b = est.bounds(data)
    np.testing.assert_allclose(b[:, 0], b[:, 1])
    np.testing.assert_allclose(est.score_samples(data), b[:, 0])
    np.testing.assert_allclose(b[:, 0], fitted.bounds(data)[:, 0], rtol=1e-5)  # same seed, same network


def test_reproducible_and_batch_independent(fitted, data):
    other = HierarchicalVAEDetector(**SMALL).fit(data)
    np.testing.assert_array_equal(fitted.score_samples(data), other.score_samples(data))
    np.testing.assert_allclose(fitted.score_samples(data[:3]), fitted.score_samples(data)[:3], rtol=1e-5, atol=1e-5)
    assert not np.allclose(HierarchicalVAEDetector(**{**SMALL, "random_state": 1}).fit(data).score_samples(data),
                           fitted.score_samples(data))


def test_contamination_share(data):
    est = HierarchicalVAEDetector(**SMALL, contamination=0.1).fit(data)
    assert est.predicted_contamination_ == pytest.approx(0.1, abs=0.02)
    assert (est.predict(data) == -1).mean() == pytest.approx(0.1, abs=0.02)


@pytest.mark.parametrize("params, match", [
    (dict(n_skip=2), "n_skip must be below"),
    (dict(hidden_dims=(16,)), "one width per level"),
    (dict(latent_dims=(4, 0)), "positive ints"),
])
def test_bad_parameters(data, params, match):
    with pytest.raises(ValueError, match=match):
        HierarchicalVAEDetector(**{**SMALL, **params}).fit(data)


@pytest.mark.slow
def test_separates_digit_classes(digits):
    """Classes 0-5 in, 6-9 out: both the ELBO and -LLR^{>1} rank in-distribution rows above chance."""
    X, y = digits
    ind = y <= 5
    Xtr, Xte = train_test_split(X[ind], test_size=0.3, stratify=y[ind], random_state=0)
    Xev, lab = np.r_[Xte, X[~ind]], np.r_[np.ones(len(Xte)), np.zeros(int((~ind).sum()))]
    est = HierarchicalVAEDetector(n_skip=1, random_state=0).fit(Xtr)  # 100 epochs: ~4 s here
    b = est.bounds(Xev)
    assert roc_auc_score(lab, b[:, 0]) > 0.8  # ELBO ~.89
    assert roc_auc_score(lab, est.score_samples(Xev)) > 0.55  # -LLR^{>1} ~.63: weaker than the ELBO on this table
