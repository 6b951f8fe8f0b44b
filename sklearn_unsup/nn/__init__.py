"""Torch building blocks: modules, losses, the skorch net subclass and the data path.

Only torch and skorch are imported here; estimators live in the other subpackages.
"""

from ._autoencoder import MLPAutoEncoder
from ._data import TensorBatchIterator, TensorDataset, as_float32_tensor
from ._losses import ReconstructionLoss
from ._mlp import ACTIVATIONS, make_mlp
from ._net import UnsupervisedNet

__all__ = [
    "ACTIVATIONS",
    "MLPAutoEncoder",
    "ReconstructionLoss",
    "TensorBatchIterator",
    "TensorDataset",
    "UnsupervisedNet",
    "as_float32_tensor",
    "make_mlp",
]
