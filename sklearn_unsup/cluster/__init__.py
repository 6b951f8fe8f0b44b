"""Clustering: balanced k-means, self-organising maps (and, as they land, deep clustering)."""

from ._balanced_kmeans import BalancedKMeans
from ._som import SelfOrganizingMap

__all__ = ["BalancedKMeans", "SelfOrganizingMap"]
