"""Per-feature two-sample Kolmogorov–Smirnov tests with a multiple-testing correction."""

import numpy as np
from scipy.stats import ks_2samp

from ..utils._sklearn_compat import StrOptions
from ._base import BaseDriftDetector, DriftResult

__all__ = ["KSDriftDetector"]


def benjamini_hochberg(p_values):
    """Benjamini–Hochberg adjusted p-values (``scipy.stats.false_discovery_control``, scipy >= 1.11)."""
    order = np.argsort(p_values)
    ranked = p_values[order] * p_values.size / np.arange(1, p_values.size + 1)
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return adjusted


class KSDriftDetector(BaseDriftDetector):
    """Drift detection feature by feature: two-sample Kolmogorov–Smirnov tests, corrected for their number.

    ``test(X)`` runs :func:`scipy.stats.ks_2samp` (two-sided) between the
    reference and X on every feature, then corrects the ``d`` p-values as
    alibi-detect's ``KSDrift`` does: ``"bonferroni"`` flags drift when a
    p-value is at most ``alpha / d`` (overall p-value ``min(1, d * min p)``);
    ``"fdr"`` applies Benjamini–Hochberg at level ``alpha`` (overall p-value:
    the smallest adjusted p-value). The per-feature p-values say which
    features moved. Bonferroni is conservative when features are correlated
    (embeddings): decorrelate them first (``preprocessor=PCA(...)``) to test
    near level ``alpha``. The test sees marginals only: a change in the
    dependence between features with unchanged marginals is invisible to it.

    Parameters
    ----------
    correction : {"bonferroni", "fdr"}, default="bonferroni"
        The multiple-testing correction over features.
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
        Seeds the preprocessor's share of the reference (the test itself is
        deterministic).

    Attributes
    ----------
    reference_ : ndarray of shape (n_reference, n_features_reduced)
        The reference rows as compared (preprocessed); with a preprocessor that is
        not frozen, the rows it was not fitted on.
    preprocessor_ : estimator or None
        The fitted preprocessor (a clone).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    MMDDriftDetector : Multivariate kernel two-sample test.
    ClassifierDriftDetector : Classifier two-sample test.

    References
    ----------
    .. [1] S. Rabanser, S. Günnemann and Z. Lipton, "Failing loudly: an
       empirical study of methods for detecting dataset shift", NeurIPS 2019.
    .. [2] Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate:
       a practical and powerful approach to multiple testing", JRSS B 57, 1995.
    .. [3] alibi-detect, ``alibi_detect.cd.KSDrift`` (Seldon).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.drift import KSDriftDetector
    >>> rng = np.random.RandomState(0)
    >>> detector = KSDriftDetector().fit(rng.normal(size=(300, 4)))
    >>> X_new = rng.normal(size=(300, 4))
    >>> X_new[:, 2] *= 2.0  # one feature's scale changes
    >>> result = detector.test(X_new)
    >>> bool(result.drift), result.drifted_features.tolist()
    (True, [False, False, True, False])
    """

    _parameter_constraints: dict = {
        **BaseDriftDetector._parameter_constraints,
        "correction": [StrOptions({"bonferroni", "fdr"})],
    }

    def __init__(self, *, correction="bonferroni", alpha=0.05, preprocessor=None, preprocessor_fit_size=0.5,
                 random_state=None):
        self.correction = correction
        self.alpha = alpha
        self.preprocessor = preprocessor
        self.preprocessor_fit_size = preprocessor_fit_size
        self.random_state = random_state

    def _fit_reference(self, Z, rng):
        self.reference_ = Z

    def _test(self, Y):
        tests = [ks_2samp(self.reference_[:, j], Y[:, j]) for j in range(Y.shape[1])]
        stats = np.array([t.statistic for t in tests], dtype=float)
        p_values = np.array([t.pvalue for t in tests], dtype=float)
        adjusted = (np.minimum(1.0, p_values.size * p_values) if self.correction == "bonferroni"
                    else benjamini_hochberg(p_values))
        p_value = float(adjusted.min())
        return DriftResult(
            drift=bool(p_value <= self.alpha), statistic=float(stats.max()), p_value=p_value, alpha=self.alpha,
            statistics=stats, p_values=p_values, drifted_features=adjusted <= self.alpha,
        )
