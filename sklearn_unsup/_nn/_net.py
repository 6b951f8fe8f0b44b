"""skorch net subclass for unsupervised training."""

import math

import torch
from skorch import NeuralNet
from skorch.utils import to_tensor

from ..exceptions import TrainingDivergedError

__all__ = ["UnsupervisedNet"]


class UnsupervisedNet(NeuralNet):
    """A :class:`skorch.NeuralNet` whose criterion compares the output with ``X``.

    * ``get_loss(y_pred, y_true, X)`` calls ``criterion_(y_pred, X)``; the
      target ``y_true`` is ignored unless the criterion asks for it
      (``criterion.uses_target = True``, then ``criterion_(y_pred, X, y_true)``).
    * Every epoch's training iterator is re-seeded with the epoch number, so
      shuffling and sampling differ between epochs and are reproducible.
    * Every training step checks that the loss is finite and raises
      :class:`~sklearn_unsup.exceptions.TrainingDivergedError` otherwise, so a
      diverged run stops with a clear message instead of producing garbage.

    Everything else (callbacks, history, optimizers, pickling, device
    handling) is skorch's.
    """

    def get_iterator(self, dataset, training=False):
        # skorch builds a new training iterator every epoch; with a fixed seed
        # every epoch would see the same order (and the same neighbour draws).
        # Offset the seed by the epoch so each epoch differs, reproducibly.
        iterator = super().get_iterator(dataset, training=training)
        if training and hasattr(iterator, "reseed"):
            iterator.reseed(len(self.history))
        return iterator

    def get_loss(self, y_pred, y_true, X=None, training=False):
        X = to_tensor(X, device=self.device)
        if getattr(self.criterion_, "uses_target", False):
            return self.criterion_(y_pred, X, to_tensor(y_true, device=self.device))
        return self.criterion_(y_pred, X)

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        loss = step["loss"]
        value = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
        if not math.isfinite(value):
            epoch = len(self.history)
            n_batch = len(self.history[-1]["batches"]) + 1 if len(self.history) else 1
            raise TrainingDivergedError(
                f"Training diverged: the loss became {value} at epoch {epoch}, "
                f"batch {n_batch}. Try a smaller lr, scaling the input (e.g. "
                "StandardScaler), or another optimizer."
            )
        return step
