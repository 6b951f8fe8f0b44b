import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn import GraceLoss, GraphViewIterator, GraphViews, TensorDataset
from sklearn_unsup.manifold import GraphContrastiveEncoder
from sklearn_unsup.neighbors._graph import KNNGraph

FAST = dict(max_epochs=30, device="cpu")


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(360, n_features=10, centers=3, cluster_std=4.0, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, _ = blobs
    return GraphContrastiveEncoder(4, random_state=0, **FAST).fit(X[:300])


def knn(Z, y):
    return cross_val_score(KNeighborsClassifier(10), Z, y, cv=5).mean()


def test_loss_is_the_authors_semi_loss():
    # model.py: semi_loss(z1, z2) = -log(between.diag / (refl.sum(1) + between.sum(1) - refl.diag)), (l1 + l2) / 2
    rng = np.random.RandomState(0)
    h1, h2, tau = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), 0.4

    def semi(a, b):
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        refl, between = np.exp(a @ a.T / tau), np.exp(a @ b.T / tau)
        return -np.log(np.diag(between) / (refl.sum(1) + between.sum(1) - np.diag(refl)))

    expected = np.mean((semi(h1, h2) + semi(h2, h1)) / 2)
    rows = torch.arange(6)
    got = GraceLoss(tau)((torch.tensor(h1), torch.tensor(h2)), None, rows)
    np.testing.assert_allclose(float(got), expected, rtol=1e-10)
    # the step's rows only: the loss of a subset is the formula on that subset
    sub = torch.tensor([4, 1, 2])
    np.testing.assert_allclose(float(GraceLoss(tau)((torch.tensor(h1), torch.tensor(h2)), None, sub)),
                               np.mean((semi(h1[[4, 1, 2]], h2[[4, 1, 2]]) + semi(h2[[4, 1, 2]], h1[[4, 1, 2]])) / 2),
                               rtol=1e-10)


def test_views_drop_edges_and_columns_at_their_rates():
    X = np.random.RandomState(0).normal(size=(400, 200))
    graph = KNNGraph(X, 8)
    views = GraphViews(graph.adjacency, edge_drop=(0.2, 0.6), feature_drop=(0.0, 0.5))
    n_edges = graph.adjacency.nnz
    g = torch.Generator().manual_seed(0)
    for p in (0.0, 0.2, 0.6):
        adj = views.edges(p, g).to_dense()
        kept = int((adj > 0).sum()) - 400  # self-loops always kept
        assert abs(kept / n_edges - (1 - p)) < 0.02
        assert torch.all(torch.diagonal(adj) > 0)
        # GCN normalisation of the kept edges: D^-1/2 (A' + I) D^-1/2, degrees counted on the receiving row
        deg = (adj > 0).sum(1).float()
        r, c = torch.nonzero(adj, as_tuple=True)
        torch.testing.assert_close(adj[r, c], (deg[r] * deg[c]).rsqrt())
    x = torch.ones(5, 1000)
    masked = views.features(x, 0.3, g)
    dropped = (masked == 0).all(0)
    assert torch.all((masked == 0).any(0) == dropped)  # whole columns, the same for every row
    assert abs(float(dropped.float().mean()) - 0.3) < 0.05
    assert torch.equal(views.features(x, 0.0, g), x)
    # the iterator: two views per step, each step's rows a disjoint share of a permutation
    ds = TensorDataset(torch.from_numpy(X).float())
    ds.graph = views
    steps = list(GraphViewIterator(ds, batch_size=128, shuffle=True, seed=0))
    assert len(steps) == 4 and len(steps[0][0]) == 4
    assert torch.equal(torch.sort(torch.cat([s[1] for s in steps])).values, torch.arange(400))


def test_codes_separate_blobs(blobs, fitted):
    X, y = blobs
    Z = fitted.embedding_
    assert Z.shape == (300, 4) and Z.dtype == np.float64 and np.all(np.isfinite(Z))
    assert knn(Z, y[:300]) >= 0.93
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0] and fitted.n_iter_ == 30
    assert list(fitted.get_feature_names_out())[:2] == ["graphcontrastiveencoder0", "graphcontrastiveencoder1"]
    assert fitted.net_.module_.encoder.widths == (8, 4)  # the authors' 2 * out, out


def test_transform_of_training_and_new_rows(blobs, fitted):
    X, _ = blobs
    np.testing.assert_allclose(fitted.transform(X[:300]), fitted.embedding_, atol=1e-5)
    new = fitted.transform(X[300:])
    np.testing.assert_array_equal(fitted.transform(X[300:305]), new[:5])
    np.testing.assert_array_equal(fitted.transform(X[[310, 300]]), new[[10, 0]])
    assert fitted.transform(X[300:].astype(np.float32)).dtype == np.float32


def test_reproducible_and_seed_dependent(blobs):
    X, _ = blobs
    kw = dict(max_epochs=4, batch_size=64, device="cpu")
    a = GraphContrastiveEncoder(2, random_state=1, **kw).fit(X[:150])
    b = GraphContrastiveEncoder(2, random_state=1, **kw).fit(X[:150])
    c = GraphContrastiveEncoder(2, random_state=2, **kw).fit(X[:150])
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a.embedding_, c.embedding_)
    assert len(a.net_.history[-1]["batches"]) == 3  # 150 rows in loss batches of 64


def test_options(blobs):
    X, _ = blobs
    est = GraphContrastiveEncoder(3, hidden_dims=(5, 6), activation="relu", edge_drop=0.3, feature_drop=(0.2, 0.1),
                                  projection_dim=7, metric="cosine", max_epochs=2, device="cpu", random_state=0)
    Z = est.fit_transform(X[:100])
    assert Z.shape == (100, 3) and np.all(Z >= 0)  # ReLU after the last layer
    assert est.net_.module_.fc1.out_features == 7
    np.testing.assert_allclose(est.transform(X[:100]), Z, atol=1e-5)


@pytest.mark.parametrize("param", ["edge_drop", "feature_drop"])
@pytest.mark.parametrize("value", [1.0, -0.1, (0.1, 0.2, 0.3), ("a", 0.1), (0.1, 1.5)])
def test_bad_drop_rates(param, value):
    with pytest.raises(ValueError, match=param):
        GraphContrastiveEncoder(2, max_epochs=1, **{param: value}).fit(np.random.rand(20, 3))


def test_too_few_rows():
    with pytest.raises(ValueError, match="at least 2 samples"):
        GraphContrastiveEncoder(2, max_epochs=1).fit(np.random.rand(1, 3))
    with pytest.warns(UserWarning, match="n_neighbors=10 is more than the 3 rows"):
        est = GraphContrastiveEncoder(2, max_epochs=2, device="cpu").fit(np.random.rand(4, 3))
    assert np.all(np.isfinite(est.transform(np.random.rand(2, 3))))
