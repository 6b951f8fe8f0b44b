"""Density models (DensityMixin: ``score_samples`` is the log-likelihood)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "RealNVP": "._realnvp",
    },
)
