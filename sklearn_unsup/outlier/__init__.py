"""Deep outlier detectors with scikit-learn's conventions (higher score = more normal, predict +1/-1)."""

from ._autoencoder import AutoEncoderOutlierDetector
from ._deep_svdd import DeepSVDD
from ._flow import FlowOutlierDetector
from ._pyod import to_pyod_labels, to_pyod_scores
from ._rejection import RejectionOutlierDetector
from ._vae import VAEOutlierDetector

__all__ = [
    "AutoEncoderOutlierDetector",
    "DeepSVDD",
    "FlowOutlierDetector",
    "RejectionOutlierDetector",
    "VAEOutlierDetector",
    "to_pyod_labels",
    "to_pyod_scores",
]
