"""Label-free quality of an outlier detector: agreement of its ranking with a consensus of other detectors."""

import warnings

import numpy as np
from scipy.stats import ConstantInputWarning, rankdata, spearmanr
from sklearn.base import clone
from sklearn.utils import check_array

from ._mass_volume import _normality

__all__ = ["ConsensusScorer", "consensus_ranks", "make_consensus_scorer"]


def default_references(random_state=0):
    """IsolationForest, k-NN distance (k=5) and LOF, the last two on standardised X: detectors that fail differently."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..ood import KNNDetector

    return [
        IsolationForest(random_state=random_state),
        make_pipeline(StandardScaler(), KNNDetector(n_neighbors=5, normalize=False)),
        make_pipeline(StandardScaler(), LocalOutlierFactor(novelty=True)),
    ]


def consensus_ranks(score_columns):
    """Mean normalised rank (0 = most abnormal, 1 = most normal) of each row over the columns of scores."""
    score_columns = np.asarray(score_columns, dtype=np.float64)
    ranks = rankdata(score_columns, axis=0) / score_columns.shape[0]
    return ranks.mean(axis=1)


def _spearman(a, b):
    """Spearman's rank correlation; 0 where it is undefined (a constant score ranks nothing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantInputWarning)
        rho = spearmanr(a, b).statistic
    return float(rho) if np.isfinite(rho) else 0.0


class ConsensusScorer:
    """A scorer ``scorer(estimator, X, y=None) -> float``: Spearman correlation of its scores with a consensus.

    Built by :func:`make_consensus_scorer`. The reference detectors are
    cloned and fitted on the X being scored; the consensus is the mean rank
    of their scores; the fitted estimator's ``score_samples(X)`` is compared
    to it. Higher = closer to what several different detectors agree on.

    Parameters
    ----------
    references : list of estimators or None
        Unfitted outlier detectors with ``score_samples`` (higher = more
        normal); None: IsolationForest, k-NN distance (k=5) and LOF on
        standardised X.
    random_state : int
        Seeds the default references.
    """

    def __init__(self, references=None, random_state=0):
        self.references = references
        self.random_state = random_state

    def __call__(self, estimator, X, y=None):
        X = check_array(X, dtype=np.float64)
        references = default_references(self.random_state) if self.references is None else self.references
        columns = np.column_stack([_normality(clone(ref).fit(X), X) for ref in references])
        return _spearman(_normality(estimator, X), consensus_ranks(columns))

    def __repr__(self):
        return f"make_consensus_scorer(references={self.references!r}, random_state={self.random_state})"


def make_consensus_scorer(references=None, *, random_state=0):
    """Make a label-free scorer of outlier detectors: rank agreement with a consensus of reference detectors.

    Without labels, a detector whose ranking agrees with what several
    dissimilar detectors agree on is less likely to be wrong in its own
    idiosyncratic way: the "consensus"/"model centrality" family of internal
    criteria reviewed by Ma et al. (2023). The score is the Spearman
    correlation between the detector's ``score_samples(X)`` and the mean rank
    of the references' scores, the references cloned and fitted on X.

    It cannot rank a detector above the consensus it is measured against: it
    favours safe, middle-of-the-road detectors. Ma et al. found no internal
    criterion that reliably beats IsolationForest with its defaults; see
    ``benchmarks/results/anomaly.md`` for how often it does on the shared sets.
    Among a fixed list of candidates,
    :func:`~sklearn_unsup.model_selection.select_outlier_detector` with
    ``criterion="consensus"`` uses the candidates themselves as references.

    Parameters
    ----------
    references : list of estimators or None, default=None
        Unfitted detectors with ``score_samples`` or ``decision_function``
        (higher = more normal); None: IsolationForest, k-NN distance (k=5)
        and LocalOutlierFactor, the last two on standardised X.
    random_state : int, default=0
        Seeds the default references.

    Returns
    -------
    scorer : ConsensusScorer

    References
    ----------
    .. [1] M. Q. Ma, Y. Zhao, X. Zhang and L. Akoglu, "The Need for
       Unsupervised Outlier Model Selection: A Review and Evaluation of
       Internal Evaluation Strategies", ACM SIGKDD Explorations 25(1), 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.metrics import make_consensus_scorer
    >>> X = np.random.RandomState(0).normal(size=(200, 3))
    >>> scorer = make_consensus_scorer()
    >>> float(scorer(IsolationForest(random_state=0).fit(X), X)) > 0.5
    True
    """
    return ConsensusScorer(references=references, random_state=random_state)
