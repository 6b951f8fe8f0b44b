import numpy as np
import pytest
import torch

from sklearn_unsup._nn import feature_mask, gaussian_noise, scarf_corruption
from sklearn_unsup.manifold import ContrastiveEncoder

FAST = dict(hidden_dims=(64,), projector_dims=(64,), max_epochs=10, batch_size=128)


def test_augmentations():
    torch.manual_seed(0)
    x = torch.arange(200, dtype=torch.float32).reshape(20, 10)
    v = scarf_corruption(x, rate=0.5)
    changed = (v != x).float().mean()
    assert 0.3 < changed < 0.6
    # every value comes from the same column of some row (the column's marginal)
    for j in range(10):
        assert set(v[:, j].tolist()) <= set(x[:, j].tolist())
    m = feature_mask(x, rate=0.3)
    assert torch.all((m == 0) | (m == x)) and (m == 0).float().mean() > 0.1
    assert gaussian_noise(x, scale=0.1).shape == x.shape


@pytest.mark.parametrize("loss", ["barlow_twins", "vicreg", "simclr"])
@pytest.mark.parametrize("augment", ["scarf", "gaussian", "mask"])
def test_losses_train_and_encode(digits, loss, augment):
    X, _ = digits
    enc = ContrastiveEncoder(4, loss=loss, augment=augment, random_state=0, **FAST).fit(X[:600])
    assert enc.loss_curve_[-1] < enc.loss_curve_[0]
    Z = enc.transform(X[:50])
    assert Z.shape == (50, 4) and np.all(np.isfinite(Z))
    assert enc.score(X[:5]) == -enc.loss_curve_[-1]


def test_codes_keep_class_structure(digits):
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    X, y = digits
    Z = ContrastiveEncoder(16, random_state=0, **dict(FAST, max_epochs=40)).fit_transform(X)
    acc = cross_val_score(KNeighborsClassifier(10), Z, y, cv=3).mean()
    assert acc > 0.7  # chance is 0.1 (a random 16-d projection scores higher: see the benchmark)


INSTANCE = dict(hidden_dims=(32,), projector_dims=(32,), batch_size=64, device="cpu")  # tests read its tensors


def _blobs():
    from sklearn.datasets import make_blobs

    return make_blobs(300, n_features=10, centers=2, cluster_std=3.0, random_state=0)


@pytest.mark.parametrize("loss", ["moco", "npid"])
def test_instance_losses_separate_blobs_and_reproduce(loss):
    from sklearn.cluster import KMeans

    from sklearn_unsup.metrics import cluster_accuracy

    X, y = _blobs()
    enc = ContrastiveEncoder(4, loss=loss, max_epochs=20, random_state=0, **INSTANCE).fit(X)
    # random keys (queue) or codes (bank) first make the task easy; it gets harder as they fill, then falls
    assert enc.loss_curve_[-1] < max(enc.loss_curve_)
    Z = enc.transform(X)
    assert cluster_accuracy(y, KMeans(2, n_init=3, random_state=0).fit_predict(Z)) > 0.95
    # batch-independent transform, reproducible fit
    np.testing.assert_array_equal(enc.transform(X[:7]), Z[:7])
    Z2 = ContrastiveEncoder(4, loss=loss, max_epochs=20, random_state=0, **INSTANCE).fit_transform(X)
    np.testing.assert_array_equal(Z, Z2)


def test_moco_queue_and_key_encoder():
    X, _ = _blobs()
    enc = ContrastiveEncoder(4, loss="moco", max_epochs=3, queue_size=1000, random_state=0, **INSTANCE).fit(X)
    queue = enc.net_.criterion_.queue
    # min(queue_size, max(n - b, b), n - 1) = min(1000, 236, 299)
    assert queue.shape == (236, 32)
    torch.testing.assert_close(queue.norm(dim=1), torch.ones(236))
    rows = enc.net_.criterion_.queue_rows
    assert rows.min() >= 0 and len(torch.unique(rows)) == len(rows)  # real keys, one per row
    assert enc.net_.criterion_.temperature == 0.2
    m = enc.net_.module_
    assert all(not p.requires_grad for p in m.key_encoder.parameters())
    assert not m.key_encoder.training
    q, k = m.encoder[0].weight, m.key_encoder[0].weight
    assert not torch.equal(q, k) and (q - k).abs().max() < 0.5 * q.abs().max()  # a lagging average
    # small data: the queue stays below n and holds at least a batch when the data hold two
    small = ContrastiveEncoder(2, loss="moco", max_epochs=1, random_state=0, **INSTANCE).fit(X[:100])
    assert small.net_.criterion_.queue.shape[0] == 64
    # partial_fit continues with the same queue; symmetric runs both directions
    enc.partial_fit(X[:100])
    assert enc.n_iter_ == 4 and enc.net_.criterion_.queue.shape == (236, 32)
    sym = ContrastiveEncoder(4, loss="moco", symmetric=True, max_epochs=2, random_state=0, **INSTANCE).fit(X)
    assert np.isfinite(sym.loss_curve_).all()


def test_npid_memory_bank():
    X, _ = _blobs()
    enc = ContrastiveEncoder(4, loss="npid", max_epochs=5, random_state=0, **INSTANCE).fit(X)
    crit = enc.net_.criterion_
    assert crit.memory.shape == (300, 32) and crit.n_negatives == 0 and crit.temperature == 0.07
    # every row was visited, so every entry is an L2-normalised moving average of its codes
    torch.testing.assert_close(crit.memory.norm(dim=1), torch.ones(300))
    f = enc._forward(lambda m, xb: m(xb), X, numpy=False)
    assert (f * crit.memory).sum(1).mean() > (f @ crit.memory.T).mean() + 0.1  # each entry follows its row's code
    with pytest.raises(ValueError, match="npid"):
        enc.partial_fit(X)
    with pytest.raises(ValueError, match="npid"):
        ContrastiveEncoder(loss="npid").partial_fit(X)
    nce = ContrastiveEncoder(4, loss="npid", n_negatives=50, max_epochs=2, random_state=0, **INSTANCE).fit(X)
    assert nce.net_.criterion_.n_negatives == 50 and float(nce.net_.criterion_.normaliser) > 0
    assert np.isfinite(nce.transform(X)).all()
    # K >= n - 1 is the exact softmax
    assert ContrastiveEncoder(4, loss="npid", n_negatives=299, max_epochs=1, random_state=0,
                              **INSTANCE).fit(X).net_.criterion_.n_negatives == 0


@pytest.mark.parametrize("loss", ["moco", "npid"])
def test_instance_losses_persist(loss, tmp_path):
    import pickle

    pytest.importorskip("skops.io")
    from sklearn_unsup.utils import dump_skops, load_skops

    X, _ = _blobs()
    enc = ContrastiveEncoder(4, loss=loss, max_epochs=1, random_state=0, **INSTANCE).fit(X)
    dump_skops(enc, tmp_path / "m.skops")
    for loaded in (load_skops(tmp_path / "m.skops"), pickle.loads(pickle.dumps(enc))):
        np.testing.assert_array_equal(loaded.transform(X[:5]), enc.transform(X[:5]))
        state, state2 = enc.net_.criterion_.state_dict(), loaded.net_.criterion_.state_dict()
        assert all(torch.equal(state[key], state2[key]) for key in state)  # queue or bank kept


def test_transform_layer_first_projector_layer():
    X, _ = _blobs()
    params = dict(hidden_dims=(16,), projector_dims=(24, 24, 8), batch_size=64, max_epochs=2, random_state=0,
                  device="cpu")
    enc0 = ContrastiveEncoder(4, loss="simclr", **params).fit(X)
    enc1 = ContrastiveEncoder(4, loss="simclr", transform_layer=1, **params).fit(X)
    Z0, Z1 = enc0.transform(X), enc1.transform(X)
    assert Z0.shape == (300, 4) and Z1.shape == (300, 24) and Z1.min() >= 0  # after the first ReLU
    assert enc1.get_feature_names_out().shape == (24,)
    np.testing.assert_array_equal(enc1.transform(X[:3]), Z1[:3])
    # same training, another output: the first projector block applied to the encoder's codes
    m = enc1.net_.module_.eval()
    with torch.no_grad():
        expected = m.projector[:3](torch.as_tensor(Z0, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(Z1, expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="two projector layers"):
        ContrastiveEncoder(4, transform_layer=1, projector_dims=(8,)).fit(X)
