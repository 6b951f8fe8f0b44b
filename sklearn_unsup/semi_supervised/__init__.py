"""Clustering and classification with a few labels, side information or unknown new classes.

Every estimator here follows scikit-learn's semi-supervised convention: ``fit(X, y)`` with
``y == -1`` marking the unlabelled rows (as :class:`sklearn.semi_supervised.LabelSpreading`).
"""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "DeepLowDensitySeparation": "._deep_low_density_separation",
        "LaplacianKPrototypes": "._laplacian_kprototypes",
        "PairwiseConstrainedClustering": "._pairwise_constrained",
        "ProjectionBasedNCD": "._projection_based_ncd",
        "SplitMergeGMM": "._split_merge_gmm",
    },
)
