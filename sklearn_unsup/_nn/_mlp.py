"""Multi-layer perceptron builder shared by the torch modules."""

from torch import nn

__all__ = ["ACTIVATIONS", "make_mlp"]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
}


def make_mlp(
    in_features,
    hidden_dims,
    out_features,
    *,
    activation="relu",
    dropout=0.0,
    batch_norm=False,
    bias=True,
):
    """Build ``Linear -> [BatchNorm] -> activation -> [Dropout]`` blocks.

    The last layer is a plain ``Linear`` (no activation), so the caller
    decides what the output means (code, logits, mean, ...).

    Parameters
    ----------
    in_features : int
        Input width.
    hidden_dims : sequence of int
        Widths of the hidden layers; empty gives a single linear map.
    out_features : int
        Output width.
    activation : str, default="relu"
        One of :data:`ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Insert ``BatchNorm1d`` after each hidden linear layer.
    bias : bool, default=True
        Whether the linear layers have bias terms (DeepSVDD needs none).

    Returns
    -------
    torch.nn.Sequential
    """
    layers = []
    width = in_features
    for h in hidden_dims:
        layers.append(nn.Linear(width, h, bias=bias))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h, affine=bias))
        layers.append(ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, out_features, bias=bias))
    return nn.Sequential(*layers)
