"""Network and weighted loss of deep low-density separation (Burkhart & Shan, ICCS 2020)."""

import torch.nn.functional as F
from torch import nn

from ._mlp import make_mlp

__all__ = ["EmbeddingClassifierNet", "WeightedCrossEntropyLoss"]


class EmbeddingClassifierNet(nn.Module):
    """MLP embedding followed by a linear classifier; ``forward`` returns ``(z, logits)``.

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_dims : sequence of int
        Hidden widths of the embedding MLP (ReLU, dropout).
    n_components : int
        Embedding width (the space the S3VM separates).
    n_classes : int
        Number of classes of the linear head.
    dropout : float
        Dropout after each hidden layer.
    """

    def __init__(self, n_features, hidden_dims, n_components, n_classes, dropout=0.0):
        super().__init__()
        self.encoder = make_mlp(int(n_features), [int(h) for h in hidden_dims], int(n_components), dropout=dropout)
        self.classifier = nn.Linear(int(n_components), int(n_classes))

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x):
        z = self.encode(x)
        return z, self.classifier(z)


class WeightedCrossEntropyLoss(nn.Module):
    """Cross-entropy of each row weighted by a per-row weight, averaged over the rows of the batch.

    The target handed to the net is a float tensor of shape ``(n, 2)``: the class index of the row
    (its label or pseudo-label) and its weight (1 for a labelled row; a pseudo-labelled row's confidence
    times its class weight), as in the weighted pseudo-label loss of Iscen et al. (CVPR 2019).
    """

    uses_target = True

    def forward(self, y_pred, X, y):
        _, logits = y_pred
        ce = F.cross_entropy(logits, y[:, 0].long(), reduction="none")
        return (ce * y[:, 1]).mean()
