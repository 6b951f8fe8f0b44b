"""AutoEncoderOutlierDetector(shift_augmentation=True): training on shifted views of the batches."""

import io

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_unsup._nn import DenoisingReconstructionLoss, ShiftAugmentedAutoEncoder, marginal_shift
from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.outlier import AutoEncoderOutlierDetector
from sklearn_unsup.utils._test_common import expected_failed_checks

FAST = dict(hidden_dims=(16,), n_components=4, max_epochs=3, random_state=0)


def _data(rng, n):
    z = rng.normal(size=(n, 2))
    return z @ np.array([[1.0, 0.5, -1, 2, 0, 1], [0, 1, 1, -1, 2, 0.5]]) + 0.1 * rng.normal(size=(n, 6))


def test_marginal_shift_is_one_monotone_map_per_feature_on_a_share_of_them():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(200, 5, generator=gen)
    y = marginal_shift(x, rate=1.0, scale=2.0)
    assert not torch.allclose(x, y)
    for j in range(5):  # the same increasing map for every row: the order of the rows is kept
        order = torch.argsort(x[:, j])
        assert torch.all(torch.diff(y[order, j]) >= 0)
    assert torch.equal(marginal_shift(x, rate=0.0), x)


def test_module_adds_the_shifted_view_in_training_only():
    module = ShiftAugmentedAutoEncoder(6, 3, (8,))
    x = torch.randn(10, 6)
    with torch.no_grad():
        out = module.train()(x)
        loss = DenoisingReconstructionLoss()(out, x).item()
    assert len(out) == 3 and out[2].shape == x.shape
    assert loss > 0
    rec, code = module.eval()(x)
    assert rec.shape == x.shape and code.shape == (10, 3)


def test_shift_augmentation_fits_scores_and_is_reproducible():
    rng = np.random.RandomState(0)
    X = np.r_[_data(rng, 300), [[8.0, -8, 8, -8, 8, -8]]]
    det = AutoEncoderOutlierDetector(shift_augmentation=True, **FAST).fit(X)
    assert isinstance(det.model_, AutoEncoder)
    s = det.score_samples(X)
    assert np.all(np.isfinite(s)) and s.argmin() == len(X) - 1
    assert det.predict(X[-1:])[0] == -1
    again = AutoEncoderOutlierDetector(shift_augmentation=True, **FAST).fit(X).score_samples(X)
    np.testing.assert_array_equal(s, again)
    plain = AutoEncoderOutlierDetector(**FAST).fit(X).score_samples(X)
    assert not np.allclose(s, plain)
    det.partial_fit(X)  # continues with the same (augmented) model
    assert np.all(np.isfinite(det.score_samples(X)))


def test_shift_augmentation_with_batch_norm_passes_both_views_at_once():
    # one pass over [clean; shifted], so BatchNorm's running statistics match the batches it normalised in training
    module = ShiftAugmentedAutoEncoder(6, 3, (8,), batch_norm=True)
    x = torch.randn(10, 6)
    rec, code, rec_view = module.train()(x)
    assert rec.shape == rec_view.shape == x.shape and code.shape == (10, 3)
    bn = next(m for m in module.modules() if isinstance(m, torch.nn.BatchNorm1d))
    assert bn.num_batches_tracked.item() == 1  # a single training-mode pass
    X = _data(np.random.RandomState(2), 200)
    s = AutoEncoderOutlierDetector(shift_augmentation=True, batch_norm=True, **FAST).fit(X).score_samples(X)
    assert np.all(np.isfinite(s))


def test_shift_augmentation_roundtrips_through_skops():
    pytest.importorskip("skops.io")
    from sklearn_unsup.utils import dump_skops, load_skops

    X = _data(np.random.RandomState(1), 120)
    det = AutoEncoderOutlierDetector(shift_augmentation=True, **FAST).fit(X)
    buffer = io.BytesIO()
    dump_skops(det, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(load_skops(buffer).score_samples(X), det.score_samples(X))


@parametrize_with_checks(
    [AutoEncoderOutlierDetector(shift_augmentation=True, hidden_dims=(8,), n_components=2, max_epochs=2,
                                batch_size=32, random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_shift_augmentation_passes_the_common_checks(estimator, check):
    # the common suite runs the default (shift_augmentation=False); the option gets the same contract
    check(estimator)
