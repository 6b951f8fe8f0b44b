"""Clustering: balanced k-means, self-organising maps (and, as they land, deep clustering)."""

from ._balanced_kmeans import BalancedKMeans
from ._dec import DEC
from ._deep_cluster import DeepCluster
from ._scan import SCAN
from ._sela import SeLa
from ._som import SelfOrganizingMap
from ._swav import SwAV

__all__ = ["BalancedKMeans", "DEC", "DeepCluster", "SCAN", "SeLa", "SelfOrganizingMap", "SwAV"]
