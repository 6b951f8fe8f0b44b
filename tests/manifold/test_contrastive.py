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
