"""Deep outlier detectors with scikit-learn's conventions (higher score = more normal, predict +1/-1)."""

from ._autoencoder import AutoEncoderOutlierDetector
from ._deep_svdd import DeepSVDD
from ._flow import FlowOutlierDetector
from ._vae import VAEOutlierDetector

__all__ = ["AutoEncoderOutlierDetector", "DeepSVDD", "FlowOutlierDetector", "VAEOutlierDetector"]
