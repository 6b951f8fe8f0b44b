"""Combine several outlier detectors' standardised scores (mean, max, rank, AOM, MOA)."""

import numpy as np
from joblib import Parallel, delayed
from scipy.special import ndtri
from sklearn.base import MetaEstimatorMixin
from sklearn.utils import Bunch, check_random_state

from ..base import BaseEstimator, OutlierDetectorMixin
from ..utils._composition import NamedMembersMixin
from ..utils._sklearn_compat import Integral, Interval, StrOptions, _fit_context, check_is_fitted, validate_data

__all__ = ["EnsembleOutlierDetector"]

COMBINATIONS = ("mean", "max", "rank", "aom", "moa")


def default_detectors(random_state=None):
    """The members used when ``detectors=None``: isolation forest, k-NN distance and LOF on standardised X."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..ood import KNNDetector

    return [
        ("isolation_forest", IsolationForest(random_state=random_state)),
        ("knn", make_pipeline(StandardScaler(), KNNDetector(n_neighbors=5, normalize=False))),
        ("lof", make_pipeline(StandardScaler(), LocalOutlierFactor(n_neighbors=20, novelty=True))),
    ]


def _fit_member(detector, X, y):
    detector = detector.fit(X) if y is None else detector.fit(X, y)
    if not hasattr(detector, "score_samples"):
        raise TypeError(
            f"Every detector must have score_samples (higher = more normal) once fitted; {detector!r} has none. "
            "For LocalOutlierFactor, use novelty=True."
        )
    return detector, np.asarray(detector.score_samples(X), dtype=np.float64)


class EnsembleOutlierDetector(MetaEstimatorMixin, OutlierDetectorMixin, NamedMembersMixin, BaseEstimator):
    """Outlier detection by combining several detectors' standardised scores.

    Each detector is cloned and fitted on X; its training scores give a
    location and scale (mean and standard deviation) or, for ``"rank"``, the
    sorted training scores. A row's score from each detector is standardised
    with those training statistics — never with the other rows of the call —
    so a row's combined score depends on that row only. The standardised
    scores (higher = more normal) are then combined:

    - ``"mean"``: their mean (PyOD's ``average`` of z-scores);
    - ``"max"``: the most abnormal one (the minimum of the normality z-scores,
      PyOD's ``maximization``);
    - ``"rank"``: a rank average that ignores the shape of each detector's
      scores: each detector's empirical CDF of its training scores at the
      row's score, as a standard normal quantile, averaged;
    - ``"aom"``: Average of Maximum — detectors split at random into
      ``n_buckets`` groups, the most abnormal z-score in each group, averaged;
    - ``"moa"``: Maximum of Average — the most abnormal of the groups' means.

    Members may be any scikit-learn outlier detector with ``score_samples``
    (higher = more normal): ours, :class:`~sklearn.ensemble.IsolationForest`,
    ``LocalOutlierFactor(novelty=True)``, pipelines ending in one.

    Parameters
    ----------
    detectors : list of (str, estimator) or None, default=None
        The members, as named ``(name, detector)`` pairs (like
        :class:`~sklearn.ensemble.VotingClassifier`'s ``estimators``), cloned
        in ``fit``. ``None``: an isolation forest, the distance to the 5th
        nearest neighbour and LOF (20 neighbours), the last two on
        standardised features — cheap members whose failures differ.
    combination : {"mean", "max", "rank", "aom", "moa"}, default="mean"
        How the standardised scores are combined (see above).
    n_buckets : int, default=2
        Number of groups for ``"aom"`` and ``"moa"`` (at most the number of
        detectors).
    n_jobs : int, default=None
        Detectors fitted and scored in parallel (joblib); ``None`` means 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the default members and the ``"aom"``/``"moa"`` grouping.
    contamination : {"auto", "zscore", "clf", "mixmod", "filter"} or float in (0, 0.5], \
            default="auto"
        Sets ``offset_`` from the combined training scores: a float flags that share of
        the training rows; "auto" flags rows below Tukey's lower fence, "zscore"
        rows more than one standard deviation below the mean score, "clf"
        follows PyThresh's pre-fitted rule on the normalised scores, "mixmod"
        cuts where two-component mixtures fitted to the scores cross, "filter"
        at the peak of the smoothed scores (see the outlier user guide).

    Attributes
    ----------
    detectors_ : list of estimators
        The fitted clones, in the order of ``detectors``.
    named_detectors_ : :class:`~sklearn.utils.Bunch`
        The fitted clones by name.
    score_location_ : ndarray of shape (n_detectors,)
        Mean of each detector's training scores.
    score_scale_ : ndarray of shape (n_detectors,)
        Their standard deviation (1 where the scores are constant).
    buckets_ : ndarray of shape (n_detectors,) of int
        Group of each detector for ``"aom"`` and ``"moa"``.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    RejectionOutlierDetector : Abstain where a detector's prediction is not confident.
    sklearn.ensemble.IsolationForest : One of the default members.

    References
    ----------
    .. [1] C. C. Aggarwal and S. Sathe, "Theoretical foundations and algorithms
       for outlier ensembles", ACM SIGKDD Explorations 17(1), 2015 (AOM, MOA).
    .. [2] Y. Zhao, Z. Nasrullah and Z. Li, "PyOD: A Python toolbox for scalable
       outlier detection", JMLR 20(96), 2019 (z-score combination).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.outlier import EnsembleOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(300, 2)), [[6.0, 6.0], [-7.0, 5.0]]]
    >>> det = EnsembleOutlierDetector(random_state=0).fit(X)
    >>> det.predict(X[-2:]).tolist()
    [-1, -1]
    """

    _parameter_constraints: dict = {
        "detectors": [list, None],
        "combination": [StrOptions(set(COMBINATIONS))],
        "n_buckets": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        **OutlierDetectorMixin._parameter_constraints,
    }

    _members_param = "detectors"
    _member_kind = "detector"

    def __init__(self, detectors=None, *, combination="mean", n_buckets=2, n_jobs=None, random_state=None,
                 contamination="auto"):
        self.detectors = detectors
        self.combination = combination
        self.n_buckets = n_buckets
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.contamination = contamination

    def _members(self, random_state):
        if self.detectors is None:
            return default_detectors(random_state.randint(np.iinfo(np.int32).max))
        return self._clone_members()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit every detector on X and keep its training-score statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or None
            Passed on to the detectors' ``fit`` (those that read class labels).

        Returns
        -------
        self : EnsembleOutlierDetector
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        rng = check_random_state(self.random_state)
        members = self._members(rng)
        if self.combination in ("aom", "moa") and self.n_buckets > len(members):
            raise ValueError(f"n_buckets={self.n_buckets} exceeds the number of detectors ({len(members)}).")
        fitted = Parallel(n_jobs=self.n_jobs)(delayed(_fit_member)(member, X, y) for _, member in members)
        self.detectors_ = [detector for detector, _ in fitted]
        self._names = [name for name, _ in members]
        train = np.column_stack([scores for _, scores in fitted])
        if not np.all(np.isfinite(train)):
            bad = [name for (name, _), col in zip(members, train.T) if not np.all(np.isfinite(col))]
            raise ValueError(f"Detector(s) {bad} gave non-finite training scores; they cannot be standardised.")
        self.score_location_ = train.mean(axis=0)
        scale = train.std(axis=0)
        self.score_scale_ = np.where(scale > 0, scale, 1.0)
        self._train_sorted = np.sort(train, axis=0)
        # each group gets at least one detector: a random permutation dealt round-robin
        self.buckets_ = np.empty(len(members), dtype=np.intp)
        self.buckets_[rng.permutation(len(members))] = np.arange(len(members)) % min(self.n_buckets, len(members))
        return self._set_offset(self._combine(train))

    @property
    def named_detectors_(self):
        """:class:`~sklearn.utils.Bunch` of the fitted detectors by name."""
        check_is_fitted(self)
        return Bunch(**dict(zip(self._names, self.detectors_)))

    def _combine(self, scores):
        if self.combination == "rank":
            # each member's empirical CDF of its training scores at the row's score (mid-rank),
            # as a standard normal quantile: a rank average on the z scale, so the fence of
            # contamination="auto" works as on the other combinations
            n = self._train_sorted.shape[0]
            ranks = [np.searchsorted(self._train_sorted[:, j], scores[:, j], side="left")
                     + np.searchsorted(self._train_sorted[:, j], scores[:, j], side="right")
                     for j in range(scores.shape[1])]
            return ndtri((np.asarray(ranks, dtype=np.float64) / 2.0 + 0.5) / (n + 1.0)).mean(axis=0)
        z = (scores - self.score_location_) / self.score_scale_
        if self.combination == "mean":
            return z.mean(axis=1)
        if self.combination == "max":
            return z.min(axis=1)  # the most abnormal member
        groups = [z[:, self.buckets_ == b] for b in np.unique(self.buckets_)]
        if self.combination == "aom":
            return np.mean([g.min(axis=1) for g in groups], axis=0)
        return np.min([g.mean(axis=1) for g in groups], axis=0)  # moa

    def member_scores(self, X):
        """Each detector's standardised score (z-score against its training scores; higher = more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_detectors)
        """
        return (self._raw_scores(X) - self.score_location_) / self.score_scale_

    def _raw_scores(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        columns = Parallel(n_jobs=self.n_jobs)(delayed(det.score_samples)(X) for det in self.detectors_)
        return np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])

    def score_samples(self, X):
        """Combined normality score (higher = more normal); a row's score depends on that row only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self._combine(self._raw_scores(X))
