"""Model selection for semi-supervised and novel-class settings.

:class:`HiddenClassKFold` hides whole known classes in each fold, and the scorer of
:func:`make_hidden_class_scorer` grades how well the fitted model's representation
clusters them: ``GridSearchCV`` can tune a novel class discovery method without the
labels of the classes it is meant to discover.
"""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "HiddenClassKFold": "._hidden_class",
        "HiddenClassScorer": "._hidden_class",
        "make_hidden_class_scorer": "._hidden_class",
    },
)
