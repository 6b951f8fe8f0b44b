"""Torch building blocks (private): modules, losses, the skorch net subclass and the data path.

Only torch and skorch are imported here; estimators live in the other subpackages.
"""

from ._augment import AUGMENTATIONS, feature_mask, gaussian_noise, marginal_shift, scarf_corruption
from ._autoencoder import MLPAutoEncoder, ShiftAugmentedAutoEncoder
from ._clustering import (
    ClusteringNet,
    DECLoss,
    DECNet,
    PrototypeNet,
    PseudoLabelLoss,
    SCANLoss,
    SwAVLoss,
    scan_loss,
    self_label_loss,
)
from ._data import (
    ClusterBatchIterator,
    NeighborPairIterator,
    TensorBatchIterator,
    TensorDataset,
    TensorValidSplit,
    as_float32_tensor,
)
from ._deep_svdd import DeepSVDDNet, MeanLoss
from ._flows import FlowNLLLoss, RealNVPFlow
from ._gcn import GCNEncoder, GraphAutoEncoderLoss, GraphBatchIterator, GraphTargets, to_sparse_tensor
from ._grace import GraceLoss, GraceNet, GraphViewIterator, GraphViews
from ._hvae import HierarchicalVAELoss, MLPHierarchicalVAE
from ._icl import ICLNet
from ._jule import MLPEncoder, WeightedTripletLoss, mine_triplets, weighted_triplet_loss
from ._losses import CategoricalTargetLoss, DenoisingReconstructionLoss, JointVAELoss, ReconstructionLoss, VAELoss
from ._mlp import ACTIVATIONS, make_mlp
from ._net import UnsupervisedNet
from ._neutral import NeuTraLNet
from ._rate_reduction import (
    RateReductionLoss,
    RateReductionNet,
    coding_rate,
    membership_coding_rate,
    sinkhorn_membership,
)
from ._score_net import NoiseConditionalScoreNet
from ._twins import (
    AugmentedTwin,
    BarlowTwinsLoss,
    TwinEncoder,
    TwinLoss,
    barlow_twins_loss,
    nt_xent_loss,
    vicreg_loss,
)
from ._vae import MLPVAE, MLPJointVAE
from ._volume_preserving import AdditiveCoupling, InvariantLoss, InvariantNet

__all__ = [
    "AdditiveCoupling",
    "InvariantLoss",
    "InvariantNet",
    "NoiseConditionalScoreNet",
    "ClusterBatchIterator",
    "ClusteringNet",
    "DECLoss",
    "DECNet",
    "PrototypeNet",
    "PseudoLabelLoss",
    "SCANLoss",
    "SwAVLoss",
    "scan_loss",
    "self_label_loss",
    "ACTIVATIONS",
    "DeepSVDDNet",
    "ICLNet",
    "MLPEncoder",
    "WeightedTripletLoss",
    "mine_triplets",
    "weighted_triplet_loss",
    "NeuTraLNet",
    "MeanLoss",
    "AUGMENTATIONS",
    "AugmentedTwin",
    "TwinLoss",
    "feature_mask",
    "gaussian_noise",
    "nt_xent_loss",
    "scarf_corruption",
    "marginal_shift",
    "vicreg_loss",
    "BarlowTwinsLoss",
    "NeighborPairIterator",
    "TwinEncoder",
    "barlow_twins_loss",
    "FlowNLLLoss",
    "GCNEncoder",
    "GraceLoss",
    "GraceNet",
    "GraphViewIterator",
    "GraphViews",
    "GraphAutoEncoderLoss",
    "GraphBatchIterator",
    "GraphTargets",
    "to_sparse_tensor",
    "CategoricalTargetLoss",
    "JointVAELoss",
    "MLPAutoEncoder",
    "ShiftAugmentedAutoEncoder",
    "MLPJointVAE",
    "MLPVAE",
    "MLPHierarchicalVAE",
    "HierarchicalVAELoss",
    "RateReductionLoss",
    "RateReductionNet",
    "coding_rate",
    "membership_coding_rate",
    "sinkhorn_membership",
    "RealNVPFlow",
    "ReconstructionLoss",
    "DenoisingReconstructionLoss",
    "VAELoss",
    "TensorBatchIterator",
    "TensorDataset",
    "TensorValidSplit",
    "UnsupervisedNet",
    "as_float32_tensor",
    "make_mlp",
]
