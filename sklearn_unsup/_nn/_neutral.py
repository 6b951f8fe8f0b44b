"""Neural transformation learning (NeuTraL AD, Qiu et al. 2021): learned views of a row and their contrastive loss."""

import torch
from torch import nn
from torch.nn import functional as F

from ._mlp import make_mlp

__all__ = ["NeuTraLNet"]

TRANSFORMATIONS = ("residual", "multiplicative")


class NeuTraLNet(nn.Module):
    """``K`` learnable transformations, one shared encoder, and the deterministic contrastive loss of each row.

    Transformation ``T_k`` is a small bias-free leaky-ReLU MLP ``M_k`` of the row:
    ``T_k(x) = x + M_k(x)`` (``"residual"``) or ``T_k(x) = sigmoid(M_k(x)) * x``
    (``"multiplicative"``, a learned soft mask). The encoder ``f`` (bias-free
    leaky-ReLU MLP) maps the row and its ``K`` views to unit vectors ``z_0 = f(x)``,
    ``z_k = f(T_k(x))``. With ``h(a, b) = exp(cos(a, b) / temperature)``, the
    loss of view ``k`` is ``-log(h(z_k, z_0) / (h(z_k, z_0) + sum_{l != k}
    h(z_k, z_l)))``: each view must stay close to the original (semantics kept)
    and far from the other views (the views differ). ``forward(x)`` returns
    these losses, shape ``(n_rows, K)``, computed in log space; they depend on
    the row alone, so scoring is batch-independent.
    """

    def __init__(self, n_features, n_transformations, transformation, transformation_hidden_dims, hidden_dims,
                 n_components, temperature):
        super().__init__()
        if transformation not in TRANSFORMATIONS:
            raise ValueError(f"transformation must be one of {TRANSFORMATIONS}; got {transformation!r}.")
        self.transformation = transformation
        self.temperature = float(temperature)
        self.transformations = nn.ModuleList(
            make_mlp(n_features, tuple(transformation_hidden_dims), n_features, activation="leaky_relu", bias=False)
            for _ in range(int(n_transformations)))
        self.encoder = make_mlp(n_features, tuple(hidden_dims), n_components, activation="leaky_relu", bias=False)
        # row k of the logits (view k + 1) leaves out its own column: the denominator runs over l != k
        k = int(n_transformations)
        self.register_buffer("own", torch.eye(k + 1, dtype=torch.bool)[1:])

    def views(self, x):
        """The row and its ``K`` transformed views, shape ``(n_rows, K + 1, n_features)`` (the row first)."""
        out = [x]
        for m in self.transformations:
            out.append(x + m(x) if self.transformation == "residual" else torch.sigmoid(m(x)) * x)
        return torch.stack(out, dim=1)

    def embed(self, x):
        """Unit-norm embeddings of the row and its views, shape ``(n_rows, K + 1, n_components)``."""
        v = self.views(x)
        n, m, d = v.shape
        return F.normalize(self.encoder(v.reshape(n * m, d)).reshape(n, m, -1), dim=-1)

    def forward(self, x):
        z = self.embed(x)
        logits = torch.bmm(z[:, 1:], z.transpose(1, 2)) / self.temperature  # (n, K, K + 1): view k vs all
        logits = logits.masked_fill(self.own, float("-inf"))
        return torch.logsumexp(logits, dim=-1) - logits[:, :, 0]
