"""Print versions of the package, its dependencies and the torch device."""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["show_versions"]

_DEPS = [
    "sklearn_unsup",
    "scikit-learn",
    "numpy",
    "scipy",
    "torch",
    "skorch",
    "numba",
    "pandas",
    "umap-learn",
    "hdbscan",
    "matplotlib",
]


def _versions():
    info = {"python": sys.version.split()[0], "machine": platform.platform()}
    for dep in _DEPS:
        try:
            info[dep] = version(dep)
        except PackageNotFoundError:
            info[dep] = None
    try:
        import torch

        info["torch.cuda"] = torch.cuda.is_available()
        info["torch.threads"] = torch.get_num_threads()
    except ImportError:  # pragma: no cover
        pass
    return info


def show_versions():
    """Print Python, dependency versions and whether torch sees a GPU.

    Paste its output into bug reports.
    """
    for key, value in _versions().items():
        print(f"{key:>15}: {value}")
