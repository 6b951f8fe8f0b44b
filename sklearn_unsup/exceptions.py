"""Exceptions and warnings raised by sklearn_unsup."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """Raised when the training loss of a torch-backed estimator becomes NaN or infinite.

    Subclasses both :class:`FloatingPointError` (what happened) and
    :class:`ValueError` (so code that guards ``fit`` against bad data also
    catches it). The message names the epoch and batch, and suggests the
    usual remedies: a smaller ``lr``, scaled input, a different optimizer.
    """
