"""Drift detection: has a batch of rows (a table or embedding vectors) left the reference distribution?

Each detector is fitted on reference rows and answers ``test(X)`` with a
:class:`DriftResult` (statistic, p-value, drift flag).
"""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "ClassifierDriftDetector": "._classifier",
        "DriftResult": "._base",
        "KSDriftDetector": "._ks",
        "MMDDriftDetector": "._mmd",
    },
)
