import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sklearn_unsup._nn._sdc import SDCLoss, beta_targets
from sklearn_unsup.decomposition import SimilarityCalibratedHashing
from sklearn_unsup.neighbors import hamming_kneighbors

FAST = dict(max_epochs=5, lr=1e-3, device="cpu")


@pytest.fixture(scope="module")
def embeddings():
    """Unit-norm 'embeddings' in 10 loose clusters of a 32-d space."""
    X, y = make_blobs(1200, n_features=32, centers=10, cluster_std=4.0, random_state=0)
    return X / np.linalg.norm(X, axis=1, keepdims=True), y


def _precision_at(codes, y, k=10):
    _, ind = hamming_kneighbors(codes, n_neighbors=k)
    return float(np.mean(y[ind] == y[:, None]))


def test_codes_shapes_dtypes_and_packing(embeddings):
    X, _ = embeddings
    hasher = SimilarityCalibratedHashing(n_bits=12, random_state=0, **FAST)
    signs = hasher.fit_transform(X)
    assert signs.shape == (len(X), 12) and signs.dtype == np.float64
    assert set(np.unique(signs)) == {-1.0, 1.0}
    assert hasher.transform(X.astype(np.float32)).dtype == np.float32
    assert hasher.n_iter_ == 5 and len(hasher.loss_curve_) == 5
    assert len(hasher.get_feature_names_out()) == 12
    bits = hasher.set_params(output="bits").transform(X)
    assert bits.shape == (len(X), 2) and bits.dtype == np.uint8
    np.testing.assert_array_equal(np.unpackbits(bits, axis=1)[:, :12], signs > 0)
    assert not np.unpackbits(bits, axis=1)[:, 12:].any()  # zero padding
    assert list(hasher.get_feature_names_out()) == ["similaritycalibratedhashing0", "similaritycalibratedhashing1"]


def test_beta_targets_and_loss_match_a_direct_computation():
    t = beta_targets(32, 5.0).numpy()
    assert np.all(np.diff(t) > 0) and t.min() > -1 and t.max() < 1
    np.testing.assert_allclose(t, -t[::-1], atol=1e-6)  # symmetric Beta(a, a)
    assert beta_targets(32, 5.0, nonnegative=True).min() == 0
    g = torch.Generator().manual_seed(0)
    X, v = torch.randn(17, 6, generator=g), torch.randn(17, 4, generator=g)  # odd batch: last row dropped
    loss = SDCLoss(beta=2.0, quantization_weight=0.5)(v, X)
    xa, xb, va, vb, vv = X[:8].numpy(), X[8:16].numpy(), v[:8].numpy(), v[8:16].numpy(), v[:16].numpy()

    def cos(a, b):
        return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)

    code_sim = cos(va, vb)[np.argsort(cos(xa, xb))]
    calibration = np.abs(code_sim - beta_targets(8, 2.0).numpy()).mean()
    quantization = (1 - cos(vv, np.sign(vv))).mean()
    np.testing.assert_allclose(float(loss), calibration + 0.5 * quantization, rtol=1e-5)


def test_similar_rows_get_close_codes(embeddings):
    """Same-cluster precision@10 in Hamming distance well above random hyperplanes' (16 bits)."""
    X, y = embeddings
    hasher = SimilarityCalibratedHashing(n_bits=16, output="bits", max_epochs=30, lr=1e-3, random_state=0)
    sdc = _precision_at(hasher.fit_transform(X), y)
    lsh = np.mean([_precision_at(np.packbits(X @ np.random.RandomState(s).normal(size=(32, 16)) > 0, axis=1), y)
                   for s in range(3)])
    assert sdc > lsh + 0.1, (sdc, lsh)
    assert hasher.loss_curve_[-1] < hasher.loss_curve_[0]


def test_spread_of_code_similarities(embeddings):
    """The calibration spreads the pairs' code similarities (the 'similarity collapse' the paper fixes)."""
    X, _ = embeddings
    hasher = SimilarityCalibratedHashing(n_bits=32, max_epochs=20, lr=1e-3, random_state=0).fit(X)
    S = hasher.transform(X[:300])
    sims = (S[:150] * S[150:]).mean(axis=1)
    assert sims.std() > 0.25 and abs(np.median(sims)) < 0.3


def test_same_seed_same_codes_and_global_rng_untouched(embeddings):
    X, _ = embeddings
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = SimilarityCalibratedHashing(n_bits=16, random_state=1, **FAST).fit_transform(X)
    b = SimilarityCalibratedHashing(n_bits=16, random_state=1, **FAST).fit_transform(X)
    c = SimilarityCalibratedHashing(n_bits=16, random_state=2, **FAST).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert torch.equal(torch_state, torch.get_rng_state())
    np.testing.assert_array_equal(np_state, np.random.get_state()[1])


def test_partial_fit_continues(embeddings):
    X, _ = embeddings
    hasher = SimilarityCalibratedHashing(n_bits=8, random_state=0, **FAST)
    hasher.partial_fit(X[:600])
    first = hasher.transform(X)
    hasher.partial_fit(X[600:])
    assert hasher.n_iter_ == 2 and not np.array_equal(first, hasher.transform(X))


def test_in_a_pipeline(embeddings):
    X, y = embeddings
    pipe = make_pipeline(SimilarityCalibratedHashing(n_bits=16, random_state=0, **FAST), KNeighborsClassifier(5))
    assert pipe.fit(X[::2], y[::2]).score(X[1::2], y[1::2]) > 0.5


@pytest.mark.parametrize("params, match", [
    (dict(n_bits=0), "n_bits"),
    (dict(beta=0.0), "beta"),
    (dict(output="ints"), "output"),
    (dict(quantization_weight=-1.0), "quantization_weight"),
    (dict(batch_size=1), "batch_size=1"),
])
def test_bad_parameters(embeddings, params, match):
    X, _ = embeddings
    with pytest.raises(ValueError, match=match):
        SimilarityCalibratedHashing(**{**FAST, **params}).fit(X[:100])
