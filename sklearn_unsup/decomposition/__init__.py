"""Learned linear and non-linear projections (transformers)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "AutoEncoder": "._autoencoder",
        "JointVAE": "._joint_vae",
        "SimilarityCalibratedHashing": "._sdc_hashing",
        "VAE": "._vae",
        "Whitening": "._whitening",
    },
)
