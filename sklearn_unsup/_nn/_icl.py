"""Internal contrastive learning (ICL, Shenkar & Wolf 2022): windows of features against their complements."""

import torch
from torch import nn
from torch.nn import functional as F

from ._mlp import make_mlp

__all__ = ["ICLNet", "window_indices"]


def window_indices(n_features, kernel_size, window_starts):
    """Feature indices of each window (``k`` consecutive features) and of its complement.

    Returns two lists of lists: ``windows[j]`` holds the ``kernel_size``
    features from ``window_starts[j]`` on, ``complements[j]`` the other
    ``n_features - kernel_size`` features in their order.
    """
    windows, complements = [], []
    for start in window_starts:
        inside = list(range(int(start), int(start) + int(kernel_size)))
        windows.append(inside)
        complements.append([i for i in range(int(n_features)) if i not in set(inside)])
    return windows, complements


class ICLNet(nn.Module):
    """Two encoders and the per-window contrastive loss of each row.

    ``window_encoder`` maps a window ``a_j`` (``kernel_size`` features) and
    ``complement_encoder`` its complement ``b_j``; both are shared by all the
    windows of a row, and their outputs are L2-normalised. For row ``x`` the
    logits are ``<h(b_j), g(a_j')> / temperature`` over the row's windows
    ``j'``; the loss of window ``j`` is the cross-entropy of picking ``j' = j``
    (its own window against the row's other windows, the negatives).
    ``forward(x)`` returns that loss, shape ``(n_rows, n_windows)``: it
    depends on the row alone (no in-batch negatives), so scoring is
    batch-independent.

    Layers follow the authors' shapes: no bias terms, batch normalisation
    after each hidden layer, leaky ReLU (tanh after the complement encoder's
    first layer), the window encoder's hidden layers half as wide as the
    complement encoder's.
    """

    def __init__(self, n_features, kernel_size, window_starts, hidden_dims, n_components, temperature):
        super().__init__()
        windows, complements = window_indices(n_features, kernel_size, window_starts)
        self.register_buffer("windows", torch.as_tensor(windows, dtype=torch.long))
        self.register_buffer("complements", torch.as_tensor(complements, dtype=torch.long))
        self.temperature = float(temperature)
        hidden = tuple(int(h) for h in hidden_dims)
        self.complement_encoder = make_mlp(n_features - kernel_size, hidden, n_components,
                                           activation="leaky_relu", batch_norm=True, bias=False)
        if hidden:  # the authors' complement encoder starts with tanh (bounded on rows outside the training range)
            self.complement_encoder[2] = nn.Tanh()  # Linear, BatchNorm, activation, ...
        self.window_encoder = make_mlp(kernel_size, tuple(max(1, h // 2) for h in hidden), n_components,
                                       activation="leaky_relu", batch_norm=True, bias=False)

    def _encode(self, encoder, parts):
        n, m, width = parts.shape
        return F.normalize(encoder(parts.reshape(n * m, width)).reshape(n, m, -1), dim=-1)

    def forward(self, x):
        a = self._encode(self.window_encoder, x[:, self.windows])  # (n, m, c)
        b = self._encode(self.complement_encoder, x[:, self.complements])  # (n, m, c)
        logits = torch.bmm(b, a.transpose(1, 2)) / self.temperature  # query complement j vs window j'
        return torch.logsumexp(logits, dim=-1) - torch.diagonal(logits, dim1=1, dim2=2)

