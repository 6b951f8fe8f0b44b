"""Learned linear and non-linear projections (transformers)."""

from ._autoencoder import AutoEncoder
from ._joint_vae import JointVAE
from ._vae import VAE
from ._whitening import Whitening

__all__ = ["AutoEncoder", "JointVAE", "VAE", "Whitening"]
