import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn._deep_lds import EmbeddingClassifierNet, WeightedCrossEntropyLoss
from sklearn_unsup.semi_supervised import DeepLowDensitySeparation

FAST = dict(n_components=16, hidden_dims=(32,), max_epochs=60, batch_size=64, n_rounds=3, device="cpu")


def _stripes(n=400, seed=0):
    """Two long parallel stripes with an empty gap between them; two labelled rows per class, all at the
    opposite ends of the stripes, so that the labelled rows alone suggest a wrong, tilted boundary."""
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1], n // 2)
    X = np.column_stack([2.0 * (2 * y - 1) + 0.3 * rng.randn(n), 1.5 * rng.randn(n)])
    X[:2] = [[-2.0, 3.0], [-2.2, 2.5]]
    X[n // 2:n // 2 + 2] = [[2.0, -3.0], [2.2, -2.5]]
    y_semi = np.full(n, -1)
    y_semi[[0, 1, n // 2, n // 2 + 1]] = y[[0, 1, n // 2, n // 2 + 1]]
    return X, y, y_semi


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(400, n_features=6, centers=4, cluster_std=1.5, random_state=2)
    y_semi = np.full_like(y, -1)
    for c in range(4):
        y_semi[np.flatnonzero(y == c)[:3]] = c
    return StandardScaler().fit_transform(X), y, y_semi


@pytest.fixture(scope="module")
def fitted(blobs):
    X, _, y_semi = blobs
    return DeepLowDensitySeparation(random_state=0, **FAST).fit(X, y_semi)


def test_beats_logistic_regression_on_the_labelled_rows_across_a_gap():
    X, y, y_semi = _stripes()
    unlabelled = y_semi == -1
    labelled_only = LogisticRegression().fit(X[~unlabelled], y_semi[~unlabelled]).predict(X[unlabelled])
    model = DeepLowDensitySeparation(random_state=0, **FAST).fit(X, y_semi)
    baseline = np.mean(labelled_only == y[unlabelled])
    accuracy = np.mean(model.transduction_[unlabelled] == y[unlabelled])
    assert baseline < 0.9
    assert accuracy > baseline + 0.05
    assert accuracy > 0.95


def test_fitted_attributes(blobs, fitted):
    X, y, y_semi = blobs
    unlabelled = y_semi == -1
    assert fitted.classes_.tolist() == [0, 1, 2, 3]
    assert fitted.n_rounds_ == 3
    np.testing.assert_array_equal(fitted.transduction_[~unlabelled], y_semi[~unlabelled])  # labelled rows kept
    np.testing.assert_array_equal(fitted.pseudo_labels_[~unlabelled], y_semi[~unlabelled])
    assert np.mean(fitted.transduction_[unlabelled] == y[unlabelled]) > 0.9
    weights = fitted.pseudo_label_weights_
    assert weights.shape == (len(X),) and np.all((weights >= 0) & (weights <= 1))
    assert np.all(weights[~unlabelled] == 1) and weights[unlabelled].min() < 1
    assert fitted.label_distributions_.shape == (len(X), 4)
    assert len(fitted.loss_curve_) == fitted.n_iter_ == FAST["max_epochs"] + 3 * 10
    Z = fitted.transform(X)
    assert Z.shape == (len(X), 16) and Z.dtype == np.float64
    assert fitted.transform(X.astype(np.float32)).dtype == np.float32


def test_predict_proba_rows_sum_to_one(blobs, fitted):
    X = blobs[0]
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 4) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[proba.argmax(axis=1)])
    np.testing.assert_array_equal(fitted.predict(X[:5]), fitted.predict(X)[:5])  # independent of the other rows


def test_score_ignores_unlabelled_rows(blobs, fitted):
    X, y, y_semi = blobs
    labelled = y_semi != -1
    assert fitted.score(X, y_semi) == np.mean(fitted.predict(X[labelled]) == y_semi[labelled])


def test_same_seed_same_model(blobs, fitted):
    X, _, y_semi = blobs
    again = DeepLowDensitySeparation(random_state=0, **FAST).fit(X, y_semi)
    np.testing.assert_array_equal(again.transduction_, fitted.transduction_)
    np.testing.assert_allclose(again.predict_proba(X), fitted.predict_proba(X))
    other = DeepLowDensitySeparation(random_state=1, **FAST).fit(X, y_semi)
    assert not np.allclose(other.predict_proba(X), fitted.predict_proba(X))


def test_all_labelled_is_a_classifier(blobs):
    X, y, _ = blobs
    model = DeepLowDensitySeparation(random_state=0, **FAST).fit(X, y)
    assert model.n_rounds_ == 0 and model.n_iter_ == FAST["max_epochs"]
    np.testing.assert_array_equal(model.pseudo_labels_, y)
    np.testing.assert_array_equal(model.transduction_, y)
    assert model.score(X, y) > 0.9


def test_text_labels_and_minus_one_among_objects(blobs):
    X, y, y_semi = blobs
    names = np.array(["a", "b", "c", "d"], dtype=object)
    y_obj = np.where(y_semi == -1, -1, names[np.clip(y_semi, 0, None)]).astype(object)
    model = DeepLowDensitySeparation(random_state=0, **{**FAST, "n_rounds": 1}).fit(X, y_obj)
    assert model.classes_.tolist() == ["a", "b", "c", "d"]
    assert set(model.transduction_) == set(names)


@pytest.mark.parametrize("y, message", [
    (np.full(400, -1), "every label of y is -1"),
    (np.zeros(399, dtype=int), "399 labels for 400 rows"),
    (np.linspace(0, 1, 400), "Unknown label type"),
    (np.r_[np.nan, np.zeros(399)], "NaN"),
])
def test_bad_labels_are_refused(blobs, y, message):
    with pytest.raises(ValueError, match=message):
        DeepLowDensitySeparation(**FAST).fit(blobs[0], y)


def test_weighted_loss_uses_the_row_weights():
    torch.manual_seed(0)
    net = EmbeddingClassifierNet(3, (4,), 2, 3)
    x = torch.randn(5, 3)
    target = torch.tensor([[0, 1.0], [1, 0.0], [2, 0.5], [0, 0.0], [1, 1.0]])
    loss = WeightedCrossEntropyLoss()(net(x), x, target)
    ce = torch.nn.functional.cross_entropy(net(x)[1], target[:, 0].long(), reduction="none")
    assert loss.item() == pytest.approx(((ce * target[:, 1]).sum() / 5).item())
