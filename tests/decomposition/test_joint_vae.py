import numpy as np
import pytest

from sklearn_unsup.decomposition import JointVAE
from sklearn_unsup.metrics import cluster_accuracy


def test_clusterer_api(digits):
    X, _ = digits
    jv = JointVAE(10, 4, likelihood="bernoulli", hidden_dims=(64,), max_epochs=3, random_state=0).fit(X)
    proba = jv.predict_proba(X)
    assert proba.shape == (len(X), 10)
    np.testing.assert_allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(jv.predict(X), jv.labels_)
    np.testing.assert_array_equal(proba.argmax(1), jv.labels_)
    assert jv.transform(X).shape == (len(X), 4)
    assert jv.score(X) <= 0
    with pytest.raises(ValueError, match="n_clusters=10 must be <= n_samples=5"):
        JointVAE(10, max_epochs=1).fit(X[:5])


def test_clusters_digits_far_above_chance(digits):
    """Uses the categories (no collapse) and recovers a good part of the classes."""
    X, y = digits
    jv = JointVAE(10, 5, likelihood="bernoulli", max_epochs=15, batch_size=64, random_state=0).fit(X)  # ACC .688
    sizes = np.bincount(jv.labels_, minlength=10)
    assert np.count_nonzero(sizes) >= 8
    assert cluster_accuracy(y, jv.labels_) > 0.4  # chance is about 0.1


def test_without_usage_term_is_the_paper_objective(digits):
    X, _ = digits
    jv = JointVAE(5, 3, usage_weight=0.0, likelihood="bernoulli", hidden_dims=(32,), max_epochs=2,
                  random_state=0).fit(X)
    assert jv.net_.criterion_.usage_weight == 0.0


@pytest.mark.slow
def test_kmeans_start_clusters_mnist5k_above_kmeans():
    """The generative issue's target: JointVAE's discrete latent above KMeans on the same pixels."""
    from sklearn.cluster import KMeans

    from tests.conftest import load_shared

    X, y = load_shared("cluster/mnist5k.npz")
    X = X.astype(np.float32) / 255
    acc_km = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))  # .519
    jv = JointVAE(10, likelihood="bernoulli", random_state=0).fit(X)  # default init="kmeans"
    assert cluster_accuracy(y, jv.labels_) > acc_km + 0.1  # measured .772


def test_random_start_is_the_papers(digits):
    X, _ = digits
    a = JointVAE(5, 3, init="random", likelihood="bernoulli", hidden_dims=(32,), max_epochs=2, random_state=0).fit(X)
    b = JointVAE(5, 3, init="random", likelihood="bernoulli", hidden_dims=(32,), max_epochs=2, random_state=0).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    with pytest.raises(ValueError, match="init"):
        JointVAE(init="spectral").fit(X)


@pytest.mark.parametrize("n_rows, vae_epochs", [(200, 500), (2000, 375)])
def test_kmeans_start_vae_step_floor(monkeypatch, n_rows, vae_epochs):
    """Warm-start VAE: at least 30 * max_epochs steps, at most 5 * max_epochs epochs (spied, nothing trained)."""
    from sklearn_unsup.decomposition import _vae

    seen = []

    class Stop(Exception):
        pass

    def spy(*args, max_epochs, **kwargs):
        seen.append(max_epochs)
        raise Stop

    monkeypatch.setattr(_vae, "VAE", spy)
    X = np.random.RandomState(0).rand(n_rows, 4)
    # batch 256: 200 rows are 1 batch, so the 5 * 100 epoch cap binds (500 steps, not 3,000);
    # 2,000 rows are 8 batches, ceil(3,000 / 8) = 375 epochs
    with pytest.raises(Stop):
        JointVAE(3, 2, max_epochs=100).fit(X)
    assert seen == [vae_epochs]
