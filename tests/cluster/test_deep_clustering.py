"""Deep clusterers: API, degenerate solutions, reproducibility and quality on real data."""

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._kernels import sinkhorn_knopp
from sklearn_unsup._nn import scan_loss, self_label_loss
from sklearn_unsup.cluster import DEC, SCAN, DeepCluster, SeLa, SwAV
from sklearn_unsup.cluster._feature_kmeans import split_empty_clusters
from sklearn_unsup.cluster._pseudo_label import class_balanced_weights
from sklearn_unsup.cluster._sela import equipartition_labels, label_epochs
from sklearn_unsup.manifold import TLDR
from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.utils._test_common import FAST_PARAMS

CLUSTERERS = [DEC, SCAN, DeepCluster, SeLa, SwAV]


# a little more training than the common checks need, so that quality can be asserted on blobs
_MORE = {"DEC": dict(pretrain_epochs=30, max_epochs=10)}


def _fast(cls, **kw):
    return cls(**{**FAST_PARAMS[cls.__name__], **_MORE.get(cls.__name__, {}), "random_state": 0, **kw})


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, centers=3, cluster_std=0.6, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.data / 16.0, d.target


@pytest.mark.parametrize("cls", CLUSTERERS, ids=lambda c: c.__name__)
def test_api_and_reproducibility(cls, blobs):
    X, y = blobs
    est = _fast(cls).fit(X)
    assert est.labels_.shape == (X.shape[0],)
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba.argmax(1), est.labels_)
    assert est.transform(X).shape == (X.shape[0], est.n_components)
    assert est.cluster_sizes_.sum() == X.shape[0]
    assert -1.0 <= est.score(X) <= 1.0
    assert est.encoder_ is None  # encoder="auto" keeps a small table as it is
    # well separated blobs: every method finds them (no collapsed or empty cluster)
    assert cluster_accuracy(y, est.labels_) > 0.9
    np.testing.assert_array_equal(_fast(cls).fit(X).labels_, est.labels_)
    # a row's label does not depend on the other rows of the call
    np.testing.assert_array_equal(est.predict(X[:7]), est.labels_[:7])


@pytest.mark.parametrize("cls", CLUSTERERS, ids=lambda c: c.__name__)
def test_n_clusters_larger_than_n_samples_raises(cls):
    X = np.random.RandomState(0).rand(5, 3)
    with pytest.raises(ValueError, match="n_clusters=6 must be <= n_samples=5"):
        _fast(cls, n_clusters=6).fit(X)


@pytest.mark.parametrize("cls", CLUSTERERS, ids=lambda c: c.__name__)
def test_global_rng_untouched(cls, blobs):
    X, _ = blobs
    torch.manual_seed(123)
    np.random.seed(123)
    expected_t, expected_np = torch.rand(1), np.random.rand()
    torch.manual_seed(123)
    np.random.seed(123)
    _fast(cls).fit(X)
    assert torch.rand(1) == expected_t and np.random.rand() == expected_np


def test_scan_loss_entropy_prevents_collapse():
    # all rows in one cluster: perfect consistency, but the entropy term penalises it
    collapsed = torch.tensor([[[10.0, -10.0, -10.0]] * 6])
    spread = torch.tensor([[[10.0, -10.0, -10.0], [-10.0, 10.0, -10.0], [-10.0, -10.0, 10.0]] * 2])
    total_c, cons_c, ent_c = scan_loss(collapsed, collapsed, 5.0)
    total_s, cons_s, ent_s = scan_loss(spread, spread, 5.0)
    assert cons_c.item() == pytest.approx(cons_s.item(), abs=1e-6)
    assert ent_c.item() == pytest.approx(0.0, abs=1e-4)
    assert ent_s.item() == pytest.approx(np.log(3), rel=1e-4)
    assert total_s.item() < total_c.item()
    # SCAN with no entropy term collapses on blobs; with the paper's weight it does not
    X, _ = make_blobs(n_samples=120, centers=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    kept = _fast(SCAN, n_clusters=3, self_label=False, max_epochs=30).fit(X)
    assert np.all(kept.cluster_sizes_ > 20)


def test_scan_loss_prior_is_a_sorted_kl_and_uniform_is_the_entropy():
    rng = np.random.RandomState(0)
    la, lb = torch.tensor(rng.randn(2, 50, 4)), torch.tensor(rng.randn(2, 50, 4))
    total, cons, ent = scan_loss(la, lb, 5.0)
    total_u, cons_u, kl_u = scan_loss(la, lb, 5.0, log_prior=np.log(np.full(4, 0.25)))
    torch.testing.assert_close(kl_u, ent - np.log(4))  # a uniform prior only shifts the loss
    torch.testing.assert_close(total_u - total, torch.full_like(total, 5.0 * np.log(4)))
    # sizes (.7, .1, .1, .1): zero penalty against that prior whichever cluster is the large one
    for big in range(4):
        logits = torch.full((1, 10, 4), -30.0)
        owner = [big] * 7 + [c for c in range(4) if c != big]
        logits[0, torch.arange(10), torch.tensor(owner)] = 30.0
        _, _, term = scan_loss(logits, logits, 5.0, log_prior=np.log([0.1, 0.7, 0.1, 0.1]))
        assert term.item() == pytest.approx(0.0, abs=1e-5)
        _, _, term_u = scan_loss(logits, logits, 5.0, log_prior=np.log(np.full(4, 0.25)))
        assert term_u.item() < -0.3


def test_self_label_weights_follow_the_prior_by_rank():
    weak = torch.tensor([[10.0, -10.0]] * 6 + [[-10.0, 10.0]] * 2)
    strong = torch.zeros(8, 2, requires_grad=True)
    self_label_loss(strong, weak, 0.99).backward()
    balanced = strong.grad.clone()
    assert balanced[:6, 0].sum().item() == pytest.approx(balanced[6:, 1].sum().item(), rel=1e-5)
    strong.grad = None
    self_label_loss(strong, weak, 0.99, log_prior=np.log([0.25, 0.75])).backward()
    # the larger confident class (6 rows) gets the larger share, .75: the classes weigh 3:1
    assert strong.grad[:6, 0].sum().item() == pytest.approx(3 * strong.grad[6:, 1].sum().item(), rel=1e-5)


def test_scan_cluster_prior_options(blobs):
    X, _ = blobs
    uniform = _fast(SCAN, cluster_prior="uniform").fit(X)
    np.testing.assert_allclose(uniform.cluster_prior_, [1 / 3] * 3)
    auto = _fast(SCAN).fit(X)  # three equal blobs: k-means' shares are near equal, so equal sizes
    np.testing.assert_allclose(auto.cluster_prior_, [1 / 3] * 3)
    np.testing.assert_array_equal(auto.labels_, uniform.labels_)
    given = _fast(SCAN, cluster_prior=[1, 3, 6]).fit(X)
    np.testing.assert_allclose(given.cluster_prior_, [0.6, 0.3, 0.1])
    # imbalanced blobs (150, 30, 20 rows): "auto" takes k-means' unequal shares
    Xi, _ = make_blobs(n_samples=[150, 30, 20], cluster_std=0.5, random_state=0)
    prior = _fast(SCAN).fit(Xi).cluster_prior_
    assert prior[0] > 0.6 and prior[-1] < 0.15
    with pytest.raises(ValueError, match="cluster_prior must hold 3"):
        _fast(SCAN, cluster_prior=[0.5, 0.5]).fit(X)
    with pytest.raises(ValueError, match="cluster_prior"):
        _fast(SCAN, cluster_prior=[1, -1, 1]).fit(X)


def test_self_label_loss_uses_only_confident_rows():
    strong = torch.zeros(4, 2, requires_grad=True)
    weak = torch.tensor([[10.0, -10.0], [0.1, 0.0], [-10.0, 10.0], [0.0, 0.0]])
    loss = self_label_loss(strong, weak, 0.99)
    loss.backward()
    assert loss.item() == pytest.approx(np.log(2), rel=1e-5)
    assert torch.all(strong.grad[[1, 3]] == 0) and torch.any(strong.grad[[0, 2]] != 0)
    none = self_label_loss(strong, torch.zeros(4, 2), 0.99)
    assert none.item() == 0.0


def test_scan_keeps_lowest_loss_head(blobs):
    X, _ = blobs
    scan = _fast(SCAN, n_heads=3, self_label=False).fit(X)
    assert scan.head_ == int(np.argmin(scan.head_losses_))
    assert scan.neighbors_.shape == (X.shape[0], 3)
    assert not np.any(scan.neighbors_ == np.arange(X.shape[0])[:, None])


def test_scan_auto_max_epochs_is_a_step_budget(blobs, monkeypatch):
    from sklearn_unsup.cluster import _scan
    from sklearn_unsup.cluster._scan import auto_scan_epochs

    # up to 2,000 rows (the small tables, digits): 200 epochs; above, about 250 steps, never under 50 epochs
    assert auto_scan_epochs(336, 1024) == auto_scan_epochs(2000, 1024) == 200
    assert auto_scan_epochs(2001, 1024) == 125 and auto_scan_epochs(3823, 1024) == 63
    assert auto_scan_epochs(2001, 4096) == 200
    assert auto_scan_epochs(2048, 1024) == 125 and auto_scan_epochs(2049, 1024) == 84
    assert auto_scan_epochs(5000, 1024) == auto_scan_epochs(20000, 1024) == 50
    assert SCAN()._n_epochs(5000) == 50 and SCAN(max_epochs=7)._n_epochs(5000) == 7
    X, _ = blobs  # a small schedule in the same rule: 3 epochs up to 60 rows, else 6 steps within [2, 3] epochs
    monkeypatch.setattr(_scan, "AUTO_FULL_EPOCHS_MAX_SAMPLES", 60)
    monkeypatch.setattr(_scan, "AUTO_SCAN_MAX_EPOCHS", 3)
    monkeypatch.setattr(_scan, "AUTO_MIN_EPOCHS", 2)
    monkeypatch.setattr(_scan, "AUTO_SCAN_STEPS", 6)
    scan = _fast(SCAN, max_epochs="auto", batch_size=64, self_label_epochs=1).fit(X[:60])
    assert scan.max_epochs_ == 3 and scan.n_iter_ == 4 and scan.get_params()["max_epochs"] == "auto"
    scan = _fast(SCAN, max_epochs="auto", batch_size=20, self_label_epochs=1).fit(X[:100])  # 5 steps an epoch
    assert scan.max_epochs_ == 2 and scan.n_iter_ == 3
    assert _fast(SCAN).fit(X).max_epochs_ == FAST_PARAMS["SCAN"]["max_epochs"]
    with pytest.raises(ValueError, match="max_epochs"):
        SCAN(max_epochs="many").fit(X)


def test_deep_cluster_reseeds_empty_clusters():
    labels = np.array([0] * 10 + [2] * 4)
    out = split_empty_clusters(labels.copy(), 4, np.random.RandomState(0))
    assert np.all(np.bincount(out, minlength=4) > 0)


def test_sela_equipartition_and_schedule():
    rng = np.random.RandomState(0)
    logits = rng.randn(300, 3)
    logits[:, 0] += 3  # the network prefers cluster 0 for almost every row
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    labels = equipartition_labels(logp, 25.0)
    assert np.abs(np.bincount(labels, minlength=3) - 100).max() <= 15
    assert label_epochs(40, 20) == set(range(1, 41, 2))
    assert label_epochs(3, 10) == {1, 2, 3}


def test_sela_prior_sets_the_column_shares_by_rank():
    rng = np.random.RandomState(0)
    logits = rng.randn(400, 3)
    logits[:, 2] += 1.0  # the network already favours cluster 2
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    Q, _ = sinkhorn_knopp(logp, epsilon=1 / 25.0, n_iter=1000, tol=1e-6, col_marginals=np.array([0.6, 0.3, 0.1]))
    np.testing.assert_allclose(Q.sum(0), [240, 120, 40], rtol=1e-3)
    np.testing.assert_allclose(Q.sum(1), 1.0, rtol=1e-6)
    sizes = np.bincount(equipartition_labels(logp, 25.0, prior=[0.1, 0.3, 0.6]), minlength=3)
    assert sizes.argmax() == 2 and sizes[2] > 200  # the favoured cluster gets the largest share
    X, _ = make_blobs(n_samples=[150, 30, 20], cluster_std=0.5, random_state=0)
    sela = _fast(SeLa).fit(X)
    assert sela.cluster_prior_[0] > 0.6
    np.testing.assert_allclose(_fast(SeLa, cluster_prior="uniform").fit(X).cluster_prior_, [1 / 3] * 3)


def test_swav_codes_spread_a_batch_over_prototypes():
    scores = np.zeros((64, 4), dtype=np.float32)
    scores[:, 0] = 0.5  # every row closest to prototype 0
    scores += np.random.RandomState(0).rand(64, 4).astype(np.float32) * 0.05
    codes, _ = sinkhorn_knopp(scores, epsilon=0.05, n_iter=3)
    np.testing.assert_allclose(codes.sum(0), 16.0, rtol=0.15)


def test_swav_more_prototypes_than_clusters(blobs):
    X, y = blobs
    swav = _fast(SwAV, n_prototypes=6).fit(X)
    assert swav.prototypes_.shape[0] == 6
    assert set(swav.prototype_labels_) == {0, 1, 2}
    with pytest.raises(ValueError, match="n_prototypes=2 must be >= n_clusters=3"):
        _fast(SwAV, n_prototypes=2).fit(X)


def test_swav_auto_views_follow_the_encoder_stage(blobs):
    """augment/temperature "auto": SCARF and 0.2 on narrow rows as given, no augmentation and 0.1 otherwise."""
    X, _ = blobs
    bare = _fast(SwAV, max_epochs=1).fit(X)
    assert bare.encoder_ is None and (bare.augment_, bare.temperature_) == ("scarf", 0.2)
    assert bare.net_.module_.augment == "scarf" and bare.net_.criterion_.temperature == 0.2
    pca = _fast(SwAV, max_epochs=1, encoder="pca").fit(X)
    assert (pca.augment_, pca.temperature_) == ("none", 0.1)
    wide = _fast(SwAV, max_epochs=1).fit(np.tile(X, 10))  # 20 features: not a narrow table
    assert wide.encoder_ is None and (wide.augment_, wide.temperature_) == ("none", 0.1)
    given = _fast(SwAV, max_epochs=1, augment="mask", temperature=0.3).fit(X)
    assert (given.augment_, given.temperature_) == ("mask", 0.3)


def test_dec_stops_when_labels_settle(blobs):
    X, _ = blobs
    dec = _fast(DEC, tol=1.0, max_epochs=50).fit(X)
    assert dec.n_iter_ < 50 and dec.delta_label_ is not None
    idec = _fast(DEC, reconstruction_weight=10.0).fit(X)
    assert idec.cluster_centers_.shape == (3, 2)


def test_dec_auto_hidden_dims_scale_with_the_input_width(blobs):
    from sklearn_unsup.cluster._dec import auto_hidden_dims

    assert auto_hidden_dims(784) == auto_hidden_dims(25) == (500, 500, 2000)  # the paper's network
    assert auto_hidden_dims(10) == (200, 200, 800)  # the 10-d code of the UMAP encoder stage
    assert auto_hidden_dims(7) == (140, 140, 560)
    assert auto_hidden_dims(1) == (20, 20, 80)
    X, _ = blobs  # 2 features: a 40-40-160 network, the width the net sees (after the encoder stage)
    dec = _fast(DEC, hidden_dims="auto", pretrain_epochs=1, max_epochs=1).fit(X)
    assert dec.hidden_dims_ == (40, 40, 160)
    assert dec.net_.module_.autoencoder.encoder[0].out_features == 40
    pca = _fast(DEC, hidden_dims="auto", encoder=PCA(1), pretrain_epochs=1, max_epochs=1).fit(X)
    assert pca.hidden_dims_ == (20, 20, 80)
    assert _fast(DEC, hidden_dims=[8]).fit(X).hidden_dims_ == (8,)
    runs = _fast(DEC, hidden_dims="auto", pretrain_epochs=1, max_epochs=1, n_init=2).fit(X)  # kept run: "auto" too
    assert runs.hidden_dims_ == (40, 40, 160) and runs.get_params()["hidden_dims"] == "auto"
    with pytest.raises(ValueError, match="hidden_dims"):
        DEC(hidden_dims="wide").fit(X)


def test_deep_cluster_draws_pseudo_classes_in_the_prior_shares():
    labels = np.array([1] * 60 + [0] * 30 + [2] * 10)
    for prior, expected in ((None, [1 / 3] * 3), ((0.5, 0.3, 0.2), [0.3, 0.5, 0.2])):
        w = class_balanced_weights(labels, 3, prior).numpy()
        mass = np.bincount(labels, weights=w, minlength=3)
        np.testing.assert_allclose(mass / mass.sum(), expected)  # by rank of size: the largest class gets .5
    X, _ = make_blobs(n_samples=[150, 30, 20], cluster_std=0.5, random_state=0)
    dc = _fast(DeepCluster, max_epochs=2, cluster_prior="auto").fit(X)
    assert dc.cluster_prior_[0] > 0.6  # "auto": the k-means shares are clearly unequal
    np.testing.assert_allclose(_fast(DeepCluster, max_epochs=2).fit(X).cluster_prior_, [1 / 3] * 3)  # the paper's
    with pytest.raises(ValueError, match="cluster_prior must hold 3"):
        _fast(DeepCluster, max_epochs=2, cluster_prior=[0.5, 0.5]).fit(X)


def test_online_deep_cluster(blobs):
    X, y = blobs
    odc = _fast(DeepCluster, online=True).fit(X)
    assert cluster_accuracy(y, odc.labels_) > 0.9
    assert not hasattr(odc.net_, "odc_memory_")


def test_pipeline_grid_search_without_labels(blobs):
    X, _ = blobs
    pipe = Pipeline([("tldr", TLDR(2, n_neighbors=3, projector_dims=(16,), max_epochs=3, batch_size=32,
                                   random_state=0)),
                     ("scan", _fast(SCAN))])
    search = GridSearchCV(pipe, {"scan__n_clusters": [2, 3]}, cv=2).fit(X)
    assert search.best_params_["scan__n_clusters"] in (2, 3)
    assert search.best_estimator_.predict(X).shape == (X.shape[0],)


def test_clone_unfitted(blobs):
    est = _fast(SCAN).fit(blobs[0])
    assert not hasattr(clone(est), "labels_")


def test_scan_beats_kmeans_on_digits(digits):
    # quality on real data, CPU-sized: small network, few epochs
    X, y = digits
    km = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
    scan = SCAN(10, encoder=None, n_init=1, hidden_dims=(256,), n_components=32, max_epochs=60, self_label_epochs=10,
                random_state=0).fit(X)
    acc = cluster_accuracy(y, scan.labels_)
    assert acc > km + 0.05, (acc, km)


def test_swav_beats_kmeans_on_digits(digits):
    X, y = digits
    km = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
    acc = cluster_accuracy(y, SwAV(10, encoder=None, n_init=1, hidden_dims=(256,), max_epochs=20,
                                   random_state=0).fit(X).labels_)
    assert acc > km + 0.03, (acc, km)


@pytest.mark.slow
def test_default_encoder_is_umap_on_pixels(digits):
    # encoder="auto" on 1,000 digit rows x 64 pixels: the UMAP stage (N2D) inside the estimator
    X, y = digits[0][:1000], digits[1][:1000]
    km = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
    est = SwAV(10, max_epochs=20, random_state=0).fit(X)  # measured .935 (KMeans on pixels .8)
    assert type(est.encoder_).__name__ == "UMAP"
    acc = cluster_accuracy(y, est.labels_)
    assert acc > km + 0.08, (acc, km)
    # labels_ come from UMAP's training layout, predict from its transform (which re-embeds the rows)
    assert np.mean(est.predict(X[:200]) == est.labels_[:200]) > 0.9


class _NaNEncoder(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.full((len(X), 2), np.nan)


def test_encoder_stage_pca_and_transformer():
    X, y = make_blobs(n_samples=150, n_features=40, centers=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    est = _fast(SCAN, encoder="pca", n_clusters=3).fit(X)
    assert type(est.encoder_).__name__ == "PCA" and est.encoder_.n_components == 32
    assert est.n_features_in_ == 40 and cluster_accuracy(y, est.labels_) > 0.9
    np.testing.assert_array_equal(est.predict(X[::-1]), est.labels_[::-1])
    assert est.transform(X[:4]).shape == (4, est.n_components)
    # the silhouette of score() is taken in the input space, not in the encoder's
    assert est.score(X) == pytest.approx(silhouette_score(X, est.predict(X)))
    np.testing.assert_array_equal(_fast(SCAN, encoder="pca", n_clusters=3).fit(X).labels_, est.labels_)
    est32 = _fast(SCAN, encoder="pca", n_clusters=3).fit(X.astype(np.float32))
    assert est32.transform(X[:4].astype(np.float32)).dtype == np.float32
    reducer = TLDR(4, n_neighbors=5, max_epochs=3, random_state=0)
    est = _fast(SwAV, encoder=reducer, n_clusters=3).fit(X)
    assert est.encoder_ is not reducer and not hasattr(reducer, "net_")  # cloned, the parameter untouched
    assert est.net_.module_.encoder[0].in_features == 4  # the network reads the 4 TLDR codes
    assert est.predict(X[:3]).shape == (3,)
    # partial_fit: the first block fits the encoder stage, later blocks go through it
    est = _fast(DEC, encoder="pca", n_clusters=3)
    est.partial_fit(X[:100])
    first = est.encoder_
    est.partial_fit(X[100:])
    assert est.encoder_ is first
    with pytest.raises(ValueError, match="encoder's output"):
        _fast(DEC, encoder=_NaNEncoder(), n_clusters=3).fit(X)


def test_make_umap_pipeline(blobs):
    from sklearn_unsup.cluster import make_umap_pipeline

    X, y = blobs
    # SCAN, the README's recipe; SwAV with its tiny test settings reached ACC .72 on this machine's UMAP
    # layout (.94 on the raw blobs): UMAP's layout differs between CPUs and versions, the wiring is what is
    # tested here. With umap-learn 0.5.12 the 8 epochs of the common checks' settings reached .75 on a layout
    # where k-means reaches .98; 30 epochs (a fraction of a second on 120 rows) reach .98 too.
    pipe = make_umap_pipeline(_fast(SCAN, max_epochs=30), n_components=2, n_neighbors=10, random_state=0)
    labels = pipe.fit_predict(X)
    assert [name for name, _ in pipe.steps] == ["umap", "cluster"]
    assert cluster_accuracy(y, labels) > 0.9
    assert pipe.predict(X[:5]).shape == (5,)
    assert clone(pipe).get_params()["umap__n_components"] == 2


def test_degenerate_solution_warns(blobs):
    from sklearn.exceptions import ConvergenceWarning

    X, _ = blobs
    dec = _fast(DEC)
    # a collapsed network: every row is assigned to cluster 0
    dec._proba = lambda X_: np.tile([1.0, 0.0, 0.0], (X_.shape[0], 1))
    with pytest.warns(ConvergenceWarning, match="2 of 3 clusters empty"):
        dec._finish_fit(X)
    assert list(dec.cluster_sizes_) == [X.shape[0], 0, 0]


def test_dec_falls_back_to_the_kmeans_start_when_self_training_collapses(blobs):
    from sklearn.exceptions import ConvergenceWarning

    X, y = blobs
    dec = _fast(DEC).fit(X)
    assert dec.self_training_collapsed_ is False
    good = {k: v.clone() for k, v in dec.net_.module_.state_dict().items()}
    with torch.no_grad():  # a collapse: every centre far away but one
        dec.net_.module_.centers[1:] = 1e3
    with pytest.warns(ConvergenceWarning, match="keeps the k-means start"):
        dec._fall_back_if_collapsed(X, good)
    assert dec.self_training_collapsed_
    np.testing.assert_array_equal(dec.predict(X), dec.labels_)
    assert len(np.unique(dec.predict(X))) == 3
    # losing fewer than half of the clusters and separating less (two blobs merged): the start is kept too
    with torch.no_grad():
        dec.net_.module_.centers[2] = 1e3
    dec.self_training_collapsed_ = False
    with pytest.warns(ConvergenceWarning, match="lowered the silhouette"):
        dec._fall_back_if_collapsed(X, good)
    assert dec.self_training_collapsed_ and len(np.unique(dec.predict(X))) == 3


def test_dec_self_training_stops_at_a_collapse(blobs):
    """The target update ends self-training once half or more of the start's clusters are empty."""
    from sklearn_unsup.cluster._dec import _TargetUpdate

    X, _ = blobs
    dec = _fast(DEC).fit(X)
    updater = _TargetUpdate(torch.as_tensor(X, dtype=torch.float32), update_interval=1, tol=0.0)
    assert updater.refresh(dec.net_) is False and updater.n_filled_start == 3
    assert updater.refresh(dec.net_) is False  # nothing changed, tol=0: not converged
    with torch.no_grad():
        dec.net_.module_.centers[1:] = 1e3  # every row drawn to one centre
    assert updater.refresh(dec.net_) is True and updater.collapsed
    updater.stop_on_collapse = False  # partial_fit's first block (no fallback there) does not stop at a collapse
    assert updater.refresh(dec.net_) is False
    updater.stop_on_collapse, updater.stop_on_tol = True, False  # nor do its later blocks
    assert updater.refresh(dec.net_) is False


def test_dec_falls_back_when_training_stopped_at_a_collapse(blobs):
    """A stop at a collapse restores the start even if the float64 recount finds every cluster filled."""
    from sklearn.exceptions import ConvergenceWarning

    X, _ = blobs
    dec = _fast(DEC).fit(X)
    start = {k: v.clone() for k, v in dec.net_.module_.state_dict().items()}
    with torch.no_grad():
        dec.net_.module_.centers.add_(0.01)  # "trained": another model that fills every cluster
    dec.self_training_collapsed_ = False
    with pytest.warns(ConvergenceWarning, match="keeps the k-means start"):
        dec._fall_back_if_collapsed(X, start, stopped_at_collapse=True)
    assert dec.self_training_collapsed_
    np.testing.assert_array_equal(dec.net_.module_.centers.detach(), start["centers"])


def test_dec_keeps_a_lost_cluster_that_separates_better(blobs):
    """An emptied cluster is kept when the trained labels' silhouette is at least the start's."""
    X, y = blobs
    two = np.isin(y, [0, 1])  # two blobs, and a start that splits one of them in three clusters
    X2, y2 = X[two], y[two]
    dec = _fast(DEC).fit(X2)
    module = dec.net_.module_
    codes = torch.as_tensor(dec._forward(lambda m, xb: m.encode(xb), X2))
    with torch.no_grad():
        first = np.flatnonzero(y2 == 0)
        halves = np.array_split(first[np.argsort(X2[first, 0])], 2)
        module.centers.copy_(torch.stack([codes[halves[0]].mean(0), codes[halves[1]].mean(0),
                                          codes[y2 == 1].mean(0)]))
        start = {k: v.clone() for k, v in module.state_dict().items()}
        module.centers[0] = codes[first].mean(0)  # trained: the split blob whole again, one centre far away
        module.centers[1] = 1e3
    assert len(np.unique(dec._proba(X2).argmax(1))) == 2
    dec.self_training_collapsed_ = False
    dec._fall_back_if_collapsed(X2, start)
    assert not dec.self_training_collapsed_
    assert len(np.unique(dec.predict(X2))) == 2


def test_dec_soft_assignment_finite_for_huge_rows(blobs):
    """Issue 23: codes of rows of norm >= 1e20 overflowed |z - mu|^2 in float32 (all-NaN predict_proba)."""
    X, _ = blobs
    dec = _fast(DEC, pretrain_epochs=2, max_epochs=1).fit(X)
    for scale in (1e20, 1e30):
        proba = dec.predict_proba(X[:10] * scale)
        assert np.all(np.isfinite(proba))
        np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(dec.predict_proba(X).sum(1), 1.0, rtol=1e-5)


def test_deep_cluster_defaults_separate_three_blobs():
    """Issue 23: with its defaults (epochs lowered) DeepCluster reached ARI .50 on check_clustering's blobs: 16
    whitened feature directions of 2-d rows put noise on a par with the clusters. Whitening now keeps at most
    n_features directions. One training run each (n_init=1): "auto" would keep the best of five."""
    from sklearn.metrics import adjusted_rand_score

    X, y = make_blobs(n_samples=50, random_state=1)
    X = StandardScaler().fit_transform(X)
    for seed in (0, 1):
        labels = DeepCluster(n_clusters=3, max_epochs=5, n_init=1, random_state=seed).fit_predict(X)
        assert adjusted_rand_score(y, labels) > 0.9


@pytest.mark.parametrize("n_clusters, n_features, explicit, expected", [
    (2, 6, None, 2),  # "auto": one direction per cluster
    (3, 20, None, 3),
    (20, 30, None, 16),  # at most 16
    (4, 3, None, 3),  # at most the input width
    (2, 6, 5, 5),  # an explicit int is kept (capped by the width)
    (2, 6, 16, 6),
])
def test_deep_cluster_whitening_width(n_clusters, n_features, explicit, expected):
    """Issue 17: whitening 16 directions for 2 clusters split wdbc poorly (.763 vs KMeans .907); "auto" keeps
    min(n_clusters, 16) directions, never more than the network's input width."""
    X = np.random.RandomState(0).normal(size=(60, n_features))
    params = {} if explicit is None else {"feature_pca_components": explicit}
    est = DeepCluster(n_clusters=n_clusters, hidden_dims=(16,), n_components=24, n_neighbors=3, max_epochs=1,
                      n_init=1, random_state=0, **params).fit(X)
    assert est.whitening_components_.shape == (24, expected)
    assert est.cluster_centers_.shape == (n_clusters, expected)


_SHORT = {"SCAN": dict(self_label_epochs=1), "DEC": dict(pretrain_epochs=5)}


@pytest.mark.parametrize("cls", CLUSTERERS, ids=lambda c: c.__name__)
def test_n_init_keeps_the_run_with_the_best_silhouette(cls, blobs):
    X, _ = blobs
    X = X + np.random.RandomState(1).normal(scale=0.8, size=X.shape)  # overlapping blobs: runs differ
    one = _fast(cls, max_epochs=3, **_SHORT.get(cls.__name__, {})).fit(X)
    assert not hasattr(one, "init_scores_")
    est = clone(one).set_params(n_init=3).fit(X)
    assert est.init_scores_.shape == (3,)
    # the first run is the n_init=1 fit; the kept run has the highest silhouette of the three
    assert est.init_scores_[0] == pytest.approx(silhouette_score(X, one.labels_), abs=1e-6)
    assert np.all(est.cluster_sizes_)  # here every run fills the 3 clusters: the kept one has the best silhouette
    assert silhouette_score(X, est.labels_) == pytest.approx(est.init_scores_.max(), abs=1e-6)
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    assert est.get_params()["n_init"] == 3 and est.random_state == 0  # the parameters are the user's
    np.testing.assert_array_equal(clone(est).fit(X).labels_, est.labels_)  # same seed, same runs
    est.set_params(n_init=1).fit(X)  # a refit with one run drops the scores of the last one
    assert not hasattr(est, "init_scores_")


class _FitCodesOnly(StandardScaler):
    """An encoder stage whose transform must not run while fit compares the runs."""

    def fit_transform(self, X, y=None):
        return self.fit(X)._scale(X)

    def _scale(self, X):
        return (np.asarray(X) - self.mean_) / self.scale_

    def transform(self, X, copy=None):
        raise AssertionError("the runs are scored on their fit codes, not on a second transform")


def test_n_init_scores_runs_on_their_fit_codes_and_caps_the_rows(blobs, monkeypatch):
    import sklearn_unsup.cluster._deep_base as deep_base

    X, _ = blobs
    X = X * 5.0 + 3.0  # the encoder stage's codes differ from X
    est = _fast(SeLa, max_epochs=2, n_init=2, encoder=_FitCodesOnly()).fit(X)
    codes = StandardScaler().fit_transform(X)
    assert silhouette_score(codes, est.labels_) == pytest.approx(est.init_scores_.max(), abs=1e-6)
    assert not any(k in est.__dict__ for k in deep_base._RUN_SCORING_STATE)  # no scoring state left behind
    # the kept run's warnings are re-sent under their module's name, so module= filters match them again
    assert deep_base._module_name(deep_base.__file__) == "sklearn_unsup.cluster._deep_base"
    monkeypatch.setattr(deep_base, "RUN_SILHOUETTE_MAX_SAMPLES", 50)  # above it, the same subset scores each run
    est = _fast(SeLa, max_epochs=2, n_init=2, encoder=None).fit(codes)
    sub = deep_base.silhouette_score(codes, est.labels_, sample_size=50, random_state=0)
    assert sub == pytest.approx(est.init_scores_.max(), abs=1e-6)

def test_n_init_auto_restarts_only_small_tables_without_an_encoder(blobs):
    X, _ = blobs
    est = _fast(SeLa, max_epochs=2, n_init="auto").fit(X)
    assert est.init_scores_.shape == (5,)
    est = _fast(SeLa, max_epochs=2, n_init="auto", encoder="pca").fit(X)
    assert not hasattr(est, "init_scores_")


def test_auto_epochs_are_capped_by_a_step_budget(blobs, monkeypatch):
    from sklearn_unsup.cluster import _dec, _deep_base
    from sklearn_unsup.cluster._deep_base import epochs_within_steps

    assert epochs_within_steps(50, 5000, 256) == 25  # 20 steps per epoch: 500 steps
    assert epochs_within_steps(50, 2560, 256) == 50  # 10 steps per epoch: the cap does not bind
    assert epochs_within_steps(40, 3072, 256) == 40 and epochs_within_steps(40, 3073, 256) == 39
    assert epochs_within_steps(50, 100, 256) == 50 and epochs_within_steps(50, 10**7, 256) == 1
    assert DEC()._n_epochs(5000) == (38, 25) and DEC()._n_epochs(1797) == (50, 50)  # pre-training: 750 steps
    assert DEC()._n_epochs(3823) == (50, 34) and DEC(pretrain_epochs=7, max_epochs=9)._n_epochs(5000) == (7, 9)
    assert DeepCluster()._n_epochs(5000) == 25 and DeepCluster()._n_epochs(1797) == 40
    assert DeepCluster(max_epochs=100)._n_epochs(5000) == 100  # an int is used as given, above the budget too
    assert DEC(pretrain_epochs=0)._n_epochs(5000) == (0, 25)
    X, _ = blobs  # 120 rows at batch 20: 6 steps per epoch, so a budget of 12 steps gives 2 epochs, 18 gives 3
    monkeypatch.setattr(_deep_base, "AUTO_MAX_STEPS", 12)
    monkeypatch.setattr(_dec, "AUTO_PRETRAIN_STEPS", 18)  # DEC pre-trains with a budget of its own
    dec = _fast(DEC, pretrain_epochs="auto", max_epochs="auto", batch_size=20, tol=0.0).fit(X)
    assert len(dec.pretrain_loss_curve_) == 3 and dec.n_iter_ == 2
    assert (dec.pretrain_epochs_, dec.max_epochs_) == (3, 2)
    assert dec.get_params()["pretrain_epochs"] == "auto"
    dc = _fast(DeepCluster, max_epochs="auto", batch_size=20).fit(X)
    assert dc.n_iter_ == dc.max_epochs_ == 2
    # the resolved epochs survive a kept n_init run and later partial_fit blocks
    dec = _fast(DEC, pretrain_epochs="auto", max_epochs="auto", batch_size=20, n_init=2).fit(X)
    assert (dec.pretrain_epochs_, dec.max_epochs_) == (3, 2) and dec.init_scores_.shape == (2,)
    dec = _fast(DEC, pretrain_epochs="auto", max_epochs="auto", batch_size=20).partial_fit(X[:60]).partial_fit(X[60:])
    assert (dec.pretrain_epochs_, dec.max_epochs_) == (6, 4)  # resolved on the first block: 3 steps an epoch
    with pytest.raises(ValueError, match="max_epochs"):
        DeepCluster(max_epochs="many").fit(X)


def test_sela_swav_auto_epochs_are_capped_by_a_step_budget(blobs, monkeypatch):
    from sklearn_unsup.cluster import _deep_base

    for cls in (SeLa, SwAV):  # DeepCluster's budget: 40 epochs, at most 500 steps of 256 rows
        assert cls()._n_epochs(5000) == 25 and cls()._n_epochs(3072) == 40 and cls()._n_epochs(1484) == 40
        assert cls(max_epochs=100)._n_epochs(5000) == 100  # an int is used as given
    X, _ = blobs  # 120 rows at batch 20: 6 steps per epoch, so a budget of 12 steps gives 2 epochs
    monkeypatch.setattr(_deep_base, "AUTO_MAX_STEPS", 12)
    for cls in (SeLa, SwAV):
        est = _fast(cls, max_epochs="auto", batch_size=20).fit(X)
        assert est.n_iter_ == est.max_epochs_ == 2 and est.get_params()["max_epochs"] == "auto"
