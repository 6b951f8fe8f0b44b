"""NeuralTransformationDetector (NeuTraL AD): views, loss, sign conventions, batch independence, widths."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_unsup._nn import NeuTraLNet
from sklearn_unsup.outlier import NeuralTransformationDetector
from sklearn_unsup.outlier._neutral import auto_widths

from ..conftest import load_shared

FAST = dict(n_transformations=4, hidden_dims=(16,), n_components=8, max_epochs=5, random_state=0)


def _related(n=300, seed=0):
    """Rows whose 5 features follow one latent value: a row breaking the relations is a novelty."""
    rng = np.random.RandomState(seed)
    t = rng.uniform(-2, 2, size=(n, 1))
    return np.c_[t, 2 * t, -t, t ** 2, np.sin(2 * t)] + 0.05 * rng.normal(size=(n, 5))


def _net(transformation="residual"):
    torch.manual_seed(0)
    return NeuTraLNet(5, 3, transformation, (6,), (8,), n_components=4, temperature=0.5).eval()


def test_loss_is_the_deterministic_contrastive_loss():
    net, x = _net(), torch.randn(3, 5)
    with torch.no_grad():
        loss = net(x).numpy()
        z = net.embed(x).numpy()
    assert loss.shape == (3, 3)
    h = np.exp(np.einsum("nkc,nlc->nkl", z, z) / 0.5)  # unit vectors: dot = cosine
    expected = np.empty((3, 3))
    for k in range(1, 4):
        others = sum(h[:, k, m] for m in range(1, 4) if m != k)
        expected[:, k - 1] = -np.log(h[:, k, 0] / (h[:, k, 0] + others))
    np.testing.assert_allclose(loss, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("transformation", ["residual", "multiplicative"])
def test_views_are_the_row_and_its_transformations(transformation):
    net, x = _net(transformation), torch.randn(4, 5)
    with torch.no_grad():
        v = net.views(x)
        m = net.transformations[1](x)
    assert v.shape == (4, 4, 5)
    torch.testing.assert_close(v[:, 0], x)
    expected = x + m if transformation == "residual" else torch.sigmoid(m) * x
    torch.testing.assert_close(v[:, 2], expected)


def test_unknown_transformation_is_refused():
    with pytest.raises(ValueError, match="transformation must be one of"):
        NeuTraLNet(5, 3, "affine", (6,), (8,), n_components=4, temperature=0.5)


@pytest.mark.parametrize("d, widths", [(6, (12, 12)), (31, (62, 62)), (32, (64, 32)), (300, (64, 32)),
                                       (301, (256, 64))])
def test_auto_widths_are_the_authors_rule(d, widths):
    assert auto_widths(d) == widths


def test_auto_architecture_resolved_at_fit():
    X = np.random.RandomState(0).normal(size=(60, 6))
    det = NeuralTransformationDetector(max_epochs=1, random_state=0).fit(X)
    assert det.hidden_dims_ == (12,) * 4 and det.n_components_ == 12 and det.transformation_hidden_dims_ == (6,)
    assert len(det.net_.module_.transformations) == 11
    det = NeuralTransformationDetector(**{**FAST, "max_epochs": 1}, transformation_hidden_dims=(3, 3)).fit(X)
    assert det.hidden_dims_ == (16,) and det.n_components_ == 8 and det.transformation_hidden_dims_ == (3, 3)


def test_novelty_breaking_the_feature_relations_scores_lower():
    X = _related()
    det = NeuralTransformationDetector(max_epochs=20, batch_size=32, lr=3e-3, random_state=0).fit(X)  # default nets
    normal = _related(100, seed=2)
    broken = normal.copy()
    broken[:, 1] *= -1  # same marginals (t is symmetric), the relation 2t broken
    s = det.score_samples(np.r_[normal, broken])
    assert roc_auc_score(np.r_[np.zeros(100), np.ones(100)], -s) > 0.85
    np.testing.assert_allclose(det.decision_function(normal), det.score_samples(normal) - det.offset_)
    assert set(np.unique(det.predict(np.r_[normal, broken]))) <= {-1, 1}
    assert det.loss_curve_[-1] < det.loss_curve_[0]


def test_scores_are_deterministic_and_batch_independent():
    X = _related()
    a = NeuralTransformationDetector(**FAST).fit(X)
    b = NeuralTransformationDetector(**FAST).fit(X)
    full = a.score_samples(X)
    np.testing.assert_array_equal(full, b.score_samples(X))
    chunks = np.concatenate([a.score_samples(X[i:i + 7]) for i in range(0, 70, 7)])
    np.testing.assert_array_equal(full[:70], chunks)
    c = NeuralTransformationDetector(**{**FAST, "random_state": 1}).fit(X)
    assert not np.array_equal(full, c.score_samples(X))


def test_contamination_sets_the_flagged_share():
    X = _related()
    det = NeuralTransformationDetector(**FAST, contamination=0.1).fit(X)
    assert abs(np.mean(det.predict(X) == -1) - 0.1) <= 2 / len(X)


def test_multiplicative_and_one_feature_fit_finite():
    X = np.random.RandomState(0).normal(size=(50, 3))
    det = NeuralTransformationDetector(**FAST, transformation="multiplicative", scaling="standard").fit(X)
    assert np.all(np.isfinite(det.score_samples(X)))
    det = NeuralTransformationDetector(**FAST).fit(X[:, :1])
    assert np.all(np.isfinite(det.score_samples(X[:, :1])))


def test_scale_blind_network_so_far_rows_are_clipped_and_penalised():
    X = _related(200)
    det = NeuralTransformationDetector(**FAST, device="cpu").fit(X)  # the test feeds CPU tensors to the module
    module = det.net_.module_
    x = torch.as_tensor(det._preprocess(X[:4]), dtype=torch.float32)
    with torch.no_grad():  # bias-free networks, unit embeddings: the loss ignores a positive factor
        torch.testing.assert_close(module(1000 * x), module(x), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(det.input_range_, [[0.0] * 5, [1.0] * 5], atol=1e-6)
    np.testing.assert_array_equal(det.predict(X[:2] * 1e30), -1)
    assert np.all(det.score_samples(X[:2] + 1e3) < det.score_samples(X).min())


@pytest.mark.slow
def test_novelty_quality_on_thyroid():
    X, y = load_shared("anomaly/thyroid.npz")
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    det = NeuralTransformationDetector(max_epochs=5, random_state=0).fit(Xtr[ytr == 0])
    assert roc_auc_score(yte, -det.score_samples(Xte)) > 0.9
