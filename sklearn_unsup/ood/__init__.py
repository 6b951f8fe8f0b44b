"""Out-of-distribution detectors fitted on in-distribution features (scikit-learn's outlier conventions)."""

from ._energy import EnergyDetector
from ._invariants import InvariantsDetector
from ._knn import KNNDetector
from ._mahalanobis import MahalanobisDetector
from ._max_logit import MaxLogitDetector
from ._msp import MSPDetector
from ._score_matching import ScoreMatchingDetector
from ._vim import ViMDetector

__all__ = [
    "EnergyDetector",
    "InvariantsDetector",
    "KNNDetector",
    "MahalanobisDetector",
    "MaxLogitDetector",
    "MSPDetector",
    "ScoreMatchingDetector",
    "ViMDetector",
]
