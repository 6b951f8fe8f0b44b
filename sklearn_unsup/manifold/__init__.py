"""Self-supervised and neighbour-preserving representations (transformers)."""

from ._contrastive import ContrastiveEncoder
from ._tldr import TLDR

__all__ = ["ContrastiveEncoder", "TLDR"]
