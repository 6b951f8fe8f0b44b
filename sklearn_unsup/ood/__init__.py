"""Out-of-distribution scorers fitted on in-distribution features (scikit-learn's outlier conventions)."""

from ._energy import EnergyScorer
from ._invariants import InvariantsScorer
from ._knn import KNNScorer
from ._mahalanobis import MahalanobisScorer
from ._max_logit import MaxLogitScorer
from ._msp import MSPScorer
from ._score_matching import ScoreMatchingScorer
from ._vim import ViMScorer

__all__ = [
    "EnergyScorer",
    "InvariantsScorer",
    "KNNScorer",
    "MahalanobisScorer",
    "MaxLogitScorer",
    "MSPScorer",
    "ScoreMatchingScorer",
    "ViMScorer",
]
