"""Discovery of the package's public estimators."""

import inspect
import pkgutil
from importlib import import_module
from operator import itemgetter

from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    DensityMixin,
    OutlierMixin,
    RegressorMixin,
    TransformerMixin,
)

__all__ = ["all_estimators"]

_TYPE_FILTERS = {
    "classifier": ClassifierMixin,
    "regressor": RegressorMixin,
    "transformer": TransformerMixin,
    "cluster": ClusterMixin,
    "outlier_detector": OutlierMixin,
    "density": DensityMixin,
}

_SKIP_MODULES = {"tests", "demo", "_kernels", "_nn", "_torch", "utils"}


def all_estimators(type_filter=None):
    """List every public estimator of sklearn_unsup.

    Walks the package, importing each public subpackage, and collects the
    concrete classes deriving from :class:`sklearn.base.BaseEstimator` whose
    names do not start with an underscore.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster", \
            "outlier_detector", "density"} or list of those, default=None
        Keep only estimators of these kinds; None keeps all.

    Returns
    -------
    estimators : list of (name, class) tuples
        Sorted by name.

    Examples
    --------
    >>> from sklearn_unsup.utils import all_estimators
    >>> ("AutoEncoder" in dict(all_estimators("transformer")))
    True
    """
    import sklearn_unsup

    found = {}
    root = sklearn_unsup.__path__
    for _, module_name, _ in pkgutil.walk_packages(root, prefix="sklearn_unsup."):
        parts = module_name.split(".")[1:]
        if any(p in _SKIP_MODULES or p.startswith("_") for p in parts):
            continue
        module = import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name.startswith("_")
                or not cls.__module__.startswith("sklearn_unsup.")
                or any(p in _SKIP_MODULES for p in cls.__module__.split(".")[1:])
                or not issubclass(cls, BaseEstimator)
                or inspect.isabstract(cls)
                or name.startswith("Base")
                or name.endswith("Mixin")
            ):
                continue
            found[name] = cls
    estimators = sorted(found.items(), key=itemgetter(0))
    if type_filter is not None:
        filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(filters) - set(_TYPE_FILTERS)
        if unknown:
            raise ValueError(
                f"type_filter must be None or among {sorted(_TYPE_FILTERS)}, got {sorted(unknown)}."
            )
        mixins = tuple(_TYPE_FILTERS[f] for f in filters)
        estimators = [(n, c) for n, c in estimators if issubclass(c, mixins)]
    return estimators
