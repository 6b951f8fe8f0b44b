"""Choosing an outlier detector without labels, among a list of candidates."""

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch, check_array

from ..metrics._consensus import _spearman, consensus_ranks
from ..metrics._mass_volume import _normality, make_outlier_curve_scorer
from ..utils._sklearn_compat import StrOptions, validate_params

__all__ = ["select_outlier_detector"]


def _named(detectors):
    named = []
    for i, item in enumerate(detectors):
        name, detector = item if isinstance(item, tuple) else (f"{type(item).__name__}_{i}", item)
        named.append((str(name), detector))
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"Detector names must be unique; got {names}.")
    if len(named) < 2:
        raise ValueError(f"select_outlier_detector needs at least 2 candidates; got {len(named)}.")
    return named


@validate_params(
    {
        "detectors": [list],
        "X": ["array-like"],
        "criterion": [StrOptions({"excess_mass", "mass_volume", "consensus"})],
        "scorer_params": [dict, None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def select_outlier_detector(detectors, X, *, criterion="mass_volume", scorer_params=None, random_state=0):
    """Rank candidate outlier detectors on unlabelled X by a label-free criterion; refit the best on X.

    - ``"excess_mass"`` / ``"mass_volume"``: the areas under Goix's Excess-Mass
      and Mass-Volume curves (see :func:`~sklearn_unsup.metrics.make_outlier_curve_scorer`;
      ``scorer_params`` go there), every candidate meeting the same random
      subspaces and uniform samples.
    - ``"consensus"``: each candidate, fitted on X, is scored by the Spearman
      correlation of its ranking of X with the mean rank of the *other*
      candidates (a model-centrality criterion, Ma et al. 2023).

    Read the result as a hint. On the 20 shared ADBench sets none of these
    picks beats IsolationForest with its defaults on most sets
    (``benchmarks/results/anomaly.md``), as Ma et al. (2023) report for
    internal criteria in general.

    Parameters
    ----------
    detectors : list of estimators or of (name, estimator) pairs
        Unfitted outlier detectors that score new rows (``score_samples`` or
        ``decision_function``, higher = more normal; LocalOutlierFactor needs
        ``novelty=True``).
    X : array-like of shape (n_samples, n_features)
        Unlabelled data.
    criterion : {"mass_volume", "excess_mass", "consensus"}, default="mass_volume"
        The label-free criterion. Mass-Volume is the default: on Gaussian data
        it ranks the true density above an inverted one by a wide margin,
        where the Excess-Mass area (integrated only down to EM = 0.9, as
        the authors do) differs by about 10 %.
    scorer_params : dict or None, default=None
        Keyword arguments of ``make_outlier_curve_scorer`` (curve criteria).
    random_state : int, RandomState instance or None, default=0
        Seeds the curve scorer's subspaces and uniform samples.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``scores`` (dict name -> criterion value, higher = better), ``ranking``
        (names, best first), ``best_name`` and ``best_estimator`` (a clone of
        the best candidate fitted on X).

    See Also
    --------
    sklearn_unsup.metrics.make_outlier_curve_scorer : The EM/MV scorer, also usable in GridSearchCV.
    sklearn_unsup.metrics.make_consensus_scorer : Consensus with fixed references, for GridSearchCV.

    References
    ----------
    .. [1] N. Goix, "How to Evaluate the Quality of Unsupervised Anomaly
       Detection Algorithms?", ICML Anomaly Detection Workshop, 2016.
    .. [2] M. Q. Ma, Y. Zhao, X. Zhang and L. Akoglu, "The Need for
       Unsupervised Outlier Model Selection: A Review and Evaluation of
       Internal Evaluation Strategies", ACM SIGKDD Explorations 25(1), 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn.covariance import EllipticEnvelope
    >>> from sklearn_unsup.model_selection import select_outlier_detector
    >>> X = np.random.RandomState(0).normal(size=(2000, 2))
    >>> result = select_outlier_detector(
    ...     [("forest", IsolationForest(random_state=0)), ("gaussian", EllipticEnvelope(random_state=0))],
    ...     X, scorer_params={"n_uniform": 5000})
    >>> result.ranking
    ['gaussian', 'forest']
    """
    named = _named(detectors)
    X = check_array(X, dtype=np.float64)
    params = dict(scorer_params or {})
    params.setdefault("random_state", random_state)
    scorer = make_outlier_curve_scorer(criterion, **params) if criterion != "consensus" else None
    # in more than n_features dimensions the curve scorer refits clones on subspaces: no full fit needed
    fit_all = scorer is None or X.shape[1] <= scorer.n_features
    fitted = {name: clone(detector).fit(X) if fit_all else detector for name, detector in named}
    if scorer is None:
        columns = np.column_stack([_normality(model, X) for model in fitted.values()])
        scores = {}
        for j, name in enumerate(fitted):
            others = np.delete(columns, j, axis=1)
            scores[name] = _spearman(columns[:, j], consensus_ranks(others))
    else:
        scores = {name: float(scorer(model, X)) for name, model in fitted.items()}
    ranking = sorted(scores, key=lambda name: -scores[name])
    best = fitted[ranking[0]] if fit_all else clone(fitted[ranking[0]]).fit(X)
    return Bunch(scores=scores, ranking=ranking, best_name=ranking[0], best_estimator=best)
