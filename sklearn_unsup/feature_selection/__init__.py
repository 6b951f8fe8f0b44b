"""Unsupervised feature selection (SelectorMixin)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "InfFS": "._inf_fs",
        "QuickSelection": "._quick_selection",
    },
)
