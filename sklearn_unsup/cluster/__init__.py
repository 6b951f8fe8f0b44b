"""Clustering: deep clusterers (SCAN, DEC/IDEC, DeepCluster/ODC, SwAV, SeLa), balanced k-means, self-organising maps,
associative-memory clustering (ClAM), graph degree linkage,
hierarchical k-means and balanced subsampling for data curation, and DDFA (clustering under latent label shift
from domain labels)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "BalancedKMeans": "._balanced_kmeans",
        "ClAM": "._clam",
        "CoupledMixtureVAE": "._coupled_mixture_vae",
        "DDFA": "._ddfa",
        "DEC": "._dec",
        "DeepCluster": "._deep_cluster",
        "DenseMulticut": "._dense_multicut",
        "GraphDegreeLinkage": "._gdl",
        "HierarchicalKMeans": "._hierarchical_kmeans",
        "JULE": "._jule",
        "balanced_subsample": "._curation",
        "make_umap_pipeline": "._umap_pipeline",
        "RateReductionClustering": "._rate_reduction",
        "SCAN": "._scan",
        "SeLa": "._sela",
        "SelfOrganizingMap": "._som",
        "SwAV": "._swav",
        "VotingClustering": "._voting",
    },
)
