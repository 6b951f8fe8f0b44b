"""Unsupervised feature selection (SelectorMixin)."""

from ._inf_fs import InfFS

__all__ = ["InfFS"]
