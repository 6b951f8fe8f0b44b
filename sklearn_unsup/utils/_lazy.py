"""Lazy public names for the subpackages (PEP 562): a name's module is imported on first use.

``import sklearn_unsup.ood`` then costs nothing, and ``from sklearn_unsup.ood
import KNNDetector`` imports the k-NN detector's module only, not torch.
"""

import importlib
import sys

__all__ = ["lazy_exports"]


def lazy_exports(package, exports):
    """``(__getattr__, __dir__, __all__)`` for ``package`` from ``{public name: private module}``.

    Parameters
    ----------
    package : str
        The subpackage's ``__name__``.
    exports : dict of str to str
        Each public name and the relative module that defines it, e.g.
        ``{"KNNDetector": "._knn"}``.
    """

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip __getattr__
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__, sorted(exports)
