"""sklearn_unsup: recent unsupervised methods as scikit-learn estimators.

Subpackages: ``cluster``, ``decomposition``, ``metrics``, ``nn`` (torch
building blocks), ``utils``. See the README for the quickstart.
"""

from ._show_versions import show_versions

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "show_versions"]
