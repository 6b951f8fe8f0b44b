"""Warnings that point at the user's line, not at the package or scikit-learn internals."""

import os
import sys
import warnings

__all__ = ["warn_caller"]


def _package_dirs():
    import sklearn

    import sklearn_unsup

    dirs = [os.path.dirname(sklearn_unsup.__file__), os.path.dirname(sklearn.__file__)]
    for name in ("skorch", "torch"):
        module = sys.modules.get(name)
        if module is not None:
            dirs.append(os.path.dirname(module.__file__))
    return tuple(d + os.sep for d in dirs)


def warn_caller(message, category=UserWarning):
    """``warnings.warn`` at the first frame outside sklearn_unsup, scikit-learn, skorch and torch.

    A warning raised inside ``fit`` runs under scikit-learn's ``_fit_context``
    wrapper (and may be raised from a skorch callback); a fixed ``stacklevel``
    would point into one of them. Walking the stack points at the user's call.
    """
    dirs = _package_dirs()
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(dirs):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
