"""DDFA: clustering under latent label shift from domain labels (discriminate, discretize, factorize, adjust)."""

import warnings

import numpy as np
from sklearn.base import ClusterMixin, clone
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_mutual_info_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import check_random_state

from ..base import BaseEstimator
from ..utils._sklearn_compat import HasMethods, Integral, Interval, _fit_context, check_is_fitted, validate_data
from ..utils._validation import check_n_clusters

__all__ = ["DDFA"]

_NO_DOMAINS = (
    "DDFA needs the domain of each training row: call fit(X, domains=d) with one domain index per row "
    "(at least n_clusters distinct domains). The domains are side information, not class labels; y is ignored. "
    "In a Pipeline or GridSearchCV, request them with metadata routing: "
    "DDFA().set_fit_request(domains=True).set_predict_request(domains=True)."
)


#: ``domain_information_`` below which ``fit`` warns that the shift is too weak to use
#: (benchmark, optdigits and mnist5k, r = 20 domains, m = 30: at most .041 where DDFA lost to k-means under mild
#: shift, at least .082 where it won; AMI's scale depends on r and m, so the threshold is a guide, not a test).
MIN_DOMAIN_INFORMATION = 0.06


class DDFA(ClusterMixin, BaseEstimator):
    """Clustering under latent label shift, from the domain each row comes from (DDFA).

    **Assumptions -- read before use.** DDFA [1]_ recovers classes that no row
    is labelled with, from *domains* (batches, sites, hospitals, time periods)
    whose class mix differs. It is consistent only under **latent label
    shift**: the class-conditional distribution ``p(x | y)`` is the same in
    every domain and only the class proportions ``p(y | d)`` change; there must
    be at least as many domains as clusters (``r >= n_clusters``), the matrix
    ``p(y | d)`` must be well conditioned, and each class needs a region of x
    that is (nearly) its own. **It fails silently** when the shift is mild:
    with proportions drawn from a Dirichlet(3) or Dirichlet(10) on optdigits it
    clusters far worse than k-means, and so it does with 10 domains for 10 classes, with no error and no warning (see
    ``benchmarks/results/label_shift.md``). When domains also change ``p(x | y)``
    (covariate shift), the discriminator separates domains by that change and
    the clusters follow it instead of the classes.

    The four steps:

    1. **Discriminate**: ``discriminator`` (a probabilistic classifier) learns
       ``p(d | x)`` from the domain indices; the probabilities used next are
       out-of-fold (``cv``-fold ``cross_val_predict``), so the discriminator
       never scores the rows it was trained on; a copy fitted on all rows
       (``discriminator_``) serves ``predict``.
    2. **Discretize**: k-means with ``n_discretization`` clusters on the rows'
       ``p(d | x)`` vectors.
    3. **Factorize**: the (discretized cluster x domain) histogram, each
       domain's column normalised, is ``p(c | d) = sum_y p(c | y) p(y | d)``;
       a rank-``n_clusters`` NMF of it gives ``p(c | y)`` and ``p(y | d)``
       (``class_prior_per_domain_``), up to a permutation of the clusters.
    4. **Adjust**: with ``p(d | y) ∝ p(y | d) p(d)`` (``p(d)``: the domains'
       shares of the training rows), ``p(d | x) = sum_y p(d | y) p(y | x)`` is
       solved for ``p(y | x)`` by the pseudo-inverse of ``p(d | y)``. The
       solution may have negative entries: they are clipped to 0 and the rows
       renormalised (``predict_proba``); labels are the argmax, which clipping
       does not change.

    ``labels_`` and ``predict(X)`` use the domain-agnostic ``p(y | x)``.
    ``predict(X, domains=d)`` uses ``p_d(y | x) ∝ p(y | x) p(d | y)``, which the
    reference code reports; on optdigits it was *less* accurate than
    ``p(y | x)`` from the same discriminator (see the benchmark), so it is not
    the default.

    A small ``condition_number_`` (of ``p(d | y)``) is necessary for the
    adjustment to be stable; a class the factorization leaves without weight
    raises a ``ConvergenceWarning``. Two label-free warnings cover the failures
    measured in the benchmark (``benchmarks/results/label_shift.md``):
    ``domain_information_`` below ``MIN_DOMAIN_INFORMATION`` (the regions of x
    found from ``p(d | x)`` hardly tell the domains apart, as under the mild
    Dirichlet(3) and (10) mixes where DDFA fell below k-means), and as many
    domains as clusters (the factorization is then exact with one "class" per
    domain, whatever the classes).

    Domains and cross-validation: ``domains`` is an argument of ``fit`` with one
    entry per row, so ``cross_validate`` and ``GridSearchCV`` slice it with X;
    in a ``Pipeline``, enable metadata routing and request it with
    ``set_fit_request(domains=True).set_predict_request(domains=True)`` (both:
    ``fit_predict`` composes the two requests, which must agree;
    ``predict(X)`` without domains still works). ``y`` is ignored (never read as domains,
    so scoring with true labels cannot leak them into the fit).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of latent classes K (needs at least K distinct domains).
    discriminator : classifier or None, default=None
        Domain classifier with ``predict_proba``; cloned. None: a
        ``StandardScaler`` + ``MLPClassifier(hidden_layer_sizes=(256,),
        early_stopping=True)`` pipeline (chosen over a logistic regression:
        higher ACC at strong shift on optdigits, see the benchmark); early
        stopping is turned off when its 10 % validation split cannot hold
        every domain. A given discriminator whose ``random_state`` is None
        gets one drawn from ``random_state``.
    n_discretization : int or None, default=None
        Clusters of the discretization step (m >= n_clusters). None:
        ``3 * n_clusters`` (capped at the number of rows).
    cv : int or cross-validation splitter, default=5
        Folds of the out-of-fold ``p(d | x)``. An int: stratified by domain,
        shuffled with ``random_state``, lowered to the size of the smallest
        domain when that is smaller (at least 2). A splitter (e.g.
        ``PredefinedSplit`` with folds fixed in advance, or ``KFold``) is
        called as ``split(X, domains)`` and used as given: its test folds must
        cover every row once, and a domain missing from a training fold gets
        probability 0 in that fold.
    n_init : int, default=5
        Restarts of the discretization k-means.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the k-means, the NMF and the default discriminator.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row: argmax of its out-of-fold ``p(y | x)``.
    class_prior_per_domain_ : ndarray of shape (n_clusters, n_domains)
        Estimated ``p(y | d)``: column d is the class mix of domain
        ``domains_[d]`` (columns sum to 1).
    discretization_given_class_ : ndarray of shape (`n_discretization_`, n_clusters)
        Estimated ``p(c | y)`` of the discretized clusters (columns sum to 1).
    domain_given_class_ : ndarray of shape (n_domains, n_clusters)
        ``p(d | y)`` used by the adjustment (columns sum to 1).
    domain_prior_ : ndarray of shape (n_domains,)
        Share of the training rows in each domain, ``p(d)``.
    domains_ : ndarray of shape (n_domains,)
        The distinct domain values seen in fit, in sorted order.
    discriminator_ : classifier
        The discriminator fitted on all training rows (used by ``predict``).
    n_discretization_ : int
        Number of discretization clusters used.
    reconstruction_err_ : float
        Frobenius error of the NMF of the normalised histogram.
    condition_number_ : float
        2-norm condition number of ``domain_given_class_``: the error of the
        pseudo-inverse adjustment grows with it (the paper's protocol keeps
        it bounded).
    domain_information_ : float
        Adjusted mutual information between the domains and the
        discretization clusters of the out-of-fold ``p(d | x)`` (0: the
        regions of x carry no more about the domain than chance; 1: each
        region is one domain). A label-free gauge of the shift's strength;
        chance-adjusted, and unlike the discriminator's cross-entropy not
        hurt by an overconfident discriminator.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Clustering without domains (better under mild shift).

    References
    ----------
    .. [1] M. Roberts, P. Mani, S. Garg and Z. C. Lipton, "Unsupervised
       Learning under Latent Label Shift", NeurIPS 2022, arXiv 2207.13179.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_unsup.cluster import DDFA
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(2, size=400)                   # hidden classes
    >>> X = rng.normal(size=(400, 2)) + 4 * y[:, None]
    >>> domains = (rng.uniform(size=400) < np.where(y == 1, 0.9, 0.1)).astype(int)
    >>> model = DDFA(n_clusters=2, discriminator=LogisticRegression(), random_state=0)
    >>> labels = model.fit(X, domains=domains).labels_
    >>> model.class_prior_per_domain_.shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "discriminator": [HasMethods(["fit", "predict_proba"]), None],
        "n_discretization": [Interval(Integral, 1, None, closed="left"), None],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split", "get_n_splits"])],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters=8, *, discriminator=None, n_discretization=None, cv=5, n_init=5,
                 random_state=None):
        self.n_clusters = n_clusters
        self.discriminator = discriminator
        self.n_discretization = n_discretization
        self.cv = cv
        self.n_init = n_init
        self.random_state = random_state

    def _make_discriminator(self, seed, early_stopping=True):
        if self.discriminator is not None:
            discriminator = clone(self.discriminator)
            unset = {k: seed for k, v in discriminator.get_params().items()
                     if (k == "random_state" or k.endswith("__random_state")) and v is None}
            return discriminator.set_params(**unset)
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(256,), early_stopping=early_stopping,
                                                             max_iter=200, random_state=seed))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, domains=None):
        """Learn the latent classes from the rows and their domains.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored (never read as domains).
        domains : array-like of shape (n_samples,)
            Domain of each row (any hashable labels); required, with at least
            ``n_clusters`` distinct values.

        Returns
        -------
        self : DDFA
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        check_n_clusters(self.n_clusters, len(X))
        if domains is None:
            raise ValueError(_NO_DOMAINS)
        domains = np.asarray(domains)
        if domains.ndim != 1 or len(domains) != len(X):
            raise ValueError(f"domains must have one entry per row of X ({len(X)}); got shape {domains.shape}.")
        self.domains_, codes, counts = np.unique(domains, return_inverse=True, return_counts=True)
        n, r, k = len(X), len(self.domains_), self.n_clusters
        if r < k:
            raise ValueError(f"DDFA needs at least n_clusters={k} distinct domains to identify {k} classes "
                             f"(p(y|d) must have rank n_clusters); got {r}.")
        rs = check_random_state(self.random_state)
        seeds = rs.randint(np.iinfo(np.int32).max, size=4)
        self.domain_prior_ = counts / n
        # 1. Discriminate: out-of-fold p(d|x); a copy on all rows for new rows.
        if isinstance(self.cv, Integral):
            n_splits = max(2, min(self.cv, int(counts.min())))
            folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(seeds[0]))
        else:
            folds, n_splits = self.cv, max(2, int(self.cv.get_n_splits(X, codes)))
        # the default MLP's early stopping holds out a stratified 10 % of each training fold: every domain
        # must fit in it (and keep two rows per fold)
        early = int(0.1 * (n - n // n_splits)) >= r and int(counts.min()) >= 2 * n_splits
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", message="The least populated class")
            p_dx = cross_val_predict(self._make_discriminator(int(seeds[1]), early), X, codes, cv=folds,
                                     method="predict_proba")
            self.discriminator_ = self._make_discriminator(int(seeds[1]), early).fit(X, codes)
        if r == k:
            warnings.warn(f"as many domains as clusters ({r}): the factorization fits exactly with one cluster per "
                          "domain, whatever the classes. Use more domains than clusters (2x in the benchmark).",
                          ConvergenceWarning, stacklevel=2)
        # 2. Discretize p(d|x).
        m = min(self.n_discretization or 3 * k, n)
        if m < k:
            raise ValueError(f"n_discretization={m} must be >= n_clusters={k}.")
        self.n_discretization_ = m
        disc = KMeans(n_clusters=m, n_init=self.n_init, random_state=int(seeds[2])).fit_predict(p_dx)
        self.domain_information_ = float(adjusted_mutual_info_score(codes, disc))
        if self.domain_information_ < MIN_DOMAIN_INFORMATION:
            warnings.warn(f"the regions of x found from p(d|x) hardly tell the domains apart (domain_information_="
                          f"{self.domain_information_:.3f} < {MIN_DOMAIN_INFORMATION}): the class mixes barely differ "
                          "across domains (or the discriminator cannot see how), and DDFA's clusters are then "
                          "unreliable. Compare with KMeans on the same rows.", ConvergenceWarning, stacklevel=2)
        # 3. Factorize the normalised (cluster x domain) histogram p(c|d) = p(c|y) p(y|d).
        hist = np.zeros((m, r))
        np.add.at(hist, (disc, codes), 1.0)
        hist /= hist.sum(axis=0, keepdims=True)
        nmf = NMF(n_components=k, init="random", max_iter=2000, random_state=int(seeds[3]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            w = nmf.fit_transform(hist.T)  # (r, k)
        c = nmf.components_.T  # (m, k)
        scale = c.sum(axis=0)
        scale[scale == 0] = 1.0
        p_yd = (w * scale).T  # (k, r)
        p_yd /= np.maximum(p_yd.sum(axis=0, keepdims=True), 1e-12)
        self.discretization_given_class_ = c / scale
        self.class_prior_per_domain_ = p_yd
        self.reconstruction_err_ = float(nmf.reconstruction_err_)
        # 4. Adjust: p(d|y) ∝ p(y|d) p(d), normalised over domains.
        p_dy = p_yd.T * self.domain_prior_[:, None]
        p_dy /= np.maximum(p_dy.sum(axis=0, keepdims=True), 1e-12)
        self.domain_given_class_ = p_dy
        self.condition_number_ = float(np.linalg.cond(p_dy))
        empty = np.flatnonzero(p_yd.sum(axis=1) <= 0)  # p_yd is (n_clusters, n_domains)
        if empty.size:
            warnings.warn(f"the factorization gave cluster(s) {empty.tolist()} no weight in any domain: the domains' "
                          "class mixes do not identify n_clusters classes (too mild a shift, or too few domains).",
                          ConvergenceWarning, stacklevel=2)
        self.labels_ = np.argmax(p_dx @ np.linalg.pinv(p_dy).T, axis=1)
        return self

    def fit_predict(self, X, y=None, *, domains=None):
        """Fit and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.
        domains : array-like of shape (n_samples,)
            Domain of each row; required.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster of each row.
        """
        return self.fit(X, domains=domains).labels_

    def _raw_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self.discriminator_.predict_proba(X) @ np.linalg.pinv(self.domain_given_class_).T

    def _domain_codes(self, domains, n):
        domains = np.asarray(domains)
        if domains.ndim != 1 or len(domains) != n:
            raise ValueError(f"domains must have one entry per row of X ({n}); got shape {domains.shape}.")
        codes = np.searchsorted(self.domains_, domains)
        codes = np.minimum(codes, len(self.domains_) - 1)
        unseen = self.domains_[codes] != domains
        if np.any(unseen):
            raise ValueError(f"domains holds values not seen in fit: {np.unique(domains[unseen])[:5]!r}.")
        return codes

    def predict_proba(self, X, domains=None):
        """Probability of each cluster for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to cluster.
        domains : array-like of shape (n_samples,) or None, default=None
            Domain of each row (values seen in fit). None: the domain-agnostic
            ``p(y | x)``; given: ``p_d(y | x) ∝ p(y | x) p(d | y)``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            The pseudo-inverse solution with negative entries clipped to 0,
            rows renormalised (a row with no positive entry: one-hot at its
            largest entry).
        """
        raw = self._raw_proba(X)
        proba = np.clip(raw, 0.0, None)
        empty = proba.sum(axis=1) <= 0
        proba[empty] = np.eye(self.n_clusters)[np.argmax(raw[empty], axis=1)]
        if domains is not None:
            adjusted = (proba + 1e-12) * self.domain_given_class_[self._domain_codes(domains, len(raw))]
            weighted = adjusted.sum(axis=1) > 0  # a domain the factorization gives no class keeps p(y | x)
            proba[weighted] = adjusted[weighted]
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X, domains=None):
        """Cluster of each row: argmax of ``predict_proba(X, domains)``.

        ``predict`` uses the discriminator fitted on all training rows, while
        ``labels_`` uses out-of-fold ``p(d | x)``, so ``fit(X).predict(X)`` can
        differ from ``labels_`` on some training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to cluster.
        domains : array-like of shape (n_samples,) or None, default=None
            Domain of each row (see ``predict_proba``).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster of each row.
        """
        return np.argmax(self.predict_proba(X, domains=domains), axis=1)
