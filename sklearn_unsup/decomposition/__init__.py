"""Learned linear and non-linear projections (transformers)."""

from ._autoencoder import AutoEncoder

__all__ = ["AutoEncoder"]
