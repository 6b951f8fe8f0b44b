"""Maximum mean discrepancy two-sample test with a Gaussian kernel and a permutation p-value."""

import numpy as np
from sklearn.utils import check_random_state

from .._kernels._distances import pairwise_sq_euclidean
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ._base import BaseDriftDetector, DriftResult

__all__ = ["MMDDriftDetector"]


def median_bandwidth(X):
    """alibi-detect's median heuristic: ``sigma = sqrt(median(d²) / 2)`` over the distinct pairs of rows.

    The median is the lower one of the pairwise squared distances (the
    diagonal excluded). When more than half the pairs coincide (a median of
    0), the median of the positive distances is used, and 1 when every row is
    the same.
    """
    d2 = pairwise_sq_euclidean(X, X)[np.triu_indices(X.shape[0], k=1)]
    med = np.partition(d2, (d2.size - 1) // 2)[(d2.size - 1) // 2]
    if med <= 0:
        positive = d2[d2 > 0]
        med = np.partition(positive, (positive.size - 1) // 2)[(positive.size - 1) // 2] if positive.size else 2.0
    return float(np.sqrt(0.5 * med))


def mmd2_permutation_test(K, n, n_permutations, rng):
    """Unbiased MMD² of the first ``n`` rows of the pooled kernel matrix against the rest, and its permutations.

    ``K`` (N × N, zero diagonal) is computed once; each permutation is a
    membership vector, and all the permuted within/between sums come from one
    product ``K @ Z``.

    Returns
    -------
    mmd2 : float
    permuted : ndarray of shape (n_permutations,)
    """
    N = K.shape[0]
    m = N - n
    row_sums = K.sum(axis=1)
    total = row_sums.sum()

    def _mmd2(s_yy, s_xy):
        s_xx = total - 2.0 * s_xy - s_yy
        return s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2.0 * s_xy / (n * m)

    y_obs = np.zeros(N)
    y_obs[n:] = 1.0
    k_y = K @ y_obs
    mmd2 = _mmd2(y_obs @ k_y, row_sums @ y_obs - y_obs @ k_y)
    Z = np.zeros((N, n_permutations))
    for b in range(n_permutations):
        Z[rng.permutation(N)[:m], b] = 1.0
    KZ = K @ Z
    s_yy = np.einsum("ib,ib->b", Z, KZ)
    permuted = _mmd2(s_yy, row_sums @ Z - s_yy)
    return float(mmd2), permuted


def _subsample(X, max_samples, rng):
    if max_samples is None or X.shape[0] <= max_samples:
        return X
    return X[np.sort(rng.choice(X.shape[0], max_samples, replace=False))]


class MMDDriftDetector(BaseDriftDetector):
    """Drift detection by a kernel two-sample test: maximum mean discrepancy with a permutation p-value.

    ``fit`` stores the reference rows and sets the Gaussian kernel's
    bandwidth from them; ``test(X)`` computes the unbiased estimate of MMD²
    (Gretton et al.) between the reference and X, and its p-value from
    ``n_permutations`` random re-splits of the pooled rows:
    ``(1 + #{permuted >= observed}) / (1 + n_permutations)``, a valid
    permutation p-value (alibi-detect's ``MMDDrift`` uses the share of
    permutations at or above the observed value, without the ``+1``, which
    rejects slightly more often than ``alpha``). The kernel matrix of the
    pooled sample is computed once, ``(n_reference + n_test)²`` floats;
    ``max_samples`` caps each side by random subsampling.

    The kernel is ``k(x, y) = exp(-||x - y||² / (2 sigma²))`` with, by
    default, alibi-detect's median heuristic on the reference:
    ``sigma² = median(||x_i - x_j||²) / 2`` over distinct reference pairs.
    A ``preprocessor`` (PCA, or
    :class:`~sklearn_unsup.decomposition.AutoEncoder`) reduces the dimension
    first, the recipe of alibi-detect and Rabanser et al. for images; it
    costs the reference rows it is fitted on and may drop the directions
    that moved, so measure before adopting it.

    Parameters
    ----------
    n_permutations : int, default=100
        Random permutations of the pooled sample for the p-value.
    bandwidth : "median" or float, default="median"
        The kernel's ``sigma``: the median heuristic on the (preprocessed)
        reference, or a fixed positive value.
    max_samples : int or None, default=2000
        Each sample (the reference at fit, the batch at test) is subsampled to
        at most this many rows; the memory is ``8 (n_reference + n_test)²``
        bytes (128 MB at the default). None uses every row.
    alpha : float, default=0.05
        The level of the test: ``drift`` is ``p_value <= alpha``.
    preprocessor : estimator with fit and transform, or None, default=None
        Dimensionality reduction for embeddings (PCA, or
        :class:`~sklearn_unsup.decomposition.AutoEncoder`): a clone is fitted
        on a random ``preprocessor_fit_size`` share of the reference rows, and
        both samples are compared after its ``transform``. One already fitted
        on other data, wrapped in :class:`sklearn.frozen.FrozenEstimator`, is
        used as is.
    preprocessor_fit_size : float in (0, 1), default=0.5
        Share of the reference rows the preprocessor is fitted on; those rows
        are left out of the reference the test compares with (a preprocessor
        fitted on the rows it compares makes the test reject without drift).
        Unused without a preprocessor or with a frozen one.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations, the subsampling and the preprocessor's share
        of the reference; an int gives the same result for the same batch.

    Attributes
    ----------
    reference_ : ndarray of shape (n_reference, n_features_reduced)
        The reference rows as compared (preprocessed, subsampled); with a preprocessor
        that is not frozen, the rows it was not fitted on.
    bandwidth_ : float
        The kernel's ``sigma``.
    preprocessor_ : estimator or None
        The fitted preprocessor (a clone).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    KSDriftDetector : Per-feature Kolmogorov–Smirnov tests, corrected.
    ClassifierDriftDetector : Classifier two-sample test.

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schölkopf and A. Smola,
       "A kernel two-sample test", JMLR 13, 2012.
    .. [2] S. Rabanser, S. Günnemann and Z. Lipton, "Failing loudly: an
       empirical study of methods for detecting dataset shift", NeurIPS 2019.
    .. [3] alibi-detect, ``alibi_detect.cd.MMDDrift`` (Seldon).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.drift import MMDDriftDetector
    >>> rng = np.random.RandomState(0)
    >>> detector = MMDDriftDetector(random_state=0).fit(rng.normal(size=(200, 5)))
    >>> bool(detector.test(rng.normal(size=(200, 5))).drift)
    False
    >>> result = detector.test(rng.normal(size=(200, 5)) + 0.5)
    >>> bool(result.drift), float(result.p_value)
    (True, 0.0099...)
    """

    _parameter_constraints: dict = {
        **BaseDriftDetector._parameter_constraints,
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "bandwidth": [StrOptions({"median"}), Interval(Real, 0, None, closed="neither")],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
    }

    def __init__(self, n_permutations=100, *, bandwidth="median", max_samples=2000, alpha=0.05,
                 preprocessor=None, preprocessor_fit_size=0.5, random_state=None):
        self.n_permutations = n_permutations
        self.bandwidth = bandwidth
        self.max_samples = max_samples
        self.alpha = alpha
        self.preprocessor = preprocessor
        self.preprocessor_fit_size = preprocessor_fit_size
        self.random_state = random_state

    def _fit_reference(self, Z, rng):
        self.reference_ = _subsample(Z, self.max_samples, rng)
        self.bandwidth_ = median_bandwidth(self.reference_) if self.bandwidth == "median" else float(self.bandwidth)

    def _test(self, Y):
        rng = check_random_state(self.random_state)
        Y = _subsample(Y, self.max_samples, rng)
        pooled = np.vstack([self.reference_, Y])
        K = pairwise_sq_euclidean(pooled, pooled)
        K *= -1.0 / (2.0 * self.bandwidth_ ** 2)
        np.exp(K, out=K)
        np.fill_diagonal(K, 0.0)
        mmd2, permuted = mmd2_permutation_test(K, self.reference_.shape[0], self.n_permutations, rng)
        p_value = (1.0 + np.sum(permuted >= mmd2)) / (1.0 + self.n_permutations)
        return DriftResult(
            drift=bool(p_value <= self.alpha), statistic=mmd2, p_value=float(p_value), alpha=self.alpha,
            threshold=float(np.quantile(permuted, 1.0 - self.alpha)), n_permutations=self.n_permutations,
        )
