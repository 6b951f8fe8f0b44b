"""Out-of-distribution detectors fitted on in-distribution features (scikit-learn's outlier conventions)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "EnergyDetector": "._energy",
        "HierarchicalVAEDetector": "._hvae",
        "InvariantsDetector": "._invariants",
        "KNNDetector": "._knn",
        "MahalanobisDetector": "._mahalanobis",
        "MaxLogitDetector": "._max_logit",
        "MSPDetector": "._msp",
        "ScoreMatchingDetector": "._score_matching",
        "ViMDetector": "._vim",
    },
)
