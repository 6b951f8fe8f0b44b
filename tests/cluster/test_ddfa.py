import warnings

import numpy as np
import pytest
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_dataframe_column_names_consistency, parametrize_with_checks

from sklearn_unsup.cluster import DDFA
from sklearn_unsup.metrics import cluster_accuracy


def _shifted(n=600, k=3, r=4, seed=0):
    """Blobs of k classes (p(x|y) fixed) spread over r domains with very different class mixes."""
    rng = np.random.RandomState(seed)
    p_yd = rng.dirichlet(np.full(k, 0.3), size=r).T  # (k, r)
    y = rng.randint(k, size=n)
    p_dy = p_yd / p_yd.sum(axis=1, keepdims=True)
    d = np.array([rng.choice(r, p=p_dy[c]) for c in y])
    centers = 4.0 * np.eye(k, 2) if k <= 2 else 4.0 * np.c_[np.cos(2 * np.pi * np.arange(k) / k),
                                                             np.sin(2 * np.pi * np.arange(k) / k)]
    return centers[y] + rng.normal(size=(n, 2)), y, d


def _model(**kw):
    kw = {"cv": 3, **kw}
    return DDFA(3, discriminator=make_pipeline(StandardScaler(), LogisticRegression()), n_init=2,
                random_state=0, **kw)


def test_recovers_classes_and_class_mix_per_domain():
    X, y, d = _shifted()
    est = _model().fit(X, domains=d)
    assert cluster_accuracy(y, est.labels_) > 0.9
    assert est.class_prior_per_domain_.shape == (3, 4)
    np.testing.assert_allclose(est.class_prior_per_domain_.sum(axis=0), 1.0)
    np.testing.assert_allclose(est.domain_given_class_.sum(axis=0), 1.0)
    # estimated p(y|d) close to each domain's true class mix (clusters matched to classes)
    true = np.array([[np.mean(y[d == j] == c) for j in range(4)] for c in range(3)])
    match = [np.bincount(y[est.labels_ == c], minlength=3).argmax() for c in range(3)]
    assert sorted(match) == [0, 1, 2]
    assert np.abs(true[match] - est.class_prior_per_domain_).sum(axis=0).mean() < 0.25
    assert est.n_discretization_ == 9 and est.n_features_in_ == 2


def test_predict_proba_with_and_without_domains():
    X, y, d = _shifted()
    est = _model().fit(X, domains=d)
    for dom in (None, d):
        proba = est.predict_proba(X, domains=dom)
        assert proba.shape == (600, 3) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(est.predict(X, domains=dom), proba.argmax(axis=1))
    np.testing.assert_array_equal(est.predict(X[:7]), est.predict(X)[:7])  # no batch dependence
    assert cluster_accuracy(y, est.predict(X)) > 0.9
    with pytest.raises(ValueError, match="not seen in fit"):
        est.predict(X[:2], domains=[0, 9])
    with pytest.raises(ValueError, match="one entry per row"):
        est.predict(X[:2], domains=[0])


def test_domains_are_required_and_must_be_enough():
    X, _, d = _shifted(n=120)
    with pytest.raises(ValueError, match="needs the domain of each training row"):
        _model().fit(X)
    with pytest.raises(ValueError, match="needs the domain of each training row"):
        _model().fit(X, d)  # y is never read as domains
    with pytest.raises(ValueError, match="at least n_clusters=3 distinct domains"):
        _model().fit(X, domains=d % 2)
    with pytest.raises(ValueError, match="one entry per row"):
        _model().fit(X, domains=d[:-1])
    with pytest.raises(ValueError, match="n_discretization=2 must be >= n_clusters=3"):
        _model(n_discretization=2).fit(X, domains=d)


def test_y_ignored_string_domains_and_same_seed_same_result():
    X, y, d = _shifted(n=300)
    names = np.array(["site-a", "site-b", "site-c", "site-d"])[d]
    a = _model().fit(X, domains=d)
    b = _model().fit(X, y, domains=names)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(b.domains_, np.unique(names))
    np.testing.assert_array_equal(a.predict(X, domains=d), b.predict(X, domains=names))
    np.testing.assert_array_equal(_model().fit_predict(X, domains=d), a.labels_)


def test_domains_routed_through_pipeline_and_sliced_by_cross_validation():
    X, y, d = _shifted(n=300)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), _model().set_fit_request(domains=True).set_predict_request(domains=True))
        labels = pipe.fit_predict(X, domains=d)  # fit_predict composes the fit and predict requests
        assert pipe[-1].class_prior_per_domain_.shape == (3, 4)
        np.testing.assert_array_equal(labels, pipe[-1].labels_)
        assert pipe.predict(X).shape == (300,) and pipe.predict(X, domains=d).shape == (300,)
        scores = cross_validate(pipe, X, y, cv=2, params={"domains": d}, scoring="adjusted_rand_score")
    assert np.all(scores["test_score"] > 0.5)


def test_small_domains_and_seeded_user_discriminator():
    """Default MLP: early stopping is off when its validation split cannot hold every domain (20 domains here)."""
    rng = np.random.RandomState(0)
    X, d = rng.normal(size=(120, 3)), np.arange(120) % 20
    est = DDFA(2, cv=2, n_init=1, random_state=0).fit(X, domains=d)
    assert est.discriminator_[-1].early_stopping is False and np.isfinite(est.condition_number_)
    # a given discriminator without random_state gets one from DDFA's, so two fits agree
    from sklearn.neural_network import MLPClassifier

    X, y, d = _shifted(n=200)
    make = lambda: DDFA(3, discriminator=MLPClassifier((8,), max_iter=30), cv=2, n_init=1, random_state=0)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = make().fit(X, domains=d), make().fit(X, domains=d)
    assert a.discriminator_.random_state is not None
    np.testing.assert_array_equal(a.labels_, b.labels_)


class _DDFADomainsFromX(DDFA):
    """For scikit-learn's checks, which cannot pass domains: four domains read off each row's first feature."""

    def fit(self, X, y=None):
        try:  # input DDFA must refuse (sparse, complex, ...) reaches its own validation, with domains=None
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                first = np.nan_to_num(np.asarray(X, dtype=np.float64)[:, 0])
            domains = np.floor(np.abs(first) * 7).astype(np.int64) % 4
        except Exception:
            domains = None
        return super().fit(X, domains=domains)

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_


_CHECK_REASONS = {
    # the wrapper's domains (a function of one feature) are not latent label shift: the clusters need not follow
    # the blobs; recovery of real latent classes is tested above
    "check_clustering": "domains from a feature are not latent label shift",
    "check_clustering(readonly_memmap=True)": "domains from a feature are not latent label shift",
}


@parametrize_with_checks([_DDFADomainsFromX(n_clusters=2, discriminator=LogisticRegression(), cv=2, n_init=1,
                                            random_state=0)],
                         expected_failed_checks=lambda est: _CHECK_REASONS)
def test_sklearn_checks_with_domains(estimator, check):
    check(estimator)


def test_dataframe_column_names_with_domains():
    check_dataframe_column_names_consistency(
        "DDFA", _DDFADomainsFromX(n_clusters=2, discriminator=LogisticRegression(), cv=2, n_init=1, random_state=0))


@pytest.mark.slow
def test_strong_shift_on_digits_beats_kmeans():
    """load_digits, 20 domains with Dirichlet(0.5) class mixes (the benchmark's strong-shift setting)."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    p_yd = rng.dirichlet(np.full(10, 0.5), size=20).T
    p_dy = p_yd / p_yd.sum(axis=1, keepdims=True)
    d = np.array([rng.choice(20, p=p_dy[c]) for c in y])
    acc = cluster_accuracy(y, DDFA(10, random_state=0).fit(X / 16, domains=d).labels_)
    acc_km = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X / 16))
    assert acc > acc_km + 0.03, (acc, acc_km)


def test_cv_splitter_is_used_as_given():
    from sklearn.model_selection import PredefinedSplit, StratifiedKFold

    X, y, d = _shifted()
    folds = np.arange(len(X)) % 3
    by_splitter = _model(cv=PredefinedSplit(folds)).fit(X, domains=d)
    assert cluster_accuracy(y, by_splitter.labels_) > 0.9
    # an int is a shuffled stratified split seeded from random_state: the same folds given as a splitter
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=4)[0]
    same = _model(cv=StratifiedKFold(3, shuffle=True, random_state=int(seed))).fit(X, domains=d)
    np.testing.assert_array_equal(same.labels_, _model().fit(X, domains=d).labels_)


def test_warns_on_weak_shift_and_on_as_many_domains_as_clusters():
    X, y, d = _shifted()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        strong = _model().fit(X, domains=d)  # strong shift, 4 domains for 3 classes: silent
    assert strong.domain_information_ > 0.1
    same_mix = np.random.RandomState(0).randint(4, size=len(X))  # domains drawn independently of the class
    with pytest.warns(ConvergenceWarning, match="domain_information_"):
        weak = _model().fit(X, domains=same_mix)
    assert weak.domain_information_ < 0.06
    with pytest.warns(ConvergenceWarning, match="as many domains as clusters"):
        _model().fit(X, domains=np.minimum(d, 2))
