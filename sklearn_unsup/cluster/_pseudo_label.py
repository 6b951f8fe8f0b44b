"""Shared machinery of the pseudo-label clusterers (DeepCluster, SeLa).

Both train a :class:`~sklearn_unsup.nn.ClusteringNet` to classify each row
(and its partner view) into a pseudo-label that is recomputed from the whole
data between epochs; they differ in how the labels are made.
"""

import numpy as np
import torch

from ..base import _check_hidden_dims
from ..nn import ClusterBatchIterator, ClusteringNet, PseudoLabelLoss
from ..utils._sklearn_compat import Integral, Interval
from ._deep_base import BaseDeepClusterer, EpochHook

__all__ = ["BasePseudoLabelClusterer", "full_pass"]


def full_pass(module, X, fn, batch_size=2048):
    """``fn(module, x_batch)`` over all rows in eval mode, no gradient; returns a CPU tensor."""
    was_training = module.training
    module.eval()
    device = next(module.parameters()).device
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            out.append(fn(module, X[start : start + batch_size].to(device)).cpu())
    module.train(was_training)
    return torch.cat(out)


class BasePseudoLabelClusterer(BaseDeepClusterer):
    """Base of DeepCluster and SeLa (not for direct use).

    Subclasses implement ``_relabel(net, X_tensor, rng)`` which returns the
    new pseudo-labels (int64 tensor of shape (n_samples,)) and may set
    ``dataset.sample_weights``.
    """

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **BaseDeepClusterer._augment_constraints,
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
    }

    def _fit_pseudo_label(self, X, hook, extra_callbacks=(), finish=True):
        nbrs = self._mine_neighbours(X, self.n_neighbors, "euclidean") if self.n_neighbors > 0 else None
        self.neighbors_ = None if nbrs is None else nbrs.numpy()
        self._fit_net(
            X,
            y=nbrs,
            module=ClusteringNet,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_clusters=self.n_clusters,
                hidden_dims=_check_hidden_dims(self.hidden_dims),
                n_components=self.n_components,
                n_heads=1,
                augment=self.augment,
                rate=self.corruption_rate,
                scale=self.noise_scale,
            ),
            criterion=PseudoLabelLoss,
            iterator=ClusterBatchIterator,
            extra_callbacks=[("relabel", EpochHook(hook)), *extra_callbacks],
            drop_last=X.shape[0] > self.batch_size and X.shape[0] % self.batch_size == 1,
        )
        self.pseudo_labels_ = self.net_.criterion_.targets.numpy().copy()
        return self._finish_fit(X) if finish else self

    @staticmethod
    def _proba_fn(module, xb):
        return module.logits(xb).softmax(-1)


def class_balanced_weights(labels, n_clusters):
    """Sampling weight of each row: 1 / size of its pseudo-class (uniform over classes)."""
    counts = np.bincount(labels, minlength=n_clusters).astype(np.float64)
    return torch.from_numpy(1.0 / counts[labels])
