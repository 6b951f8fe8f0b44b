"""Nearest-neighbour search."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "hamming_kneighbors": "._hamming",
        "kneighbors": "._kneighbors",
        "mine_neighbors": "._mining",
        "query_by_example": "._query",
    },
)
