import numpy as np
import pytest
from sklearn.decomposition import PCA

from sklearn_unsup.decomposition import Whitening


@pytest.fixture
def anisotropic():
    rng = np.random.RandomState(0)
    return rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6)) * [10, 5, 1, 1, 0.5, 0.1] + 3


def test_identity_covariance_and_exact_inverse(anisotropic):
    X = anisotropic
    w = Whitening(normalize=False).fit(X)
    Z = w.transform(X)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-10)
    np.testing.assert_allclose(np.cov(Z.T), np.eye(6), atol=1e-8)
    np.testing.assert_allclose(w.inverse_transform(Z), X, atol=1e-8)
    np.testing.assert_allclose(Z, PCA(whiten=True).fit(X).transform(X), atol=1e-8)


def test_normalized_rows_and_reduction(anisotropic):
    Z = Whitening(n_components=3).fit_transform(anisotropic)
    assert Z.shape == (500, 3)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1)
    with pytest.raises(ValueError, match="n_components=7 must be <= min"):
        Whitening(n_components=7).fit(anisotropic)


def test_improves_cosine_retrieval_on_anisotropic_embeddings():
    """Classes that differ in low-variance directions: whitening makes cosine kNN see them."""
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 600)
    X = rng.normal(size=(600, 4))
    X[:, 0] *= 50  # a dominant, uninformative direction
    X[:, 1] += 2.0 * (2 * y - 1)  # the class lives in a small one
    X += 20  # common offset, as in sentence embeddings

    def knn_acc(E):
        E = E / np.linalg.norm(E, axis=1, keepdims=True)
        S = E @ E.T
        np.fill_diagonal(S, -np.inf)
        nn = np.argsort(-S, axis=1)[:, :10]
        return np.mean(y[nn] == y[:, None])

    assert knn_acc(Whitening().fit_transform(X)) > knn_acc(X) + 0.1


@pytest.mark.parametrize("normalize", [True, False])
def test_zero_variance_components_stay_finite(normalize):
    """Constant data, a zero column and more features than rows: finite output, not NaN."""
    rng = np.random.RandomState(0)
    one_zero_column = rng.normal(size=(10, 3))
    one_zero_column[:, 1] = 0
    for X in (np.ones((10, 3)), one_zero_column, rng.normal(size=(10, 20))):
        w = Whitening(normalize=normalize).fit(X)
        Z = w.transform(X)
        assert np.all(np.isfinite(Z))
        assert np.all(np.isfinite(w.transform(X + 1)))
        assert np.all(np.isfinite(w.inverse_transform(Z)))
    Z = Whitening(normalize=False).fit(one_zero_column).transform(one_zero_column)
    np.testing.assert_allclose(np.cov(Z[:, :2].T), np.eye(2), atol=1e-8)


def test_inverse_transform_names_the_width(anisotropic):
    w = Whitening(n_components=4).fit(anisotropic)
    with pytest.raises(ValueError, match="X has 6 features, but inverse_transform expects n_components_=4"):
        w.inverse_transform(np.ones((2, 6)))
    assert w.inverse_transform(np.ones((2, 4))).shape == (2, 6)
