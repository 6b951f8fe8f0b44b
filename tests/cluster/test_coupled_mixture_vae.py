"""CoupledMixtureVAE (cpl-mixVAE): the coupling loss, the arms' agreement, predict/predict_proba/consensus_."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, make_blobs
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn._coupled_mixture_vae import CoupledMixtureLoss, CoupledMixtureVAENet, coupling_distance
from sklearn_unsup.cluster import CoupledMixtureVAE
from sklearn_unsup.exceptions import TrainingDivergedError
from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.utils._test_common import FAST_PARAMS


def _fast(**kw):
    return CoupledMixtureVAE(**{**FAST_PARAMS["CoupledMixtureVAE"], "random_state": 0, **kw})


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=150, centers=3, n_features=6, cluster_std=0.6, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_coupling_distance_is_zero_for_equal_arms_and_scaled_by_batch_spread():
    g = torch.Generator().manual_seed(0)
    log_q = torch.randn(32, 4, generator=g).log_softmax(-1)
    assert float(coupling_distance(log_q, log_q)) == 0.0
    other = torch.randn(32, 4, generator=g).log_softmax(-1)
    # the distance is taken between log q / sd, sd per category over the batch: a hand-written loop agrees
    expected = 0.0
    for i in range(32):
        row = 0.0
        for c in range(4):
            qa, qb = log_q[:, c].exp(), other[:, c].exp()
            ta = torch.log(qa[i] + 1e-8) / torch.sqrt(qa.var(unbiased=False) + 1e-8)
            tb = torch.log(qb[i] + 1e-8) / torch.sqrt(qb.var(unbiased=False) + 1e-8)
            row += float(ta - tb) ** 2
        expected += row / 32
    np.testing.assert_allclose(float(coupling_distance(log_q, other)), expected, rtol=1e-4)


def test_loss_has_one_coupling_term_per_pair_of_arms():
    net = CoupledMixtureVAENet(5, 3, n_components=2, n_arms=3, hidden_dims=(8,), latent_dim=4)
    x = torch.randn(16, 5, generator=torch.Generator().manual_seed(1))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        y_pred = net(x)
    assert [t.shape for t in y_pred] == [(3, 16, 5), (3, 16, 2), (3, 16, 2), (3, 16, 3)]
    coupled = CoupledMixtureLoss(coupling=1.0)(y_pred, x)
    uncoupled = CoupledMixtureLoss(coupling=0.0)(y_pred, x)
    log_q = y_pred[3]
    pairs = sum(coupling_distance(log_q[a], log_q[b]) for a in range(3) for b in range(a + 1, 3))
    np.testing.assert_allclose(float(coupled - uncoupled), float(pairs), rtol=1e-5)


def test_fit_predict_proba_consensus(blobs):
    X, y = blobs
    est = _fast().fit(X)
    proba = est.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    assert est.arm_labels_.shape == (2, 150)
    assert est.consensus_ == pytest.approx(np.mean(est.arm_labels_[0] == est.arm_labels_[1]))
    assert est.transform(X).shape == (150, 2)
    assert est.cluster_sizes_.sum() == 150


def test_same_seed_same_model_and_global_rng_untouched(blobs):
    X, _ = blobs
    state = torch.random.get_rng_state()
    a, b = _fast().fit(X), _fast().fit(X)
    assert torch.equal(state, torch.random.get_rng_state())
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.loss_curve_ == b.loss_curve_


def test_three_arms_and_bernoulli(blobs):
    X, _ = blobs
    X01 = (X - X.min(0)) / (X.max(0) - X.min(0))
    est = _fast(n_arms=3, likelihood="bernoulli").fit(X01)
    assert est.arm_labels_.shape == (3, 150)
    assert np.isfinite(est.predict_proba(X01)).all()
    with pytest.raises(ValueError, match="likelihood='bernoulli' needs X in"):
        _fast(likelihood="bernoulli").fit(X)


def test_diverging_fit_raises(blobs):
    X, _ = blobs
    with pytest.raises(TrainingDivergedError):
        _fast(lr=1e30, optimizer="sgd", max_epochs=5).fit(X * 1e10)


@pytest.mark.slow
def test_digits_coupling_makes_the_arms_agree():
    # the mechanism on real data: coupled arms share cluster identities, uncoupled arms do not
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    params = dict(encoder=None, hidden_dims=(100, 100), max_epochs=20, random_state=0)
    coupled = CoupledMixtureVAE(10, **params).fit(X)
    uncoupled = CoupledMixtureVAE(10, coupling=0.0, **params).fit(X)
    # 20 epochs (seed 0): .39 of the rows agree coupled, .10 uncoupled (chance)
    assert coupled.consensus_ > uncoupled.consensus_ + 0.2
    assert cluster_accuracy(y, coupled.labels_) > 0.3  # .46 here; chance is about .1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_continues_and_describes_the_block(blobs):
    X, _ = blobs
    est = _fast().partial_fit(X[:100])
    assert est.n_iter_ == 1
    est.partial_fit(X[100:])
    assert est.n_iter_ == 2
    assert est.labels_.shape == (50,) and est.arm_labels_.shape == (2, 50)


def test_fit_warns_when_the_arms_disagree(blobs, monkeypatch):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklearn_unsup.cluster import _coupled_mixture_vae as module

    X, _ = blobs
    monkeypatch.setattr(module, "MIN_CONSENSUS", 1.01)  # no run can reach it
    with pytest.warns(ConvergenceWarning, match="arms agree on only"):
        est = _fast().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.partial_fit(X)  # partial_fit blocks never warn: one epoch each, agreement comes later
        monkeypatch.setattr(module, "MIN_CONSENSUS", 0.0)
        _fast().fit(X)
