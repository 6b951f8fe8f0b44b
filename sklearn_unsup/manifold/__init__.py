"""Self-supervised and neighbour-preserving representations (transformers)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ContrastiveEncoder": "._contrastive",
        "GraphAutoEncoder": "._graph_autoencoder",
        "GraphContrastiveEncoder": "._graph_contrastive",
        "TLDR": "._tldr",
    },
)
