"""Neighbour-preserving representations (transformers)."""

from ._tldr import TLDR

__all__ = ["TLDR"]
