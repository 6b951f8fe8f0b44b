"""Model selection without the labels one would need: novel-class settings and outlier detectors.

:class:`HiddenClassKFold` hides whole known classes in each fold, and the scorer of
:func:`make_hidden_class_scorer` grades how well the fitted model's representation
clusters them: ``GridSearchCV`` can tune a novel class discovery method without the
labels of the classes it is meant to discover.

:func:`select_outlier_detector` ranks candidate outlier detectors on unlabelled
data by a label-free criterion (Excess-Mass, Mass-Volume or consensus).
"""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "HiddenClassKFold": "._hidden_class",
        "HiddenClassScorer": "._hidden_class",
        "make_hidden_class_scorer": "._hidden_class",
        "select_outlier_detector": "._outlier_selection",
    },
)
