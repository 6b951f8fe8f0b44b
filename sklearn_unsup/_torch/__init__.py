"""The torch estimator base (private): network building and training, partial fitting, inference.

Everything here imports torch; the torch-free conventions (outlier detectors)
live in :mod:`sklearn_unsup.base`.
"""

from ._device import OPTIMIZERS, torch_rng
from ._estimator import BaseTorchEstimator
from ._generative import GenerativeMixin
from ._inference import forward_in_batches, has_batch_norm
from ._partial_fit import TorchPartialFitMixin
from ._threads import threads_for, torch_threads

__all__ = [
    "OPTIMIZERS",
    "BaseTorchEstimator",
    "GenerativeMixin",
    "TorchPartialFitMixin",
    "forward_in_batches",
    "has_batch_norm",
    "threads_for",
    "torch_rng",
    "torch_threads",
]
