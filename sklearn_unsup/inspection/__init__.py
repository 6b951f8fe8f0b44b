"""Why is this row an outlier? Per-feature explanations of outlier detectors' scores."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "OutlierExplainer": "._explainer",
        "explain_outliers": "._explainer",
        "plot_outlier_explanation": "._plot",
    },
)
