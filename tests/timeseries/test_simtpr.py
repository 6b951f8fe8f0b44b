"""CPCEncoder(objective="predictive_decorrelation"): SimTPR's loss, views, padding, seeds; effective_rank_."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_unsup._nn._simtpr import (
    FrameNorm,
    PredictiveDecorrelationNet,
    consistency_loss,
    decorrelation_loss,
    predictive_decorrelation_loss,
    series_views,
)
from sklearn_unsup.timeseries import CPCEncoder, TSTEncoder
from sklearn_unsup.timeseries._rank import effective_rank
from sklearn_unsup.utils._test_common import FAST_PARAMS, expected_failed_checks

PD = dict(objective="predictive_decorrelation", n_components=16, encoder_dim=16, batch_size=32,
          device="cpu")  # the tests read CPU tensors and check exact CPU reproducibility


def _two_families(n=160, n_channels=2, n_timepoints=40, seed=0):
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 2 * np.pi, n_timepoints)
    family = rng.randint(2, size=n)
    freq = np.where(family == 1, 3.0, 1.0)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, (n, n_channels, 1))
    return np.sin(freq * t + phase) + 0.1 * rng.normal(size=(n, n_channels, n_timepoints)), family


def _np_barlow(z1, z2, w):
    def std(z):
        z = z / np.linalg.norm(z, axis=1, keepdims=True)
        return (z - z.mean(0)) / z.std(0, ddof=1)

    c = std(z1).T @ std(z2) / len(z1)
    off = c - np.diag(np.diag(c))
    return np.sum((np.diag(c) - 1) ** 2) + w * np.sum(off**2)


def _np_cons(p, t):
    cos = np.sum(p * t, 1) / np.linalg.norm(p, axis=1) / np.linalg.norm(t, axis=1)
    return np.mean(2 - 2 * cos)


def test_loss_terms_equal_numpy_formulas():
    rng = np.random.RandomState(0)
    p1, p2, t1, t2 = (rng.normal(size=(12, 5)) for _ in range(4))
    args = [torch.tensor(a) for a in (p1, p2, t1, t2)]
    assert decorrelation_loss(args[2], args[3], 0.005).item() == pytest.approx(_np_barlow(t1, t2, 0.005), rel=1e-10)
    assert consistency_loss(args[0], args[3]).item() == pytest.approx(_np_cons(p1, t2), rel=1e-10)
    expected = 0.5 * (_np_cons(p1, t2) + _np_cons(p2, t1)) + 0.01 * _np_barlow(t1, t2, 0.005)
    assert predictive_decorrelation_loss(*args).item() == pytest.approx(expected, rel=1e-10)
    no_reg = predictive_decorrelation_loss(*args, reg_lambda=0.0).item()
    assert no_reg == pytest.approx(0.5 * (_np_cons(p1, t2) + _np_cons(p2, t1)), rel=1e-10)
    # fewer than two (series, frame) pairs: 0, with a graph that backpropagates
    one = [a[:1].clone().requires_grad_() for a in args]
    loss = predictive_decorrelation_loss(*one)
    loss.backward()
    assert loss.item() == 0.0


def test_consistency_target_gets_no_gradient():
    rng = np.random.RandomState(1)
    p = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    t = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    gp, gt = torch.autograd.grad(consistency_loss(p, t), (p, t), allow_unused=True)
    assert gt is None and gp.abs().sum() > 0
    # the full loss: the targets' gradient is that of the decorrelation term alone
    p2 = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    t2 = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    g_full = torch.autograd.grad(predictive_decorrelation_loss(p, p2, t, t2), (t, t2))
    g_reg = torch.autograd.grad(0.01 * decorrelation_loss(t, t2), (t, t2))
    for a, b in zip(g_full, g_reg):
        torch.testing.assert_close(a, b)


def test_views_keep_padding_and_change_values():
    x = torch.randn(4, 3, 20)
    x[1, :, 12:] = torch.nan
    gen_state = torch.random.get_rng_state()
    v = series_views(x)
    assert torch.equal(torch.isnan(v), torch.isnan(x))
    assert not torch.allclose(torch.nan_to_num(v), torch.nan_to_num(x))
    torch.random.set_rng_state(gen_state)
    torch.testing.assert_close(series_views(x), v, equal_nan=True)  # drawn from torch's generator


def test_frame_norm_standardises_valid_frames_only():
    z = torch.randn(3, 5, 4)
    valid = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0]], dtype=torch.bool)
    norm = FrameNorm(4).train()
    out = norm(z, valid)
    rows = z[valid].numpy()
    np.testing.assert_allclose(out[valid].numpy(), (rows - rows.mean(0)) / np.sqrt(rows.var(0) + 1e-5), rtol=1e-5,
                               atol=1e-6)
    assert (out[~valid] == 0).all()
    torch.testing.assert_close(norm(z.masked_fill(~valid[..., None], 1e6), valid), out)  # padding values unused
    torch.testing.assert_close(norm.running_mean, 0.19 * torch.tensor(rows.mean(0)))  # two updates from 0
    norm.eval()
    torch.testing.assert_close(norm(z[:1], valid[:1]), norm(z, valid)[:1])  # eval: row by row


def test_net_uses_only_pairs_inside_the_series():
    net = PredictiveDecorrelationNet(n_channels=1, strides=(2, 1), encoder_dim=4, n_components=3)
    x = torch.randn(3, 1, 20)
    x[1, :, 9:] = torch.nan  # 5 frames of 10 valid: 4 pairs; the others 9 pairs each
    x[2, :, 2:] = torch.nan  # 1 frame: no pair
    p1, p2, t1, t2 = net.train()(x)
    assert p1.shape == p2.shape == t1.shape == t2.shape == (9 + 4, 4)
    _, _, e1, e2 = net.eval()(x)
    torch.testing.assert_close(e1, e2)  # eval mode: both views are the input


def test_padding_never_changes_a_series_code():
    X, _ = _two_families(n=80)
    lengths = np.r_[np.full(40, 40), np.random.RandomState(0).randint(12, 40, 40)]
    ragged = np.where(np.arange(40) < lengths[:, None, None], X, np.nan)
    enc = CPCEncoder(**PD, max_epochs=2, random_state=0).fit(ragged)
    assert enc.n_prediction_steps_ == 1 and np.isfinite(enc.loss_curve_).all()
    for pooling in ("last", "mean"):
        codes = enc.set_params(pooling=pooling).transform(ragged)
        Xs = torch.tensor(enc._standardize(X))
        with torch.no_grad():
            _, c, _ = enc.net_.module_.eval().context(Xs)
        c = c.numpy()
        for i in (0, 45, 60, 79):
            ref = c[i, lengths[i] - 1] if pooling == "last" else c[i, : lengths[i]].mean(axis=0)
            np.testing.assert_allclose(codes[i], ref, rtol=1e-4, atol=1e-5)


def test_same_seed_same_model_other_seed_other_model():
    X, _ = _two_families(n=64)
    fit = lambda seed: CPCEncoder(**PD, max_epochs=2, random_state=seed).fit(X)  # noqa: E731
    state = torch.random.get_rng_state()
    a, b = fit(1), fit(1)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.loss_curve_ == b.loss_curve_ and a.effective_rank_ == b.effective_rank_
    assert not np.allclose(a.transform(X), fit(2).transform(X))
    assert torch.equal(state, torch.random.get_rng_state())  # no global seeding


def test_loss_falls_and_codes_separate_two_families():
    X, family = _two_families()
    enc = CPCEncoder(**PD, max_epochs=20, random_state=0).fit(X)
    assert enc.loss_curve_[-1] < 0.5 * enc.loss_curve_[0]
    codes = enc.transform(X)
    assert codes.shape == (160, 16)
    acc = cross_val_score(LogisticRegression(max_iter=2000), codes, family, cv=4).mean()
    assert acc > 0.9, acc  # chance is about 0.5
    enc.set_params(max_epochs="auto")
    assert enc._n_epochs(80) == 200  # the cap
    assert enc._n_epochs(5000) == 10  # the same budget as infonce


def test_effective_rank_function():
    rng = np.random.RandomState(0)
    basis = np.linalg.qr(rng.normal(size=(10, 3)))[0].T  # 3 orthonormal directions in 10-d
    iso = rng.choice([-1.0, 1.0], size=(4000, 3)) @ basis + 5.0  # equal spread along 3 directions, offset
    assert effective_rank(iso) == pytest.approx(3.0, abs=0.05)
    assert effective_rank(1e-3 * iso) == pytest.approx(effective_rank(iso), rel=1e-9)  # scale-free
    assert effective_rank(np.ones((50, 4))) == 0.0  # constant codes
    assert effective_rank(np.ones((50, 4)) + 1e-9 * rng.normal(size=(50, 4))) == 0.0  # rounding only
    s = np.array([3.0, 1.0])
    p = s / s.sum()
    two = rng.choice([-1.0, 1.0], size=(10000, 2)) * s
    assert effective_rank(two) == pytest.approx(np.exp(-(p * np.log(p)).sum()), rel=2e-2)


@pytest.mark.parametrize("objective", ["infonce", "predictive_decorrelation"])
def test_effective_rank_attribute_is_that_of_the_training_codes(objective):
    X, _ = _two_families(n=64)
    enc = CPCEncoder(**{**PD, "objective": objective}, max_epochs=2, random_state=0).fit(X)
    assert 1.0 <= enc.effective_rank_ <= 16
    assert enc.effective_rank_ == pytest.approx(effective_rank(enc.transform(X)), rel=1e-6)
    enc.partial_fit(X[:40])
    assert enc.effective_rank_ == pytest.approx(effective_rank(enc.transform(X[:40])), rel=1e-6)
    tst = TSTEncoder(d_model=8, n_heads=2, n_layers=1, max_epochs=1, random_state=0).fit(X)
    assert tst.effective_rank_ == pytest.approx(effective_rank(tst.transform(X)), rel=1e-6)


def test_bad_reg_lambda_and_objective():
    X, _ = _two_families(n=40)
    with pytest.raises(ValueError, match="reg_lambda"):
        CPCEncoder(**PD, reg_lambda=-1.0).fit(X)
    with pytest.raises(ValueError, match="objective"):
        CPCEncoder(objective="simclr").fit(X)


# the common checks on the new objective (the shared table holds one instance per estimator class)
@parametrize_with_checks([CPCEncoder(**{**FAST_PARAMS["CPCEncoder"], "objective": "predictive_decorrelation"},
                                     random_state=0)], expected_failed_checks=expected_failed_checks)
def test_common_checks_predictive_decorrelation(estimator, check):
    check(estimator)


def test_skops_roundtrip_with_the_documented_trusted_types(tmp_path):
    pytest.importorskip("skops")
    from sklearn_unsup.utils import dump_skops, load_skops

    X, _ = _two_families(n=64)
    enc = CPCEncoder(**PD, max_epochs=1, random_state=0).fit(X)
    dump_skops(enc, tmp_path / "enc.skops")
    loaded = load_skops(tmp_path / "enc.skops")
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))
    assert loaded.effective_rank_ == enc.effective_rank_
    enc.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))
