"""Network and loss of Projection-Based NCD (PBN, Troisemaine et al., DMKD 2024)."""

import torch.nn.functional as F
from torch import nn

__all__ = ["PBNLoss", "PBNNet"]


def _blocks(widths, *, dropout, final_linear):
    """``Linear`` layers between consecutive ``widths``, each but (optionally) the last followed by
    ReLU -> BatchNorm -> Dropout (the authors' order)."""
    layers = []
    for i in range(1, len(widths)):
        layers.append(nn.Linear(widths[i - 1], widths[i]))
        if final_linear and i == len(widths) - 1:
            break
        layers += [nn.ReLU(), nn.BatchNorm1d(widths[i])]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class PBNNet(nn.Module):
    """Encoder, linear classifier of the known classes and mirrored decoder.

    ``forward`` returns ``(z, logits, reconstruction)``; the classifier and the
    decoder both read the latent ``z``.

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_dims : sequence of int
        Encoder hidden widths (the decoder uses them reversed).
    n_components : int
        Latent width.
    n_classes : int
        Number of known classes (0: no classifier head).
    dropout : float
        Dropout after each hidden block.
    normalize : bool
        Divide ``z`` by its Euclidean norm (the authors' ``use_norm="l2"``).
    """

    def __init__(self, n_features, hidden_dims, n_components, n_classes, dropout=0.0, normalize=True):
        super().__init__()
        widths = [int(n_features), *[int(h) for h in hidden_dims], int(n_components)]
        self.normalize = bool(normalize)
        self.encoder = _blocks(widths, dropout=dropout, final_linear=True)
        self.decoder = _blocks(widths[::-1], dropout=dropout, final_linear=True)
        self.classifier = nn.Linear(widths[-1], int(n_classes)) if n_classes > 0 else None

    def encode(self, x):
        z = self.encoder(x)
        if self.normalize:
            z = F.normalize(z, dim=1)
        return z

    def forward(self, x):
        z = self.encode(x)
        logits = self.classifier(z) if self.classifier is not None else z[:, :0]
        return z, logits, self.decoder(z)


class PBNLoss(nn.Module):
    """``w * CE(logits of the labelled rows) + (1 - w) * squared reconstruction error per row``.

    The target handed to the net is the index of each row's known class, -1
    for the unlabelled rows. The cross-entropy is the mean over the labelled
    rows of the batch (0 when the batch has none); the reconstruction term is
    the squared error summed over the features and averaged over all rows of
    the batch, as in the authors' code.

    Parameters
    ----------
    w : float in [0, 1]
        Weight of the classification term.
    """

    uses_target = True

    def __init__(self, w=0.5):
        super().__init__()
        self.w = w

    def forward(self, y_pred, X, y):
        _, logits, reconstruction = y_pred
        y = y.long()
        known = y >= 0
        if known.any() and logits.shape[1] > 0:
            ce = F.cross_entropy(logits[known], y[known])
        else:
            ce = reconstruction.sum() * 0.0
        mse = ((reconstruction - X) ** 2).sum(dim=1).mean()
        return self.w * ce + (1.0 - self.w) * mse
