"""Exceptions and warnings raised by sklearn_unsup."""

__all__ = ["InconsistentVersionWarning", "TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """Raised when the training loss of a torch-backed estimator becomes NaN or infinite.

    Subclasses both :class:`FloatingPointError` (what happened) and
    :class:`ValueError` (so code that guards ``fit`` against bad data also
    catches it). The message names the epoch and batch, and suggests the
    usual remedies: a smaller ``lr``, scaled input, a different optimizer.
    """


class InconsistentVersionWarning(UserWarning):
    """Raised when a model is loaded with another version of sklearn_unsup (or torch) than it was saved with.

    The fitted state of one version may not be valid in another, as for
    scikit-learn's own :class:`sklearn.exceptions.InconsistentVersionWarning`.
    Refit the model with the installed versions, or install the versions
    named in the message.

    Parameters
    ----------
    estimator_name : str
        Class of the loaded estimator.
    package : str
        ``"sklearn_unsup"`` or ``"torch"``.
    original_version : str
        Version the model was saved with.
    current_version : str
        Version installed now.
    """

    def __init__(self, estimator_name, package, original_version, current_version):
        self.estimator_name = estimator_name
        self.package = package
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved with {self.package} {self.original_version} while "
            f"{self.package} {self.current_version} is installed: the fitted state may not be valid. "
            "Refit the model, or install the version it was saved with."
        )
