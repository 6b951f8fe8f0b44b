"""What the GCN encoders on the kNN graph of the rows share: the graph, the cached codes, ``transform``."""

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._nn import as_float32_tensor
from .._torch import BaseTorchEstimator, forward_in_batches
from .._torch._inference import INFERENCE_BATCH_ROWS
from ..neighbors._graph import KNNGraph
from ..utils._validation import check_n_neighbors


class GraphEncoderBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseTorchEstimator):
    """Base of the GCN encoders: kNN graph of the training rows, codes on it, inductive ``transform``.

    A subclass builds the graph with ``_build_graph``, trains a net whose
    ``module_`` is (or holds, as ``_gcn_encoder``) a
    :class:`~sklearn_unsup._nn.GCNEncoder`, then calls ``_store_codes``.
    """

    def _build_graph(self, X):
        n = X.shape[0]
        if n < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to build a neighbor graph, got {n} sample.")
        self.n_neighbors_ = check_n_neighbors(self, self.n_neighbors, n - 1)
        self._graph = KNNGraph(X, self.n_neighbors_, metric=self.metric)
        self.graph_ = self._graph.normalized
        return self._graph

    def _gcn_encoder(self):
        return self.net_.module_

    def _store_codes(self, X, adj):
        """``embedding_`` of the training rows on their graph, and each layer's messages for ``transform``."""
        self.net_.module_.eval()
        encoder = self._gcn_encoder()
        with torch.no_grad():
            codes, messages = encoder.encode(as_float32_tensor(X).to(self.device_), adj.to(self.device_))
        # each layer's messages H_{l-1} W_l of the training rows: what a new row's neighbours send it
        self._messages = [m.cpu().numpy().astype(np.float64) for m in messages]
        self.embedding_ = codes.cpu().numpy().astype(X.dtype)
        self._n_features_out = self.n_components

    def fit_transform(self, X, y=None):
        """Fit on X and return the training rows' codes, ``embedding_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
        """
        return self.fit(X).embedding_.copy()

    def transform(self, X):
        """Codes of rows linked to the training graph (each row on its own).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Same float dtype as the validated input (float32 or float64).
        """
        X = self._validate_predict_data(X)
        weights, self_weight = self._graph.attach(X)
        packed = np.hstack([X, *(weights @ m for m in self._messages), self_weight[:, None]])
        encoder = self._gcn_encoder()
        # chunks of a fixed size (not the training batch_size, which is the whole graph by default)
        codes = forward_in_batches(encoder, packed, lambda m, xb: m.encode_attached(xb),
                                   device=self.device_, batch_size=INFERENCE_BATCH_ROWS)
        return codes.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
