"""Nearest-neighbour search."""

from ._kneighbors import kneighbors

__all__ = ["kneighbors"]
