import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from sklearn_unsup._nn._cpc import CPCNet, info_nce_loss, n_frames
from sklearn_unsup.timeseries import CPCEncoder

SMALL = dict(n_components=16, encoder_dim=16, batch_size=32, device="cpu")  # exact CPU reproducibility


def _two_families(n=160, n_channels=2, n_timepoints=40, seed=0):
    """Sines of frequency 1 or 3 (the family) with random phases and noise."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 2 * np.pi, n_timepoints)
    family = rng.randint(2, size=n)
    freq = np.where(family == 1, 3.0, 1.0)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, (n, n_channels, 1))
    return np.sin(freq * t + phase) + 0.1 * rng.normal(size=(n, n_channels, n_timepoints)), family


def _hand_info_nce(z, pred, valid):
    """InfoNCE by loops: for each k, the mean over valid (i, t + k) of -log softmax over the valid j."""
    n, n_f, n_steps, _ = pred.shape
    per_k = []
    for k in range(1, n_steps + 1):
        terms = []
        for t in range(n_f - k):
            for i in range(n):
                if not valid[i, t + k]:
                    continue
                cands = [j for j in range(n) if valid[j, t + k]]
                scores = np.array([z[j, t + k] @ pred[i, t, k - 1] for j in cands])
                own = scores[cands.index(i)]
                terms.append(-(own - np.log(np.exp(scores).sum())))
        if terms:
            per_k.append(np.mean(terms))
    return np.mean(per_k)


def test_info_nce_equals_a_hand_computation():
    rng = np.random.RandomState(0)
    z = rng.normal(size=(3, 4, 2))
    pred = rng.normal(size=(3, 4, 2, 2))
    valid = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)  # two shorter series
    loss = info_nce_loss(torch.tensor(z), torch.tensor(pred), torch.tensor(valid))
    assert loss.item() == pytest.approx(_hand_info_nce(z, pred, valid), rel=1e-10)
    # values at padded frames (as targets, negatives or contexts) do not change the loss
    z2, pred2 = z.copy(), pred.copy()
    z2[~valid] = 100.0
    pred2[~valid] = -50.0
    loss2 = info_nce_loss(torch.tensor(z2), torch.tensor(pred2), torch.tensor(valid))
    assert loss2.item() == pytest.approx(loss.item(), rel=1e-10)
    # one series: the only candidate is its own future, log 1 = 0
    assert info_nce_loss(torch.tensor(z[:1]), torch.tensor(pred[:1]), torch.tensor(valid[:1])).item() == 0.0


def test_causal_encoder_frames_and_validity():
    assert n_frames(100, (2, 1, 1)) == 50 and n_frames(251, (2, 2, 1)) == 63 and n_frames(40, (1, 1, 1)) == 40
    net = CPCNet(n_channels=1, strides=(2, 2), encoder_dim=4, n_components=3, n_prediction_steps=2)
    x = torch.randn(2, 1, 20)
    x[1, :, 9:] = torch.nan  # series 1: 9 steps; frame f reads steps up to 4 f, valid for f <= 2
    z, pred, valid = net(x)
    assert z.shape == (2, 5, 4) and pred.shape == (2, 5, 2, 4)
    assert valid.tolist() == [[True] * 5, [True, True, True, False, False]]


def test_loss_falls_and_codes_separate_two_families():
    X, family = _two_families()
    enc = CPCEncoder(**SMALL, max_epochs=30, random_state=0).fit(X)
    assert enc.strides_ == (1, 1, 1) and enc.n_prediction_steps_ == 10
    # chance is log(batch_size) ~ 3.47 on the first epoch; the loss must fall well below it
    assert enc.loss_curve_[-1] < 0.7 * enc.loss_curve_[0]
    for pooling in ("mean", "last"):
        codes = enc.set_params(pooling=pooling).transform(X)
        assert codes.shape == (160, 16)
        acc = cross_val_score(LogisticRegression(max_iter=2000), codes, family, cv=4).mean()
        assert acc > 0.9, (pooling, acc)  # chance is about 0.5


def test_padding_never_changes_a_series_code():
    X, _ = _two_families(n=80)
    lengths = np.r_[np.full(40, 40), np.random.RandomState(0).randint(12, 40, 40)]
    ragged = np.where(np.arange(40) < lengths[:, None, None], X, np.nan)
    enc = CPCEncoder(**SMALL, max_epochs=2, random_state=0).fit(ragged)
    # the code of a padded series is the full series' context read up to its length
    Xs = torch.tensor(enc._standardize(X))
    with torch.no_grad():
        _, c, _ = enc.net_.module_.eval().context(Xs)
    c = c.numpy()
    last = enc.set_params(pooling="last").transform(ragged)
    mean = enc.set_params(pooling="mean").transform(ragged)
    for i in (0, 45, 60, 79):
        np.testing.assert_allclose(last[i], c[i, lengths[i] - 1], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(mean[i], c[i, : lengths[i]].mean(axis=0), rtol=1e-4, atol=1e-5)
    # whatever the series held after its end, the padded series has one code
    other = np.where(np.arange(40) < lengths[:, None, None], X, -X)
    full_codes = enc.set_params(pooling="last").transform(other)
    np.testing.assert_allclose(full_codes[:40], last[:40], rtol=1e-4, atol=1e-5)  # unpadded ones agree
    assert not np.allclose(full_codes[40:], last[40:], atol=1e-3)  # read past the end: other codes


def test_2d_and_3d_univariate_input_are_the_same_model():
    X, _ = _two_families(n=64, n_channels=1)
    a = CPCEncoder(**SMALL, max_epochs=2, random_state=0).fit(X[:, 0, :])
    b = CPCEncoder(**SMALL, max_epochs=2, random_state=0).fit(X)
    np.testing.assert_allclose(a.transform(X[:, 0, :]), b.transform(X))


def test_same_seed_same_model_other_seed_other_model():
    X, _ = _two_families(n=64)
    fit = lambda seed: CPCEncoder(**SMALL, max_epochs=2, random_state=seed).fit(X)  # noqa: E731
    state = torch.random.get_rng_state()
    np.testing.assert_array_equal(fit(1).transform(X), fit(1).transform(X))
    assert not np.allclose(fit(1).transform(X), fit(2).transform(X))
    assert torch.equal(state, torch.random.get_rng_state())  # no global seeding


def test_bad_input_errors_name_the_problem():
    X, _ = _two_families(n=40)
    X[3, 1, 10] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a series \(series 3, channel 1, time step 10\)"):
        CPCEncoder(**SMALL, max_epochs=1).fit(X)
    X, _ = _two_families(n=40)
    with pytest.raises(ValueError, match="n_prediction_steps=40 must be fewer than the 40 frames"):
        CPCEncoder(**SMALL, n_prediction_steps=40).fit(X)
    with pytest.raises(ValueError, match="n_prediction_steps=10 must be fewer than the 10 frames"):
        CPCEncoder(**SMALL, strides=(2, 2), n_prediction_steps=10).fit(X)
    with pytest.raises(ValueError, match="strides must be 'auto' or a non-empty sequence of integers >= 1"):
        CPCEncoder(**SMALL, strides=(2, 0)).fit(X)
    enc = CPCEncoder(**SMALL, max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="3 channels and 40 time steps, but CPCEncoder was fitted on 2 channels"):
        enc.transform(np.zeros((5, 3, 40)))
    with pytest.raises(ValueError, match="more than 1e\\+06 standard deviations"):
        enc.transform(np.full((5, 2, 40), 1e30))


def test_partial_fit_continues_and_auto_budget():
    X, _ = _two_families(n=64, n_timepoints=100)
    enc = CPCEncoder(**SMALL, random_state=0).partial_fit(X)
    assert enc.n_iter_ == 1 and enc.strides_ == (2, 1, 1) and enc.n_prediction_steps_ == 12
    enc.partial_fit(X[:40])
    assert enc.n_iter_ == 2
    assert enc._n_epochs(80) == 200  # small data: the cap
    enc.n_timepoints_ = 40
    assert enc._n_epochs(5000) == 10  # 5,000 series of 40 steps: 10 passes
    enc.n_timepoints_ = 500
    assert enc._resolve_strides() == (2, 2, 2)
