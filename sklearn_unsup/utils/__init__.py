"""Utilities: estimator discovery, worker settings for parallel engines, compatibility shims."""

from ._discovery import all_estimators
from ._parallel import worker_thread_env

__all__ = ["all_estimators", "worker_thread_env"]
