"""Shared machinery of the pseudo-label clusterers (DeepCluster, SeLa).

Both train a :class:`~sklearn_unsup._nn.ClusteringNet` to classify each row
(and its partner view) into a pseudo-label that is recomputed from the whole
data between epochs; they differ in how the labels are made.
"""

import numpy as np
import torch

from .._nn import ClusterBatchIterator, ClusteringNet, PseudoLabelLoss
from .._torch import forward_in_batches
from ..utils._sklearn_compat import Integral, Interval
from ._deep_base import BaseDeepClusterer, EpochHook

__all__ = ["BasePseudoLabelClusterer", "full_pass"]


def full_pass(module, X, fn):
    """``fn(module, x_batch)`` over all rows during training (:func:`forward_in_batches`, float32); a CPU tensor."""
    device = next(module.parameters()).device
    return forward_in_batches(module, X, fn, device=device, numpy=False, row_exact=False)


class BasePseudoLabelClusterer(BaseDeepClusterer):
    """Base of DeepCluster and SeLa (not for direct use).

    Subclasses pass ``_fit_pseudo_label`` an epoch hook ``hook(net, dataset)``
    (a picklable module-level function) that recomputes the pseudo-labels
    (``net.criterion_.targets``) and may set ``dataset.sample_weights``.
    """

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **BaseDeepClusterer._augment_constraints,
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
    }

    def _fit_pseudo_label(self, X, hook, extra_callbacks=(), finish=True, max_epochs=None):
        nbrs = self._mine_neighbors(X, self.n_neighbors, "euclidean") if self.n_neighbors > 0 else None
        self.neighbors_ = None if nbrs is None else nbrs.numpy()
        net = self._build_net(
            module=ClusteringNet,
            module_kwargs=self._clustering_net_kwargs(X.shape[1], n_heads=1),
            criterion=PseudoLabelLoss,
            iterator=ClusterBatchIterator,
            callbacks=[("relabel", EpochHook(hook)), *extra_callbacks],
            max_epochs=max_epochs,
        )
        self._train(net, X, nbrs)
        self.pseudo_labels_ = self.net_.criterion_.targets.numpy().copy()
        return self._finish_fit(X) if finish else self

    @staticmethod
    def _proba_fn(module, xb):
        return module.logits(xb).softmax(-1)


def class_balanced_weights(labels, n_clusters, prior=None):
    """Sampling weight of each row: 1 / size of its pseudo-class (uniform over classes).

    ``prior`` (cluster shares in decreasing order, or None for equal ones): the pseudo-classes, ranked by size,
    are drawn in these shares instead (the largest pseudo-class gets the largest share).
    """
    counts = np.bincount(labels, minlength=n_clusters).astype(np.float64)
    if prior is None:
        return torch.from_numpy(1.0 / counts[labels])
    shares = np.empty(n_clusters)
    shares[np.argsort(-counts, kind="stable")] = prior
    return torch.from_numpy(shares[labels] / counts[labels])
