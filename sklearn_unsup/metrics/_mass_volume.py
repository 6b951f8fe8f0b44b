"""Label-free quality of an outlier detector: the Excess-Mass and Mass-Volume curves of its score."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = [
    "OutlierCurveScorer",
    "excess_mass_auc",
    "excess_mass_scorer",
    "make_outlier_curve_scorer",
    "mass_volume_auc",
    "mass_volume_scorer",
]


def _normality(estimator, X):
    """The detector's score of X, higher = more normal (scikit-learn's sign)."""
    if hasattr(estimator, "score_samples"):
        scores = estimator.score_samples(X)
    elif hasattr(estimator, "decision_function"):
        scores = estimator.decision_function(X)
    else:
        raise TypeError(
            f"{type(estimator).__name__} has neither score_samples nor decision_function: the Excess-Mass and "
            "Mass-Volume curves need a score of new rows (for LocalOutlierFactor, set novelty=True)."
        )
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{type(estimator).__name__} returned non-finite scores; the curves need finite ones.")
    return scores


def _levels(score_X, max_levels=1000):
    """Candidate thresholds u: the unique scores of the rows (at most max_levels of their quantiles)."""
    levels = np.unique(score_X)
    if len(levels) > max_levels:
        levels = np.unique(np.quantile(score_X, np.linspace(0.0, 1.0, max_levels)))
    return levels


def _upper_mass(scores, levels):
    """P(score >= u) for each u of levels, for an empirical sample of scores."""
    return 1.0 - np.searchsorted(np.sort(scores), levels, side="left") / len(scores)


def excess_mass_auc(score_X, score_uniform, volume, *, t_max=0.9, n_points=1000):
    """Area under the Excess-Mass curve of a scoring function, from its scores on the data and on uniform samples.

    ``EM(t) = max_u P_n(s >= u) - t * Leb(s >= u)``: the mass the level sets
    of the score capture beyond ``t`` times their volume, volumes estimated by
    uniform samples of the data's box. ``EM(0) = 1`` and the curve falls with
    ``t``; it is integrated from 0 to the first ``t`` where it drops to
    ``t_max``. Higher is better: a score whose level sets hold much mass in
    little volume.

    Parameters
    ----------
    score_X : ndarray of shape (n_samples,)
        Scores of the data rows, higher = more normal.
    score_uniform : ndarray of shape (n_uniform,)
        Scores of points drawn uniformly in the box ``volume`` measures.
    volume : float
        Lebesgue measure of that box.
    t_max : float, default=0.9
        EM level where the integration stops.
    n_points : int, default=1000
        Points of the trapezoid rule on ``[0, t_end]``.

    Returns
    -------
    auc : float
    """
    levels = _levels(score_X)
    # lines EM_u(t) = mass_u - t * leb_u; the whole box (mass 1) and the empty set (mass 0) are level sets too
    mass = np.r_[1.0, _upper_mass(score_X, levels), 0.0]
    leb = np.r_[volume, volume * _upper_mass(score_uniform, levels), 0.0]

    def em(t):
        return np.max(mass[None, :] - np.asarray(t, dtype=np.float64).reshape(-1, 1) * leb[None, :], axis=1)

    # EM(t) is convex and decreasing from 1: bracket and bisect the first t with EM(t) <= t_max
    hi = 1.0 / volume
    for _ in range(64):  # a level set with mass > t_max and no uniform sample in it keeps EM above t_max
        if em(hi)[0] <= t_max:
            break
        hi *= 2.0
    lo = 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if em(mid)[0] > t_max else (lo, mid)
    t = np.linspace(0.0, hi, n_points)
    return float(np.trapezoid(em(t), t))


def mass_volume_auc(score_X, score_uniform, volume, *, alpha_min=0.9, alpha_max=0.999, n_points=100):
    """Area under the Mass-Volume curve: the volume of the score's level sets holding mass alpha, alpha in a range.

    ``MV(alpha) = Leb(s >= u_alpha)`` with ``u_alpha`` the level where the
    empirical mass of ``{s >= u}`` reaches ``alpha``; volumes estimated by
    uniform samples of the data's box. Lower is better: a score that packs
    the given mass into little volume.

    Parameters
    ----------
    score_X : ndarray of shape (n_samples,)
        Scores of the data rows, higher = more normal.
    score_uniform : ndarray of shape (n_uniform,)
        Scores of points drawn uniformly in the box ``volume`` measures.
    volume : float
        Lebesgue measure of that box.
    alpha_min, alpha_max : float, default=0.9, 0.999
        The range of masses.
    n_points : int, default=100
        Masses of the trapezoid rule.

    Returns
    -------
    auc : float
    """
    alpha = np.linspace(alpha_min, alpha_max, n_points)
    ordered = np.sort(score_X)[::-1]
    # the smallest count whose top scores hold mass >= alpha, and the level u_alpha it ends on
    counts = np.minimum(np.ceil(alpha * len(ordered) - 1e-9).astype(np.intp), len(ordered))
    u = ordered[counts - 1]
    mv = volume * _upper_mass(score_uniform, u)
    return float(np.trapezoid(mv, alpha))


_CRITERIA = {"excess_mass": 1.0, "mass_volume": -1.0}


class OutlierCurveScorer:
    """A scorer ``scorer(estimator, X, y=None) -> float`` (higher is better) from the EM or MV curve.

    Built by :func:`make_outlier_curve_scorer`; :data:`excess_mass_scorer` and
    :data:`mass_volume_scorer` are instances with the default settings. The
    Mass-Volume area is negated, so that higher is better for both.

    Parameters
    ----------
    criterion : {"excess_mass", "mass_volume"}
        The curve.
    n_features : int
        Feature-subspace size; data with more features are scored on random
        subspaces (see :func:`make_outlier_curve_scorer`).
    n_draws : int
        Number of random subspaces averaged.
    n_uniform : int
        Uniform samples per volume estimate.
    max_samples : int or None
        Rows used at most (a random subset), None for all.
    random_state : int
        Seeds the subspaces, the uniform samples and the row subsets: every
        estimator scored by one scorer sees the same ones.
    """

    def __init__(self, criterion, n_features=3, n_draws=20, n_uniform=10_000, max_samples=4096, random_state=0):
        self.criterion = criterion
        self.n_features = n_features
        self.n_draws = n_draws
        self.n_uniform = n_uniform
        self.max_samples = max_samples
        self.random_state = random_state

    def _auc(self, score_X, score_uniform, volume):
        if self.criterion == "excess_mass":
            return excess_mass_auc(score_X, score_uniform, volume)
        return mass_volume_auc(score_X, score_uniform, volume)

    def _uniform(self, rng, X):
        low, high = X.min(axis=0), X.max(axis=0)
        width = np.where(high > low, high - low, 1.0)  # a constant feature spans a unit interval
        high = low + width
        return rng.uniform(low, high, size=(self.n_uniform, X.shape[1])), float(np.prod(width))

    def __call__(self, estimator, X, y=None):
        X = check_array(X, dtype=np.float64)
        rng = check_random_state(self.random_state)
        if self.max_samples is not None and X.shape[0] > self.max_samples:
            X = X[np.sort(rng.choice(X.shape[0], self.max_samples, replace=False))]
        sign = _CRITERIA[self.criterion]
        if X.shape[1] <= self.n_features:
            uniform, volume = self._uniform(rng, X)
            return sign * self._auc(_normality(estimator, X), _normality(estimator, uniform), volume)
        # Goix (2016): in high dimension, fit clones on random feature subspaces of one half of the rows and
        # evaluate the curve on the other half; average over subspaces
        order = rng.permutation(X.shape[0])
        fit_rows, eval_rows = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
        total = 0.0
        for _ in range(self.n_draws):
            features = np.sort(rng.choice(X.shape[1], self.n_features, replace=False))
            X_fit, X_eval = X[np.ix_(fit_rows, features)], X[np.ix_(eval_rows, features)]
            uniform, volume = self._uniform(rng, X_eval)
            model = clone(estimator).fit(X_fit)
            total += self._auc(_normality(model, X_eval), _normality(model, uniform), volume)
        return sign * total / self.n_draws

    def __repr__(self):
        return (f"make_outlier_curve_scorer({self.criterion!r}, n_features={self.n_features}, "
                f"n_draws={self.n_draws}, n_uniform={self.n_uniform}, max_samples={self.max_samples}, "
                f"random_state={self.random_state})")


@validate_params(
    {
        "criterion": [StrOptions(set(_CRITERIA))],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_draws": [Interval(Integral, 1, None, closed="left")],
        "n_uniform": [Interval(Integral, 100, None, closed="left")],
        "max_samples": [Interval(Integral, 10, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_outlier_curve_scorer(criterion="mass_volume", *, n_features=3, n_draws=20, n_uniform=10_000,
                              max_samples=4096, random_state=0):
    """Make a label-free scorer of outlier detectors from the Excess-Mass or Mass-Volume curve.

    The curves (Goix, 2016) judge a scoring function by its level sets: a good
    one gathers most of the data in little volume. Volumes are estimated with
    uniform samples of the data's bounding box, which only works in a few
    dimensions, hence the authors' recipe for more features: ``n_draws``
    random subspaces of ``n_features`` features, a clone of the detector
    fitted on one half of the rows in each, the curve measured on the other
    half, the areas averaged. In that case the scorer judges the detector's
    *settings* (its fitted state on all features is not used); with at most
    ``n_features`` features the fitted detector itself is scored on X.

    Use it as ``GridSearchCV(detector, grid, scoring=scorer)`` or through
    :func:`~sklearn_unsup.model_selection.select_outlier_detector`. Caveat,
    measured on the 20 shared ADBench sets (``benchmarks/results/anomaly.md``):
    label-free selection rarely beats IsolationForest with its defaults, as
    Ma et al. (2023) found; treat the pick as a hint, not a guarantee.

    Parameters
    ----------
    criterion : {"mass_volume", "excess_mass"}, default="mass_volume"
        Minus the area under the MV curve (masses 0.9 to 0.999), or the area
        under the EM curve (from EM = 1 down to EM = 0.9). The EM area, so
        truncated, separates detectors weakly (on 2-d Gaussian data: .0037
        for the true density vs .0033 for its inverse, where MV gives -1.97
        vs -2.86), hence MV by default.
    n_features : int, default=3
        Subspace size (the authors' high-dimensional benchmark uses 3).
    n_draws : int, default=20
        Subspaces averaged (the authors' benchmark: 20).
    n_uniform : int, default=10000
        Uniform samples per volume estimate (the authors use 100,000 or more;
        10,000 resolve volumes down to 1e-4 of the box).
    max_samples : int or None, default=4096
        Rows used at most, a random subset (None: all).
    random_state : int, RandomState instance or None, default=0
        Seeds subspaces, uniform samples and row subsets. An int makes every
        candidate of a search meet the same ones (comparable scores).

    Returns
    -------
    scorer : OutlierCurveScorer

    See Also
    --------
    sklearn_unsup.model_selection.select_outlier_detector : Pick among fitted candidates.

    References
    ----------
    .. [1] N. Goix, "How to Evaluate the Quality of Unsupervised Anomaly
       Detection Algorithms?", ICML Anomaly Detection Workshop, 2016.
       arXiv:1607.01152.
    .. [2] M. Q. Ma, Y. Zhao, X. Zhang and L. Akoglu, "The Need for
       Unsupervised Outlier Model Selection: A Review and Evaluation of
       Internal Evaluation Strategies", ACM SIGKDD Explorations 25(1), 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.metrics import make_outlier_curve_scorer
    >>> X = np.random.RandomState(0).normal(size=(300, 2))
    >>> scorer = make_outlier_curve_scorer(n_uniform=2000)
    >>> area = scorer(IsolationForest(random_state=0).fit(X), X)  # minus the MV area: higher is better
    >>> bool(area < 0)
    True
    """
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    return OutlierCurveScorer(criterion, n_features=n_features, n_draws=n_draws, n_uniform=n_uniform,
                              max_samples=max_samples, random_state=random_state)


excess_mass_scorer = OutlierCurveScorer("excess_mass")
mass_volume_scorer = OutlierCurveScorer("mass_volume")
