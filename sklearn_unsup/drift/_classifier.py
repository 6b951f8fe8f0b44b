"""Classifier two-sample test: can a classifier tell the reference from the batch, out of fold?"""

import numpy as np
from scipy.stats import binomtest, ks_2samp, mannwhitneyu
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import check_random_state

from ..utils._sklearn_compat import HasMethods, Integral, Interval, StrOptions
from ._base import BaseDriftDetector, DriftResult

__all__ = ["ClassifierDriftDetector"]


def _default_estimator(random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=random_state)


def two_sample_p_value(statistic, y, proba):
    """``(statistic value, p-value)`` of out-of-fold P(batch | row) for reference (y=0) and batch (y=1) rows."""
    p_ref, p_new = proba[y == 0], proba[y == 1]
    if statistic == "auc":  # Mann-Whitney: U / (n m) is the AUC; one-sided, batch rows score higher
        test = mannwhitneyu(p_new, p_ref, alternative="greater")
        return test.statistic / (p_ref.size * p_new.size), test.pvalue
    if statistic == "ks":  # alibi-detect's default: the reference's CDF lies above the batch's
        test = ks_2samp(p_ref, p_new, alternative="greater")
        return test.statistic, test.pvalue
    # accuracy of the 0.5 cut against the majority-class rate (alibi-detect's binarize_preds=True)
    n_correct = int(np.sum((proba > 0.5) == (y == 1)))
    baseline = max(p_ref.size, p_new.size) / y.size
    return n_correct / y.size, binomtest(n_correct, y.size, baseline, alternative="greater").pvalue


class ClassifierDriftDetector(BaseDriftDetector):
    """Drift detection by a classifier two-sample test with out-of-fold probabilities.

    ``test(X)`` labels the reference rows 0 and the batch rows 1, fits a
    classifier on ``n_folds - 1`` stratified folds and predicts the held-out
    fold, so that every row gets an out-of-fold probability of belonging to
    the batch (alibi-detect's ``ClassifierDrift`` with ``n_folds``; Lopez-Paz
    and Oquab). With no drift the classifier cannot do better than chance on
    held-out rows. The statistic:

    - ``"auc"``: the AUC of the out-of-fold probabilities, with the one-sided
      Mann–Whitney p-value (batch rows score higher);
    - ``"ks"``: alibi-detect's default, the one-sided Kolmogorov–Smirnov test
      between the probabilities of the two groups;
    - ``"accuracy"``: accuracy of the 0.5 cut, with a one-sided binomial test
      against the majority-class rate (alibi-detect's ``binarize_preds``).

    The default classifier is scikit-learn's
    :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (alibi-detect
    requires the user to pass one): it needs no feature scaling, mixes
    feature types, and is non-linear, so it also sees a change of spread or
    of dependence between features, which a linear classifier cannot
    separate. For wide embeddings, reduce first (``preprocessor=PCA(...)``).

    Parameters
    ----------
    estimator : classifier with predict_proba, or None, default=None
        Cloned for each fold; None uses
        ``HistGradientBoostingClassifier(random_state=...)``.
    statistic : {"auc", "ks", "accuracy"}, default="auc"
        The statistic computed from the out-of-fold probabilities (above).
    n_folds : int, default=5
        Stratified folds; each sample needs at least this many rows.
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
    n_jobs : int or None, default=None
        Folds fitted in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Seeds the fold assignment, the default classifier and the
        preprocessor's share of the reference; an int gives the same result
        for the same batch. A given ``estimator`` keeps its own
        ``random_state``.

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
    KSDriftDetector : Per-feature Kolmogorov–Smirnov tests, corrected.

    References
    ----------
    .. [1] D. Lopez-Paz and M. Oquab, "Revisiting classifier two-sample
       tests", ICLR 2017.
    .. [2] alibi-detect, ``alibi_detect.cd.ClassifierDrift`` (Seldon).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_unsup.drift import ClassifierDriftDetector
    >>> rng = np.random.RandomState(0)
    >>> detector = ClassifierDriftDetector(LogisticRegression(), random_state=0)
    >>> detector = detector.fit(rng.normal(size=(300, 5)))
    >>> bool(detector.test(rng.normal(size=(300, 5))).drift)
    False
    >>> result = detector.test(rng.normal(size=(300, 5)) + 0.5)
    >>> bool(result.drift), bool(result.statistic > 0.7)
    (True, True)
    """

    _parameter_constraints: dict = {
        **BaseDriftDetector._parameter_constraints,
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "statistic": [StrOptions({"auc", "ks", "accuracy"})],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, estimator=None, *, statistic="auc", n_folds=5, alpha=0.05, preprocessor=None,
                 preprocessor_fit_size=0.5, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.statistic = statistic
        self.n_folds = n_folds
        self.alpha = alpha
        self.preprocessor = preprocessor
        self.preprocessor_fit_size = preprocessor_fit_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    @property
    def _min_samples(self):
        return max(2, self.n_folds)

    def _fit_reference(self, Z, rng):
        self.reference_ = Z

    def _test(self, Y):
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        estimator = _default_estimator(seed) if self.estimator is None else clone(self.estimator)
        pooled = np.vstack([self.reference_, Y])
        y = np.r_[np.zeros(self.reference_.shape[0], dtype=int), np.ones(Y.shape[0], dtype=int)]
        folds = StratifiedKFold(self.n_folds, shuffle=True, random_state=seed)
        proba = cross_val_predict(estimator, pooled, y, cv=folds, method="predict_proba", n_jobs=self.n_jobs)[:, 1]
        statistic, p_value = two_sample_p_value(self.statistic, y, proba)
        return DriftResult(drift=bool(p_value <= self.alpha), statistic=float(statistic), p_value=float(p_value),
                           alpha=self.alpha)
