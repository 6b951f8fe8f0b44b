import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_blobs
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn import GraphAutoEncoderLoss, GraphBatchIterator, GraphTargets, TensorDataset
from sklearn_unsup.manifold import GraphAutoEncoder
from sklearn_unsup.neighbors._graph import KNNGraph

FAST = dict(max_epochs=60, device="cpu")


@pytest.fixture(scope="module")
def blobs():
    # three blobs in 10-d, overlapping enough that 10-NN on the raw rows is not perfect
    X, y = make_blobs(360, n_features=10, centers=3, cluster_std=4.0, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, _ = blobs
    return GraphAutoEncoder(4, random_state=0, **FAST).fit(X[:300])


def knn(Z, y):
    return cross_val_score(KNeighborsClassifier(10), Z, y, cv=5).mean()


def test_codes_separate_blobs(blobs, fitted):
    X, y = blobs
    Z = fitted.embedding_
    assert Z.shape == (300, 4) and np.all(np.isfinite(Z))
    assert knn(Z, y[:300]) >= max(0.93, knn(X[:300], y[:300]) - 0.01)  # about the input's 0.947
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0] and fitted.n_iter_ == 60
    assert list(fitted.get_feature_names_out())[:2] == ["graphautoencoder0", "graphautoencoder1"]


def test_transform_of_training_rows_gives_back_embedding(blobs, fitted):
    X, _ = blobs
    np.testing.assert_allclose(fitted.transform(X[:300]), fitted.embedding_, atol=1e-5)
    Z = GraphAutoEncoder(4, random_state=0, **FAST).fit_transform(X[:300])
    np.testing.assert_array_equal(Z, fitted.embedding_)  # fit_transform is the embedding, reproducibly


def test_new_rows_are_attached_one_by_one(blobs, fitted):
    X, _ = blobs
    new = fitted.transform(X[300:])
    np.testing.assert_array_equal(fitted.transform(X[300:305]), new[:5])
    np.testing.assert_array_equal(fitted.transform(X[[310, 300]]), new[[10, 0]])
    # each new row is linked to its k nearest training rows (and to those that would pick it), not to new rows
    W, self_weight = fitted._graph.attach(X[300:])
    assert W.shape == (60, 300) and np.all(W.getnnz(axis=1) >= fitted.n_neighbors_)
    np.testing.assert_allclose(self_weight, 1 / (W.getnnz(axis=1) + 1))


def _held_out_link_auc(est, X_new):
    """AUC of the inner-product decoder: edges of rows unseen in training vs random (new, training) pairs."""
    codes = est.transform(X_new)
    W, _ = est._graph.attach(X_new)
    r, c = W.nonzero()
    rng = np.random.RandomState(0)
    rr, cc = rng.randint(len(X_new), size=len(r)), rng.randint(len(est.embedding_), size=len(r))
    scores = np.r_[np.sum(codes[r] * est.embedding_[c], 1), np.sum(codes[rr] * est.embedding_[cc], 1)]
    labels = np.r_[np.ones(len(r)), np.asarray(W[rr, cc]).ravel() > 0]
    return roc_auc_score(labels, scores)


def test_link_prediction_on_held_out_rows(blobs, fitted):
    # the paper's task on rows never seen in training; measured 0.886 after 60 epochs vs 0.715 after one
    X, _ = blobs
    one_epoch = GraphAutoEncoder(4, random_state=0, **dict(FAST, max_epochs=1)).fit(X[:300])
    assert _held_out_link_auc(fitted, X[300:]) > max(0.85, _held_out_link_auc(one_epoch, X[300:]) + 0.1)


def test_reproducible_and_seed_dependent(blobs):
    X, _ = blobs
    a = GraphAutoEncoder(2, random_state=1, max_epochs=5, device="cpu").fit(X[:100])
    b = GraphAutoEncoder(2, random_state=1, max_epochs=5, device="cpu").fit(X[:100])
    c = GraphAutoEncoder(2, random_state=2, max_epochs=5, device="cpu").fit(X[:100])
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a.embedding_, c.embedding_)


def test_dense_loss_is_the_authors_weighted_bce():
    # norm * mean(BCE(z zᵀ, A + I, pos_weight)) - KL/n, as gae/optimizer.py, on a full-batch step
    X = np.random.RandomState(0).normal(size=(40, 3))
    graph = KNNGraph(X, 4)
    targets = GraphTargets(graph.normalized, negative_sampling=False)
    ds = TensorDataset(torch.zeros(40, 1))
    ds.graph = targets
    (_, _), (rows, pos, neg) = next(iter(GraphBatchIterator(ds, batch_size=40)))
    g = torch.Generator().manual_seed(0)
    z, mu, logstd = (torch.randn(40, 3, generator=g) for _ in range(3))
    loss = GraphAutoEncoderLoss()((z, mu, logstd), None, (rows, pos, neg))
    labels = torch.from_numpy((graph.adjacency.toarray() + np.eye(40)).astype(np.float32))
    n2, n_pos = 40.0**2, labels.sum()
    pos_weight, norm = (n2 - n_pos) / n_pos, n2 / (2 * (n2 - n_pos))
    bce = F.binary_cross_entropy_with_logits(z @ z.T, labels, pos_weight=pos_weight)
    kl = 0.5 / 40 * torch.mean(torch.sum(1 + 2 * logstd - mu**2 - torch.exp(logstd) ** 2, 1))
    torch.testing.assert_close(loss, norm * bce - kl)


def test_negative_sampling_path(blobs):
    X, y = blobs
    graph = KNNGraph(X[:200], 5)
    targets = GraphTargets(graph.normalized, negative_sampling=True)
    ds = TensorDataset(torch.zeros(200, 1))
    ds.graph = targets
    batches = list(GraphBatchIterator(ds, batch_size=64, shuffle=True, seed=0))
    assert len(batches) == 4
    pos = torch.cat([b[1][1] for b in batches])
    neg = torch.cat([b[1][2] for b in batches])
    assert len(pos) == graph.normalized.nnz and neg.shape == pos.shape  # every edge once, one negative each
    assert torch.equal(torch.sort(neg[:, 0]).values, torch.sort(pos[:, 0]).values)
    # the estimator past its dense limit: sampled negatives, still separating the blobs
    est = GraphAutoEncoder(4, random_state=0, **FAST)
    est._dense_max_rows = 50
    Z = est.fit_transform(X[:300])
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert knn(Z, y[:300]) > 0.93


def test_plain_autoencoder_and_mini_batches(blobs):
    X, y = blobs
    gae = GraphAutoEncoder(4, variational=False, batch_size=128, random_state=0, **FAST).fit(X[:300])
    assert gae.net_.module_.logstd is None
    assert len(gae.net_.history[-1]["batches"]) == 3  # 300 rows, 128 per step
    assert knn(gae.embedding_, y[:300]) > 0.93
    np.testing.assert_allclose(gae.transform(X[:300]), gae.embedding_, atol=1e-5)


def test_cosine_graph_ignores_row_norms(blobs):
    X, _ = blobs
    scale = np.random.RandomState(0).uniform(0.5, 2, size=(100, 1))
    a = KNNGraph(X[:100], 5, metric="cosine").normalized
    b = KNNGraph(X[:100] * scale, 5, metric="cosine").normalized
    assert (a != b).nnz == 0


def test_too_few_rows_for_the_neighbors():
    with pytest.warns(UserWarning, match="n_neighbors=10 is more than the 3 rows") as record:
        est = GraphAutoEncoder(2, max_epochs=3, device="cpu").fit(np.random.rand(4, 3))
    assert record[0].filename == __file__
    assert est.n_neighbors_ == 3 and np.all(np.isfinite(est.transform(np.random.rand(2, 3))))
    with pytest.raises(ValueError, match="at least 2 samples"):
        GraphAutoEncoder(2, max_epochs=3).fit(np.random.rand(1, 3))


def test_far_away_rows_stay_finite(fitted, blobs):
    X, _ = blobs
    Z = fitted.transform(np.vstack([X[:2] * 1e20, X[:2] + 1e6]))
    assert np.all(np.isfinite(Z))
