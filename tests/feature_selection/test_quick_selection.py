import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._kernels._sparse_layer import group_connections, grouped_spmm, sparse_weight_grad
from sklearn_unsup.feature_selection import QuickSelection
from sklearn_unsup.feature_selection._quick_selection import _prune_mask, _SparseLayer


def _informative_and_noise(n=1000, seed=0):
    """10 columns driven by 2 latent factors (unit scale), then 30 columns of small independent noise."""
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n, 2))
    return np.c_[latent @ rng.normal(size=(2, 10)), 0.1 * rng.normal(size=(n, 30))]


@pytest.mark.parametrize("n_in, n_out, epsilon", [(784, 1000, 13), (64, 1000, 13), (30, 20, 5), (3, 50, 13)])
def test_erdos_renyi_connection_count(n_in, n_out, epsilon):
    layer = _SparseLayer(n_in, n_out, epsilon, np.random.default_rng(0), np.float64)
    expected = min(epsilon * (n_in + n_out), n_in * n_out)
    assert layer.vals.size == expected
    assert np.unique(layer.flat).size == expected  # distinct positions
    assert layer.rows.max() < n_in and layer.cols.max() < n_out
    assert abs(layer.vals.std() - 0.1) < 0.02


@pytest.mark.parametrize("n_in, n_out, epsilon", [(100, 200, 3), (3, 50, 13)])  # sparse, and full (dense)
def test_prune_and_regrow_keeps_the_number_of_connections(n_in, n_out, epsilon):
    rng = np.random.default_rng(0)
    layer = _SparseLayer(n_in, n_out, epsilon, rng, np.float64)
    nnz = layer.vals.size
    layer.velocity[:] = 1.0
    for _ in range(5):
        before = dict(zip(layer.flat.tolist(), layer.vals.tolist()))
        keep = _prune_mask(layer.vals, 0.2)
        kept = set(layer.flat[keep].tolist())
        layer.prune_and_regrow(0.2, rng)
        assert layer.vals.size == nnz and np.unique(layer.flat).size == nnz
        assert np.all(np.diff(layer.flat) > 0)
        assert all(before[f] == v for f, v in zip(layer.flat.tolist(), layer.vals.tolist()) if f in kept)
        grown = ~np.isin(layer.flat, list(kept))
        assert grown.sum() == nnz - len(kept)
        assert np.all(layer.velocity[grown] == 0) and np.all(layer.velocity[~grown] == 1)
        layer.velocity[:] = 1.0


def test_prune_removes_the_weights_closest_to_zero_on_each_side():
    vals = np.array([-5.0, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    keep = _prune_mask(vals, 0.2)  # 1 of 5 negatives, 2 of 10 positives
    np.testing.assert_array_equal(vals[~keep], [-1, 1, 2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_dense_products(dtype):
    rng = np.random.default_rng(0)
    n_in, n_out, batch = 40, 30, 7
    layer = _SparseLayer(n_in, n_out, 2, rng, dtype)
    W = np.zeros((n_in, n_out))
    W[layer.rows, layer.cols] = layer.vals
    A = rng.normal(size=(n_in, batch)).astype(dtype)
    D = rng.normal(size=(n_out, batch)).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12)
    np.testing.assert_allclose(layer.forward(A), W.T @ A + layer.bias[:, None], **tol)
    np.testing.assert_allclose(layer.backward(D), W @ D, **tol)
    grad = np.empty_like(layer.vals)
    sparse_weight_grad(A, D, layer.rows, layer.cols, grad)
    np.testing.assert_allclose(grad, (A @ D.T / batch)[layer.rows, layer.cols], **tol)
    order, ptr = group_connections(layer.cols, n_out)
    out = np.full((n_out, batch), np.nan, dtype=dtype)  # overwritten, not accumulated
    grouped_spmm(A, layer.rows, ptr, order, layer.vals, out)
    np.testing.assert_allclose(out, W.T @ A, **tol)


def test_scores_are_the_input_strength():
    X = _informative_and_noise(300)
    qs = QuickSelection(10, hidden_size=40, epsilon=3, max_epochs=3, random_state=0).fit(X)
    W = qs.input_weights_
    assert W.shape == (40, 40)
    np.testing.assert_allclose(qs.scores_, np.asarray(abs(W).sum(axis=1)).ravel(), rtol=1e-6)
    # the last pruning leaves 80 % of each sign: fewer connections than the Erdos-Renyi count
    assert W.nnz < 3 * (40 + 40)
    assert sorted(qs.ranking_) == list(range(1, 41))
    assert qs.n_iter_ == len(qs.loss_curve_) == 3


def test_selects_the_informative_features():
    X = _informative_and_noise()
    for seed in range(3):
        qs = QuickSelection(10, hidden_size=100, max_epochs=10, random_state=seed).fit(X)
        assert qs.scores_[:10].mean() > 1.3 * qs.scores_[10:].mean()
        assert qs.get_support()[:10].sum() >= 7  # random: 2.5 of 10 expected
    assert qs.loss_curve_[-1] < qs.loss_curve_[0]


def test_same_seed_same_result_and_seed_matters():
    X = _informative_and_noise(200)
    params = dict(hidden_size=30, epsilon=2, max_epochs=4)
    a = QuickSelection(5, random_state=0, **params).fit(X)
    b = QuickSelection(5, random_state=0, **params).fit(X)
    c = QuickSelection(5, random_state=1, **params).fit(X)
    np.testing.assert_array_equal(a.scores_, b.scores_)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.scores_, c.scores_)
    # no global seeding: numpy's global stream is untouched
    state = np.random.get_state()[1].copy()
    QuickSelection(5, random_state=0, **params).fit(X)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_small_inputs_and_pipeline():
    X = np.random.RandomState(0).normal(size=(7, 3))  # fewer rows than batch_size, dense layers
    qs = QuickSelection(2, hidden_size=4, max_epochs=3, random_state=0).fit(X)
    assert qs.transform(X).shape == (7, 2)
    assert make_pipeline(StandardScaler(), QuickSelection(0.5, max_epochs=2, random_state=0)).fit_transform(
        X).shape == (7, 2)
    with pytest.raises(ValueError, match="n_features_to_select=5 must be <= n_features=3"):
        QuickSelection(5).fit(X)


def test_divergence_is_reported():
    X = np.random.RandomState(0).normal(size=(50, 4)) * 1e25
    with pytest.raises(ValueError, match="diverged"):
        QuickSelection(2, hidden_size=8, max_epochs=2, random_state=0).fit(X)
