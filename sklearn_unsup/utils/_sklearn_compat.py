"""The one place where scikit-learn's private helpers are imported.

scikit-learn does not promise stability for ``sklearn.base._fit_context`` and
``sklearn.utils._param_validation``; keeping every such import here means a
release that moves them needs a change in one file only (the approach taken by
imbalanced-learn).
"""

from numbers import Integral, Real

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = [
    "HasMethods",
    "Integral",
    "Interval",
    "Options",
    "Real",
    "RealNotInt",
    "StrOptions",
    "_check_feature_names_in",
    "_fit_context",
    "check_is_fitted",
    "validate_data",
    "validate_params",
]
