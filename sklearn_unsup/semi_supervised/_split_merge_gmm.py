"""Semi-supervised Gaussian mixture with split/merge moves: generalized category discovery (GPC)."""

from numbers import Integral, Real

import numpy as np
from scipy.special import gammaln
from sklearn.base import ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state

from .._kernels._kmeans import assign_labels, kmeans_plusplus
from ..base import BaseEstimator
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, check_is_fitted, validate_data
from ._labels import novel_cluster_labels, split_partial_labels
from ._niw_prior import NIWPrior

__all__ = ["SplitMergeGMM"]


class SplitMergeGMM(ClusterMixin, BaseEstimator):
    """Semi-supervised clustering that finds how many new classes the unlabelled rows hold.

    Generalized category discovery: some classes are known (a few of their rows
    carry labels), the unlabelled rows belong to those classes or to new ones,
    and the number of new classes is unknown. Each round runs semi-supervised
    k-means (labelled rows fixed to their class; unlabelled rows join the
    nearest centre, known or new), then proposes to **split** every new
    cluster in two (2-means on its rows) and to **merge** each remaining new
    cluster with its nearest one. A move is accepted when its log
    Hastings ratio under a conjugate normal-inverse-Wishart (NIW) prior is
    positive,

        H_split = log(alpha) + lgamma(n1) + log p(X1) + lgamma(n2) + log p(X2) - lgamma(n) - log p(X),

    (``H_merge`` is the same quantity with the sign reversed), or at random
    with probability ``split_prob`` / ``merge_prob``. The known classes are
    never split or merged with each other (their labelled rows stay
    together); clusters of at most ``min_cluster_size`` rows are never split.
    So the number of new clusters grows where the data supports it and
    shrinks where two clusters are one.

    Differences from the authors' code, which re-estimates the clusters once
    per training epoch of a deep encoder: here the features are fixed (use
    an encoder upstream in a :class:`~sklearn.pipeline.Pipeline`), the
    number of clusters is carried from round to round (the official code
    restarts every epoch from the initial number), merges use disjoint pairs
    (a cluster takes part in at most one merge per round) and, after
    ``max_iter`` rounds with random moves, up to ``max_iter + 1`` further rounds
    accept only moves with a positive ratio, until none is accepted — so the
    result never ends on a random split. Two moves are added, both tested
    by the same ratio and never taken at random: a new cluster whose nearest
    cluster is a known class may be **absorbed** by it, and the unlabelled
    rows of a known cluster that lie apart from its labelled rows (the far
    half of a 2-means split) may be **peeled off** into a new cluster.
    Without them, a new class that a known cluster swallowed early (or a
    stray cluster of a known class's unlabelled rows) could never be undone.

    With ``y`` absent or all ``-1`` it is a clusterer that chooses the number
    of clusters itself (split/merge clustering in the manner of DeepDPM).

    The rounds run on the first ``n_components`` principal components of X:
    a Gaussian marginal likelihood computed on hundreds of raw dimensions of
    non-Gaussian data keeps favouring splits as the number of rows grows,
    while a few leading components keep the criterion about the cluster
    structure.

    Parameters
    ----------
    n_clusters_init : int or None, default=None
        Number of clusters the rounds start from, known classes included.
        ``None``: the known classes plus ``max(20, 2 * n_known)`` new
        clusters — an over-segmentation that the merges reduce (new clusters
        can be merged with each other but never into a known class, so
        starting with too few leaves new classes inside known clusters).
    n_components : int or None, default=10
        Number of principal components the clustering runs on (the
        components are fitted on X in ``fit``); ``None``, or at least
        n_features or n_samples: the features themselves.
    covariance_type : {"full", "diag"}, default="full"
        Covariance model of the marginal likelihood: full matrices, or
        independent features (cheaper; for wide embeddings of few rows per
        cluster).
    prior_scale : "auto" or float, default="auto"
        Prior guess of a cluster's per-dimension variance (the mode of the
        prior on its covariance is that variance times the identity), as a
        share of X's mean per-dimension variance (in the space the rounds run
        on). ``"auto"``: the pooled within-class variance of the labelled rows
        when at least two classes are labelled — the known classes show how
        spread out a class is — else 0.05 of X's. Larger values make
        clusters cheaper to keep together: fewer clusters.
    prior_kappa : float, default=1e-4
        Prior pseudo-count of each cluster mean (the prior mean is the data
        mean), as the authors' code.
    prior_nu : float or None, default=None
        Degrees of freedom of the inverse-Wishart; ``None``: n_features + 1, the
        weakest proper choice (the authors' code).
    alpha : float, default=1.0
        Concentration of the Dirichlet process in the Hastings ratio.
    split_prob : float, default=0.1
        Probability of accepting a split whose ratio is not positive (the
        "stochastic" moves that escape local optima).
    merge_prob : float, default=0.1
        Same for merges.
    min_cluster_size : int, default=5
        Clusters (and proposed sub-clusters) of at most this many rows are never split.
    max_iter : int, default=20
        Number of rounds with random moves (then at most as many rounds with
        deterministic moves).
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means initialisation and the random moves.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row: a known class keeps its label, new
        clusters are numbered after the largest known label (``"novel_j"``
        beside text labels).
    transduction_ : ndarray of shape (n_samples,)
        Same as ``labels_`` (scikit-learn's semi-supervised name).
    classes_ : ndarray of shape (`n_clusters_`,)
        The label of each cluster, known classes first (what ``predict``
        returns).
    known_classes_ : ndarray of shape (n_known,)
        The labels present in ``y`` (sorted).
    n_clusters_ : int
        Number of clusters, known classes included.
    n_novel_clusters_ : int
        Number of clusters of new classes.
    means_ : ndarray of shape (`n_clusters_`, n_features)
        Mean of each cluster's training rows, in the input features.
    cluster_centers_ : ndarray of shape (`n_clusters_`, n_dims)
        Cluster centres in the space the rounds run on (the principal
        components, or the features); ``predict`` assigns to the nearest.
    covariances_ : ndarray of shape (`n_clusters_`, n_dims, n_dims) or (`n_clusters_`, n_dims)
        Posterior mode of each cluster's covariance under the NIW prior, in
        that space (variances when ``covariance_type="diag"``).
    pca_ : :class:`~sklearn.decomposition.PCA` or None
        The projection, when ``n_components`` reduces the features.
    weights_ : ndarray of shape (`n_clusters_`,)
        Share of the training rows in each cluster.
    prior_variance_ : float
        The prior's per-dimension cluster variance used (see ``prior_scale``).
    n_iter_ : int
        Number of rounds run.
    n_splits_ : int
        Number of accepted split moves (peel-offs included).
    n_merges_ : int
        Number of accepted merge moves (absorptions included).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.semi_supervised.LaplacianKPrototypes : Few labels per class, known number of classes.
    sklearn.mixture.BayesianGaussianMixture : Unsupervised mixture that prunes components.

    References
    ----------
    .. [1] B. Zhao, X. Wen and K. Han, "Learning Semi-supervised Gaussian
       Mixture Models for Generalized Category Discovery", ICCV 2023.
    .. [2] M. Ronen, S. E. Finder and O. Freifeld, "DeepDPM: Deep Clustering
       With an Unknown Number of Clusters", CVPR 2022.
    .. [3] J. Chang and J. W. Fisher III, "Parallel Sampling of DP Mixture
       Models using Sub-Clusters Splits", NeurIPS 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_unsup.semi_supervised import SplitMergeGMM
    >>> X, y = make_blobs(600, centers=6, cluster_std=0.5, random_state=0)
    >>> y_partial = np.where((y < 3) & (np.arange(600) % 2 == 0), y, -1)  # classes 3-5 unseen
    >>> gmm = SplitMergeGMM(random_state=0).fit(X, y_partial)
    >>> gmm.n_clusters_
    6
    """

    _UNLABELLED_PRIOR_SHARE = 0.05

    _parameter_constraints: dict = {
        "n_clusters_init": [Interval(Integral, 1, None, closed="left"), None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "covariance_type": [StrOptions({"full", "diag"})],
        "prior_scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "prior_kappa": [Interval(Real, 0, None, closed="neither")],
        "prior_nu": [Interval(Real, 0, None, closed="neither"), None],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "split_prob": [Interval(Real, 0, 1, closed="both")],
        "merge_prob": [Interval(Real, 0, 1, closed="both")],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters_init=None, *, n_components=10, covariance_type="full", prior_scale="auto",
                 prior_kappa=1e-4,
                 prior_nu=None, alpha=1.0, split_prob=0.1, merge_prob=0.1, min_cluster_size=5, max_iter=20,
                 random_state=None):
        self.n_clusters_init = n_clusters_init
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.prior_scale = prior_scale
        self.prior_kappa = prior_kappa
        self.prior_nu = prior_nu
        self.alpha = alpha
        self.split_prob = split_prob
        self.merge_prob = merge_prob
        self.min_cluster_size = min_cluster_size
        self.max_iter = max_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cluster X, keeping the labelled rows in their classes and discovering new clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or None, default=None
            Class labels, ``-1`` for unlabelled rows; ``None``: all unlabelled.

        Returns
        -------
        self : SplitMergeGMM
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        self.known_classes_, fixed = split_partial_labels(y, X.shape[0])
        rng = check_random_state(self.random_state)
        Xd = self._project(X, fitting=True, rng=rng)
        d = Xd.shape[1]
        nu = d + 1.0 if self.prior_nu is None else float(self.prior_nu)
        if nu <= d - 1:
            raise ValueError(f"prior_nu={self.prior_nu} must exceed n_dims - 1 = {d - 1}, where n_dims = {d} is the "
                             "number of dimensions the rounds run on (n_components after the PCA, else n_features).")
        n_known = self.known_classes_.size  # known clusters come first: fixed is a labelled row's cluster
        self.prior_variance_ = self._prior_variance(Xd, fixed, n_known)
        # Psi chosen so that the prior's mode of a cluster covariance is prior_variance_ * I
        psi = self.prior_variance_ * (nu + d + 1.0 if self.covariance_type == "full" else nu - d + 3.0)
        self._prior = NIWPrior(Xd.mean(axis=0), self.prior_kappa, nu, psi, diagonal=self.covariance_type == "diag")
        n_init = (n_known + max(20, 2 * n_known) if self.n_clusters_init is None
                  else max(self.n_clusters_init, n_known))
        unlabelled = np.flatnonzero(fixed == -1)
        n_init = min(n_init, n_known + unlabelled.size)
        centers = self._initial_centers(Xd, fixed, n_known, n_init, rng)

        self.n_splits_ = self.n_merges_ = 0
        labels = fixed
        n_rounds = 0
        for round_ in range(2 * self.max_iter + 1):
            random_moves = round_ < self.max_iter
            centers, labels = self._semi_supervised_kmeans(Xd, fixed, centers)
            centers, labels, moved = self._split_and_merge(Xd, labels, centers, fixed, n_known, rng, random_moves)
            n_rounds += 1
            if not moved and not random_moves:
                break
        centers, labels = self._semi_supervised_kmeans(Xd, fixed, centers)
        # drop clusters left empty, keep the known classes' slots
        keep = np.ones(centers.shape[0], dtype=bool)
        counts = np.bincount(labels, minlength=centers.shape[0])
        keep[n_known:] = counts[n_known:] > 0
        remap = np.cumsum(keep) - 1
        labels, centers = remap[labels], centers[keep]

        n_novel = centers.shape[0] - n_known
        self.classes_ = np.concatenate([self.known_classes_, novel_cluster_labels(self.known_classes_, n_novel)])
        self.labels_ = self.classes_[labels]
        self.transduction_ = self.labels_
        self.n_clusters_ = int(centers.shape[0])
        self.n_novel_clusters_ = int(n_novel)
        self.n_iter_ = n_rounds
        self.cluster_centers_ = centers  # float64: predict assigns with exactly the centres of the fit
        self.means_ = np.asarray([X[labels == k].mean(axis=0) for k in range(self.n_clusters_)], dtype=X.dtype)
        covariances = []
        for k in range(self.n_clusters_):
            rows = Xd[labels == k]
            covariances.append(self._prior.posterior(rows)[1] if rows.shape[0] else
                               self._prior.posterior(centers[k:k + 1])[1])
        self.covariances_ = np.asarray(covariances, dtype=X.dtype)
        self.weights_ = np.bincount(labels, minlength=self.n_clusters_) / X.shape[0]
        del self._prior  # fit-time state only
        return self

    def _prior_variance(self, X, fixed, n_known):
        """Prior guess of a cluster's per-dimension variance: from the labelled classes, or a share of X's."""
        total = max(float(np.mean(np.var(X, axis=0))), 1e-12)
        if self.prior_scale != "auto":
            return self.prior_scale * total
        within, count = 0.0, 0
        for k in range(n_known):
            rows = X[fixed == k]
            if rows.shape[0] > 1:
                within += float(np.sum(np.var(rows, axis=0, ddof=1))) * (rows.shape[0] - 1)
                count += rows.shape[0] - 1
        if n_known >= 2 and count > 0:
            return max(within / count / X.shape[1], 1e-12 * total)
        return self._UNLABELLED_PRIOR_SHARE * total

    def _initial_centers(self, X, fixed, n_known, n_clusters, rng):
        """Known classes at their labelled means; the others by k-means++ on the unlabelled rows."""
        centers = np.empty((n_clusters, X.shape[1]), dtype=np.float64)
        for k in range(n_known):
            centers[k] = X[fixed == k].mean(axis=0)
        n_new = n_clusters - n_known
        if n_new:
            pool = X[fixed == -1]
            centers[n_known:] = kmeans_plusplus(pool, n_new, rng)[0]
        return centers

    @staticmethod
    def _semi_supervised_kmeans(X, fixed, centers, max_iter=100):
        """Lloyd iterations in which the labelled rows never leave their class's cluster."""
        labelled = fixed != -1
        labels = None
        for _ in range(max_iter):
            new_labels = assign_labels(X, centers)[0]
            new_labels[labelled] = fixed[labelled]
            if labels is not None and np.array_equal(new_labels, labels):
                break
            labels = new_labels
            counts = np.bincount(labels, minlength=centers.shape[0])
            sums = np.zeros_like(centers)
            np.add.at(sums, labels, X)
            filled = counts > 0
            centers = centers.copy()
            centers[filled] = sums[filled] / counts[filled, None]
        return centers, labels

    def _log_ml(self, rows):
        return self._prior.log_marginal_likelihood(rows)

    def _hastings(self, rows_a, rows_b):
        """log Hastings ratio of keeping rows_a and rows_b apart rather than together."""
        na, nb = rows_a.shape[0], rows_b.shape[0]
        together = np.concatenate([rows_a, rows_b])
        return (np.log(self.alpha) + gammaln(na) + self._log_ml(rows_a) + gammaln(nb) + self._log_ml(rows_b)
                - gammaln(na + nb) - self._log_ml(together))

    def _split_and_merge(self, X, labels, centers, fixed, n_known, rng, random_moves):
        split_prob = self.split_prob if random_moves else 0.0
        merge_prob = self.merge_prob if random_moves else 0.0
        new_centers = [centers[k] for k in range(n_known)]
        moved = False
        for k in range(n_known):  # peel-off: unlabelled rows of a known cluster that form a class of their own
            peeled = self._peel_off(X, labels == k, fixed == k, rng)
            if peeled is not None:
                new_centers.append(peeled)
                self.n_splits_ += 1
                moved = True
        kept = []  # new clusters not split: candidates for merging
        for k in range(n_known, centers.shape[0]):
            rows = X[labels == k]
            if rows.shape[0] <= self.min_cluster_size:
                if rows.shape[0]:
                    kept.append(k)
                continue
            sub = KMeans(2, n_init=1, random_state=rng.randint(np.iinfo(np.int32).max)).fit(rows)
            sizes = np.bincount(sub.labels_, minlength=2)
            draw = rng.uniform()
            if sizes.min() > self.min_cluster_size and (
                    self._hastings(rows[sub.labels_ == 0], rows[sub.labels_ == 1]) > 0 or draw < split_prob):
                new_centers.extend(sub.cluster_centers_)
                self.n_splits_ += 1
                moved = True
            else:
                kept.append(k)
        done = set()  # clusters already placed (alone or merged): each takes part in one move at most
        for k in kept:
            if k in done:
                continue
            done.add(k)
            others = [j for j in kept if j not in done]
            candidates = others + list(range(n_known))
            if not candidates:
                new_centers.append(centers[k])
                continue
            nearest = candidates[int(np.argmin(((centers[candidates] - centers[k]) ** 2).sum(axis=1)))]
            rows_k, rows_j = X[labels == k], X[labels == nearest]
            draw = rng.uniform()
            if nearest < n_known:
                # absorption into a known class: only when the data favour it (never at random)
                if -self._hastings(rows_k, rows_j) > 0:
                    self.n_merges_ += 1
                    moved = True
                else:
                    new_centers.append(centers[k])
            elif -self._hastings(rows_k, rows_j) > 0 or draw < merge_prob:
                n_k, n_j = rows_k.shape[0], rows_j.shape[0]
                new_centers.append((n_k * centers[k] + n_j * centers[nearest]) / (n_k + n_j))
                done.add(nearest)
                self.n_merges_ += 1
                moved = True
            else:
                new_centers.append(centers[k])
        return np.asarray(new_centers), labels, moved

    def _peel_off(self, X, in_cluster, labelled, rng):
        """Centre of a new cluster made of a known cluster's unlabelled rows, when the data favour it.

        2-means on the cluster's rows; the part farther from the labelled
        rows' mean gives up its unlabelled rows (the labelled rows never move)
        if the split test is positive. Deterministic moves only: a random
        peel-off would take rows a known class may own.
        """
        rows = X[in_cluster]
        free = ~labelled[in_cluster]
        if free.sum() <= 2 * self.min_cluster_size:
            return None
        sub = KMeans(2, n_init=1, random_state=rng.randint(np.iinfo(np.int32).max)).fit(rows)
        anchor = rows[~free].mean(axis=0)
        far = int(np.argmax(((sub.cluster_centers_ - anchor) ** 2).sum(axis=1)))
        leaving = (sub.labels_ == far) & free
        if leaving.sum() <= self.min_cluster_size or (~leaving).sum() <= self.min_cluster_size:
            return None
        if self._hastings(rows[~leaving], rows[leaving]) > 0:
            return rows[leaving].mean(axis=0)
        return None

    def predict(self, X):
        """Nearest cluster centre of each row (the assignment rule of the fit).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to assign.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster label of each row (a known class or a new cluster's id).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self.classes_[assign_labels(self._project(X), self.cluster_centers_)[0]]

    def _project(self, X, fitting=False, rng=None):
        """The data the rounds run on (float64): X's leading principal components, or X."""
        if fitting:
            reduce = self.n_components is not None and self.n_components < min(X.shape)
            self.pca_ = (PCA(self.n_components, random_state=rng.randint(np.iinfo(np.int32).max)).fit(X)
                         if reduce else None)
        Z = X if self.pca_ is None else self.pca_.transform(X)
        return np.asarray(Z, dtype=np.float64)
