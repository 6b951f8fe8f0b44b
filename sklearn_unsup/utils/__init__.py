"""Utilities: estimator discovery, secure persistence (skops), worker settings for parallel engines."""

from ._discovery import all_estimators
from ._parallel import worker_thread_env
from ._skops import dump_skops, load_skops, skops_trusted_types

__all__ = ["all_estimators", "dump_skops", "load_skops", "skops_trusted_types", "worker_thread_env"]
