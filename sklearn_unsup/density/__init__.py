"""Density models (DensityMixin: ``score_samples`` is the log-likelihood)."""

from ._realnvp import RealNVP

__all__ = ["RealNVP"]
