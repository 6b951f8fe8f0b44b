"""Utilities: estimator discovery and compatibility shims."""

from ._discovery import all_estimators

__all__ = ["all_estimators"]
