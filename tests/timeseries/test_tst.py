import numpy as np
import pytest
import torch

from sklearn_unsup._nn._tst import MaskedMSELoss, geometric_keep_mask, interpolate_hidden
from sklearn_unsup.timeseries import TSTEncoder

SMALL = dict(d_model=16, n_heads=2, n_layers=1, dim_feedforward=32, batch_size=32)


def _sines(n=120, n_channels=2, n_timepoints=30, seed=0):
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 2 * np.pi, n_timepoints)
    phase = rng.uniform(0, 2 * np.pi, (n, n_channels, 1))
    freq = rng.choice([1.0, 2.0], (n, 1, 1))
    return np.sin(freq * t + phase) + 0.05 * rng.normal(size=(n, n_channels, n_timepoints))


def _runs(row):
    """Lengths of the runs of True in a 1-d boolean array."""
    padded = np.r_[False, row, False].astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return edges[1::2] - edges[::2]


def test_geometric_masks_have_the_ratio_and_mean_length():
    gen = torch.Generator().manual_seed(0)
    keep = geometric_keep_mask((2000, 3, 200), 0.15, 3.0, gen).numpy()
    assert keep.shape == (2000, 3, 200)
    assert abs((~keep).mean() - 0.15) < 0.01
    # interior runs only (a run cut by either end of the series is shorter than drawn)
    runs = np.concatenate([_runs(~row)[1:-1] for row in keep[:300].reshape(-1, 200)])
    assert abs(runs.mean() - 3.0) < 0.15
    # channels are masked independently, not at the same steps
    assert (keep[:, 0] != keep[:, 1]).mean() > 0.2


def test_masked_mse_counts_only_masked_observed_values():
    x = torch.tensor([[[1.0, 2.0, 3.0, float("nan")]]])
    keep = torch.tensor([[[True, False, False, False]]])
    pred = torch.tensor([[[100.0, 2.5, 1.0, 50.0]]])  # huge error on the visible value and on the NaN
    loss = MaskedMSELoss()(pred, (x, keep))
    assert loss.item() == pytest.approx((0.5**2 + 2.0**2) / 2)
    assert MaskedMSELoss()(pred, (x, torch.ones_like(keep))).item() == 0.0  # nothing masked: no loss


def test_transform_shapes_pooling_and_dtype():
    X = _sines().astype(np.float32)
    enc = TSTEncoder(**SMALL, max_epochs=2, random_state=0).fit(X)
    assert enc.n_channels_ == 2 and enc.n_timepoints_ == 30 and enc.n_features_in_ == 60
    assert enc.n_iter_ == 2 and np.all(np.isfinite(enc.loss_curve_))
    Z = enc.transform(X)
    assert Z.shape == (120, 16) and Z.dtype == np.float32
    assert enc.set_params(pooling="max").transform(X).shape == (120, 16)
    flat = enc.set_params(pooling="flatten").transform(X)
    assert flat.shape == (120, 30 * 16)
    assert len(enc.get_feature_names_out()) == 30 * 16


def test_2d_and_3d_univariate_input_are_the_same_model():
    X = _sines(n_channels=1)
    a = TSTEncoder(**SMALL, max_epochs=2, random_state=0).fit(X[:, 0, :])
    b = TSTEncoder(**SMALL, max_epochs=2, random_state=0).fit(X)
    np.testing.assert_allclose(a.transform(X[:, 0, :]), b.transform(X))
    np.testing.assert_allclose(a.transform(X), b.transform(X[:, 0, :]))
    assert a.impute(X[:, 0, :]).ndim == 2 and b.impute(X).ndim == 3


def test_same_seed_same_model_other_seed_other_model():
    X = _sines()
    fit = lambda seed: TSTEncoder(**SMALL, max_epochs=2, random_state=seed).fit(X)  # noqa: E731
    state = torch.random.get_rng_state()
    np.testing.assert_array_equal(fit(1).transform(X), fit(1).transform(X))
    assert not np.allclose(fit(1).transform(X), fit(2).transform(X))
    assert torch.equal(state, torch.random.get_rng_state())  # no global seeding


def test_impute_fills_only_missing_values_and_beats_the_channel_mean():
    X = _sines(n=300, n_timepoints=40)
    enc = TSTEncoder(**SMALL, max_epochs=15, random_state=0).fit(X)
    missing = ~geometric_keep_mask(X.shape, 0.15, 3.0, torch.Generator().manual_seed(1)).numpy()
    missing[:, :, -1] = False  # keep every series' end observed (all-NaN last steps would read as padding)
    X_missing = np.where(missing, np.nan, X)
    filled = enc.impute(X_missing)
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~missing], X[~missing])
    rmse = np.sqrt(np.mean((filled[missing] - X[missing]) ** 2))
    channel_mean = np.broadcast_to(np.nanmean(X_missing, axis=(0, 2))[:, None], X.shape)
    mean_rmse = np.sqrt(np.mean((channel_mean[missing] - X[missing]) ** 2))
    assert rmse < 0.85 * mean_rmse


def test_interpolate_hidden_matches_numpy_interp():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(5, 3, 12))
    visible = rng.uniform(size=x.shape) > 0.4
    visible[0, 0] = False  # a channel with nothing visible reads 0
    got = interpolate_hidden(torch.from_numpy(x), torch.from_numpy(visible)).numpy()
    for i, c in np.ndindex(5, 3):
        seen = np.flatnonzero(visible[i, c])
        want = np.interp(np.arange(12), seen, x[i, c, seen]) if seen.size else np.zeros(12)  # ends: held flat
        np.testing.assert_allclose(got[i, c], want, atol=1e-12)


def test_interpolated_masked_input_reads_the_other_channel():
    """``masked_input="interpolate"`` starts at linear interpolation and learns to use the mirrored channel."""
    X = _sines(n=300, n_channels=1, n_timepoints=40)
    X = np.concatenate([X, -X + 0.05 * np.random.RandomState(0).normal(size=X.shape)], axis=1)
    missing = ~geometric_keep_mask(X.shape, 0.15, 3.0, torch.Generator().manual_seed(1)).numpy()
    missing[:, :, -1] = False
    X_missing = np.where(missing, np.nan, X)
    enc = TSTEncoder(**SMALL, masked_input="interpolate", max_epochs=15, random_state=0).fit(X)
    filled = enc.impute(X_missing)
    np.testing.assert_array_equal(filled[~missing], X[~missing])
    linear = interpolate_hidden(torch.from_numpy(np.nan_to_num(X_missing)), torch.from_numpy(~missing)).numpy()
    rmse = [np.sqrt(np.mean((f[missing] - X[missing]) ** 2)) for f in (filled, linear)]
    assert rmse[0] < 0.95 * rmse[1]
    assert enc.transform(X[:3]).shape == (3, 16)


def test_ragged_series_are_masked_not_filled():
    X = _sines(n=80)
    lengths = np.r_[np.full(40, 30), np.random.RandomState(0).randint(12, 30, 40)]
    ragged = np.where(np.arange(30) < lengths[:, None, None], X, np.nan)
    enc = TSTEncoder(**SMALL, max_epochs=2, random_state=0).fit(ragged)
    codes = enc.transform(ragged)
    assert np.isfinite(codes).all()
    flat = enc.set_params(pooling="flatten").transform(ragged).reshape(80, 30, 16)
    assert np.all(flat[np.arange(30) >= lengths[:, None]] == 0)  # padding steps carry no embedding
    # the padding stays NaN in impute; a missing value inside a series is filled
    hole = ragged.copy()
    hole[50, 0, 3] = np.nan
    filled = enc.impute(hole)
    assert np.isfinite(filled[50, 0, 3])
    np.testing.assert_array_equal(np.isnan(filled), np.isnan(ragged))


def test_nan_inside_a_series_is_refused_with_a_pointer_to_impute():
    X = _sines(n=40)
    X[3, 1, 10] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside a series \(series 3, channel 1, time step 10\).*impute"):
        TSTEncoder(**SMALL, max_epochs=1).fit(X)
    X[3, :, :] = np.nan
    with pytest.raises(ValueError, match="Series 3 of X has no observed value"):
        TSTEncoder(**SMALL, max_epochs=1).fit(X)


def test_shape_errors():
    X = _sines(n=40)
    enc = TSTEncoder(**SMALL, max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="3 channels and 30 time steps, but TSTEncoder was fitted on 2 channels"):
        enc.transform(np.zeros((5, 3, 30)))
    with pytest.raises(ValueError, match="X is 2-d .* fitted on series of 2 channels"):
        enc.transform(np.zeros((5, 60)))
    with pytest.raises(ValueError, match="got 4 dimensions"):
        enc.transform(np.zeros((5, 2, 30, 1)))
    with pytest.raises(ValueError, match="n_heads=3 must divide d_model=16"):
        TSTEncoder(d_model=16, n_heads=3).fit(X)
    with pytest.raises(ValueError, match="visible runs shorter than one step"):
        TSTEncoder(**SMALL, masking_ratio=0.9).fit(X)


def test_partial_fit_continues_and_auto_epochs_budget():
    X = _sines(n=64)
    enc = TSTEncoder(**SMALL, random_state=0).partial_fit(X)
    assert enc.n_iter_ == 1
    enc.partial_fit(X[:40])
    assert enc.n_iter_ == 2
    assert enc._n_epochs(64) == 400  # small data: the paper's 400 passes
    enc.n_timepoints_ = 40
    assert enc._n_epochs(5000) == 9  # 5,000 series of 40 steps: 9 passes


def test_only_end_steps_are_padding_a_missing_step_inside_is_imputed():
    """A univariate series missing one inside step: that step is a value to fill, not an attention padding key."""
    from sklearn_unsup._nn._tst import TSTNet

    x = torch.randn(2, 1, 10)
    x[0, 0, 3] = float("nan")
    x[0, 0, 8:] = float("nan")
    net = TSTNet(1, 10, d_model=8, n_heads=2, n_layers=1, dim_feedforward=8, masked_input="interpolate").eval()
    _, padding, base = net._hidden(x)
    assert padding[0].tolist() == [False] * 8 + [True] * 2 and not padding[1].any()
    assert torch.isclose(base[0, 0, 3], (x[0, 0, 2] + x[0, 0, 4]) / 2)
