"""Deep outlier detectors with scikit-learn's conventions (higher score = more normal, predict +1/-1)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "AutoEncoderOutlierDetector": "._autoencoder",
        "DeepSVDD": "._deep_svdd",
        "EnsembleOutlierDetector": "._ensemble",
        "FlowOutlierDetector": "._flow",
        "InternalContrastiveDetector": "._icl",
        "NeuralTransformationDetector": "._neutral",
        "RejectionOutlierDetector": "._rejection",
        "to_pyod_labels": "._pyod",
        "to_pyod_scores": "._pyod",
        "VAEOutlierDetector": "._vae",
    },
)
