import numpy as np
import pytest
from scipy.stats import multivariate_t
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from sklearn_unsup.semi_supervised import SplitMergeGMM
from sklearn_unsup.semi_supervised._niw_prior import NIWPrior


def _predictive_chain(X, prior_mean, kappa, nu, psi):
    """log p(X) as the product of the NIW posterior predictives (multivariate t), one row at a time."""
    d = X.shape[1]
    total = 0.0
    for i in range(X.shape[0]):
        seen = X[:i]
        n = seen.shape[0]
        kappa_n, nu_n = kappa + n, nu + n
        if n:
            xbar = seen.mean(axis=0)
            scatter = (seen - xbar).T @ (seen - xbar) + kappa * n / kappa_n * np.outer(xbar - prior_mean,
                                                                                   xbar - prior_mean)
            mean = (kappa * prior_mean + n * xbar) / kappa_n
        else:
            scatter, mean = np.zeros((d, d)), prior_mean
        lam = psi * np.eye(d) + scatter
        dof = nu_n - d + 1
        shape = lam * (kappa_n + 1) / (kappa_n * dof)
        total += multivariate_t(loc=mean, shape=shape, df=dof).logpdf(X[i])
    return total


def test_niw_marginal_likelihood_matches_the_chain_of_predictives():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(7, 3)) * [1.0, 2.0, 0.5] + 1.0
    mean = rng.normal(size=3)
    prior = NIWPrior(mean, kappa=0.3, nu=5.0, psi_scale=0.7, diagonal=False)
    assert prior.log_marginal_likelihood(X) == pytest.approx(_predictive_chain(X, mean, 0.3, 5.0, 0.7), rel=1e-9)


def test_diagonal_model_is_the_sum_of_one_dimensional_full_models():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(9, 4))
    mean = rng.normal(size=4)
    d, nu = 4, 6.0
    diagonal = NIWPrior(mean, 0.5, nu, 0.8, diagonal=True).log_marginal_likelihood(X)
    # each diagonal entry of an inverse Wishart(nu, psi I) in d dims is inverse gamma((nu - d + 1)/2, psi/2)
    per_feature = sum(NIWPrior(mean[j:j + 1], 0.5, nu - d + 1, 0.8, diagonal=False).log_marginal_likelihood(X[:, [j]])
                      for j in range(d))
    assert diagonal == pytest.approx(per_feature, rel=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_split_is_favoured_for_two_blobs_and_not_for_one(covariance_type):
    rng = np.random.RandomState(0)
    one = rng.normal(size=(200, 2))
    two = np.vstack([rng.normal(size=(100, 2)) - 4, rng.normal(size=(100, 2)) + 4])
    model = SplitMergeGMM(covariance_type=covariance_type)
    for X, sign in [(one, -1), (two, 1)]:
        model._prior = NIWPrior(X.mean(axis=0), 1e-4, 3.0, 0.5, diagonal=covariance_type == "diag")
        order = np.argsort(X[:, 0])
        halves = X[order[:100]], X[order[100:]]
        assert np.sign(model._hastings(*halves)) == sign


def _gcd_blobs(seed=0):
    X, y = make_blobs(600, centers=6, cluster_std=0.6, random_state=seed)
    rng = np.random.RandomState(seed)
    y_partial = np.where((y < 3) & (rng.uniform(size=y.size) < 0.5), y, -1)
    return X, y, y_partial


def test_discovers_the_new_classes_and_keeps_the_known_ones():
    X, y, y_partial = _gcd_blobs()
    gmm = SplitMergeGMM(random_state=0).fit(X, y_partial)
    labelled = y_partial != -1
    np.testing.assert_array_equal(gmm.labels_[labelled], y_partial[labelled])
    assert gmm.n_clusters_ == 6 and gmm.n_novel_clusters_ == 3
    np.testing.assert_array_equal(gmm.classes_, [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(gmm.known_classes_, [0, 1, 2])
    assert adjusted_rand_score(y, gmm.labels_) > 0.95
    assert gmm.n_splits_ > 0 and gmm.n_merges_ > 0  # started over-segmented: merges brought it down
    np.testing.assert_array_equal(gmm.transduction_, gmm.labels_)
    assert gmm.means_.shape == (6, 2) and gmm.covariances_.shape == (6, 2, 2)
    np.testing.assert_allclose(gmm.weights_.sum(), 1.0)


def test_known_class_is_one_cluster_even_when_it_is_two_blobs():
    # rows 0-199: one known class made of two well-separated blobs (never split); rows 200-299: a new class
    X, blob = make_blobs(300, centers=[[-6, 0], [6, 0], [0, 8]], cluster_std=0.5, shuffle=False, random_state=0)
    y = np.where(blob < 2, 7, -1)
    gmm = SplitMergeGMM(random_state=0).fit(X, y)
    assert np.all(gmm.labels_[:200] == 7)
    np.testing.assert_array_equal(gmm.classes_, [7, 8])  # new ids follow the largest known label
    assert np.all(gmm.labels_[200:] == 8)


def test_predict_matches_the_training_assignment_of_unlabelled_rows():
    X, _, y_partial = _gcd_blobs(1)
    gmm = SplitMergeGMM(random_state=0).fit(X, y_partial)
    unlabelled = y_partial == -1
    np.testing.assert_array_equal(gmm.predict(X[unlabelled]), gmm.labels_[unlabelled])


def test_unlabelled_fit_is_a_clusterer_choosing_k():
    X, y = make_blobs(500, centers=5, cluster_std=0.5, random_state=3)
    gmm = SplitMergeGMM(random_state=0).fit(X)
    assert gmm.n_clusters_ == 5 and adjusted_rand_score(y, gmm.labels_) > 0.95
    again = SplitMergeGMM(random_state=0).fit(X, np.full(500, -1))
    np.testing.assert_array_equal(gmm.labels_, again.labels_)


def test_prior_nu_below_the_dimension_is_refused():
    X = np.random.RandomState(0).normal(size=(40, 6))
    for covariance_type in ["full", "diag"]:
        with pytest.raises(ValueError, match="prior_nu=2 must exceed n_dims - 1 = 5"):
            SplitMergeGMM(prior_nu=2, covariance_type=covariance_type, n_components=None).fit(X)


def test_same_random_state_same_result_and_diag_model_runs():
    X, _, y_partial = _gcd_blobs(2)
    a = SplitMergeGMM(random_state=5, covariance_type="diag").fit(X, y_partial)
    b = SplitMergeGMM(random_state=5, covariance_type="diag").fit(X, y_partial)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.covariances_.shape == (a.n_clusters_, 2)


def test_auto_prior_is_the_pooled_within_class_variance():
    X, y, y_partial = _gcd_blobs()
    gmm = SplitMergeGMM(n_components=None, random_state=0).fit(X, y_partial)
    rows = [X[y_partial == c] for c in range(3)]
    pooled = sum(((r - r.mean(axis=0)) ** 2).sum() for r in rows) / sum(len(r) - 1 for r in rows) / X.shape[1]
    assert gmm.prior_variance_ == pytest.approx(pooled)
    larger = SplitMergeGMM(n_components=None, prior_scale=2.0, random_state=0).fit(X, y_partial)
    assert larger.prior_variance_ == pytest.approx(2.0 * X.var(axis=0).mean())


def test_pca_projection_for_wide_data():
    rng = np.random.RandomState(0)
    centers = rng.normal(size=(4, 50)) * 3
    y = np.repeat(np.arange(4), 80)
    X = centers[y] + rng.normal(size=(320, 50))
    gmm = SplitMergeGMM(random_state=0).fit(X, np.where(y < 2, y, -1))
    assert gmm.pca_.n_components_ == 10 and gmm.cluster_centers_.shape == (gmm.n_clusters_, 10)
    assert gmm.means_.shape == (gmm.n_clusters_, 50)
    assert adjusted_rand_score(y, gmm.labels_) > 0.95
    assert SplitMergeGMM(n_components=None).fit(X[:40]).pca_ is None


@pytest.mark.parametrize(
    "y, message",
    [
        (np.zeros(5), "5 labels for 6 rows"),
        (np.array([0, 1, 0.5, -1, -1, -1]), "Unknown label type"),
        (np.array([0, 1, np.nan, -1, -1, -1]), "NaN"),
        (np.zeros((6, 2)), "1d array"),
    ],
)
def test_bad_labels_are_refused_with_a_clear_error(y, message):
    X = np.random.RandomState(0).normal(size=(6, 2))
    with pytest.raises(ValueError, match=message):
        SplitMergeGMM().fit(X, y)
