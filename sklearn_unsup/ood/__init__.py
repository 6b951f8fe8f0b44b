"""Out-of-distribution scorers fitted on in-distribution features (scikit-learn's outlier conventions)."""

from ._knn import KNNScorer
from ._mahalanobis import MahalanobisScorer

__all__ = ["KNNScorer", "MahalanobisScorer"]
