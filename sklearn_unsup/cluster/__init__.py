"""Clustering: deep clusterers (SCAN, DEC/IDEC, DeepCluster/ODC, SwAV, SeLa), balanced k-means, self-organising maps."""

from ._balanced_kmeans import BalancedKMeans
from ._dec import DEC
from ._deep_cluster import DeepCluster
from ._scan import SCAN
from ._sela import SeLa
from ._som import SelfOrganizingMap
from ._swav import SwAV
from ._umap_pipeline import make_umap_pipeline

__all__ = ["BalancedKMeans", "DEC", "DeepCluster", "SCAN", "SeLa", "SelfOrganizingMap", "SwAV", "make_umap_pipeline"]
