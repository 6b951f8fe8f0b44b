"""MLP autoencoder as a scikit-learn transformer."""

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._nn import MLPAutoEncoder, ReconstructionLoss
from .._torch import BaseTorchEstimator, GenerativeMixin, TorchPartialFitMixin
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
)
from ..utils._validation import check_hidden_dims, check_unit_interval

__all__ = ["AutoEncoder"]


class AutoEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, GenerativeMixin, TorchPartialFitMixin,
                  BaseTorchEstimator):
    """Multi-layer perceptron autoencoder: a non-linear, learned PCA.

    An encoder maps each row to ``n_components`` codes and a mirrored decoder
    maps the codes back; both are trained to minimise the reconstruction
    loss. ``transform`` returns the codes, ``inverse_transform`` the
    reconstruction. Trained with skorch on whole-tensor batches.

    Parameters
    ----------
    n_components : int, default=10
        Width of the code (the bottleneck).
    hidden_dims : sequence of int, default=(256, 128)
        Widths of the encoder's hidden layers; the decoder uses them reversed.
        DEC's architecture for 784-pixel images is ``(500, 500, 2000)``.
    activation : {"relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid"}, default="relu"
        Hidden-layer activation.
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden activation (training only).
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer (statistics of the
        training batches; eval mode, so a row's code does not depend on the
        other rows of a call). A training batch of one row is skipped.
    loss : {"mse", "bce"}, default="mse"
        ``"mse"``: squared error, for scaled tables and embeddings.
        ``"bce"``: binary cross-entropy for data in [0, 1] (e.g. pixels / 255);
        the decoder then outputs logits and ``inverse_transform`` applies the
        sigmoid.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=256
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks or (name, callback) pairs (early stopping, checkpoints,
        LR schedulers, ...), copied at fit.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ..., or ``"accelerate"``: skorch's ``AccelerateMixin`` with an
        ``accelerate.Accelerator`` configured by the environment.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and every random draw of training through
        a private generator; torch's global random state is left as it was. The same
        seed gives identical results on CPU.
    verbose : int, default=0
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.

    Attributes
    ----------
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` skorch's training history.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear counterpart.
    sklearn_unsup.decomposition.VAE : Probabilistic autoencoder with a likelihood.

    References
    ----------
    .. [1] G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of
       data with neural networks", Science 313(5786), 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.decomposition import AutoEncoder
    >>> X = load_digits().data / 16
    >>> ae = AutoEncoder(n_components=5, hidden_dims=(32,), max_epochs=3, random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 5)
    >>> ae.inverse_transform(ae.transform(X[:2])).shape
    (2, 64)
    """

    # the torch module and loss ``_fit`` builds; a variant (e.g. the shift-augmented detector's) swaps them
    _module_class = MLPAutoEncoder
    _criterion_class = ReconstructionLoss

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "activation": [
            StrOptions({"relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid"})
        ],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "loss": [StrOptions({"mse", "bce"})],
    }

    def __init__(
        self,
        n_components=10,
        *,
        hidden_dims=(256, 128),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        loss="mse",
        max_epochs=100,
        batch_size=256,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.hidden_dims = hidden_dims
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.loss = loss
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        hidden_dims = check_hidden_dims(self.hidden_dims)
        self._check_training_rows(X)
        net = self._build_net(
            module=self._module_class,
            module_kwargs=dict(
                n_features=X.shape[1],
                n_components=self.n_components,
                hidden_dims=hidden_dims,
                activation=self.activation,
                dropout=self.dropout,
                batch_norm=self.batch_norm,
            ),
            criterion=self._criterion_class,
            criterion_kwargs=dict(kind=self.loss),
        )
        self._train(net, X, epochs=1 if first_block else None)
        self._n_features_out = self.n_components
        return self

    def _check_training_rows(self, X):
        if self.loss == "bce":
            check_unit_interval(X, "loss='bce'", "loss='mse'")

    def transform(self, X):
        """Encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            Same float dtype as the validated input (float32 or float64).
        """
        X = self._validate_predict_data(X)
        codes = self._forward(lambda m, xb: m.encode(xb), X)
        return codes.astype(X.dtype, copy=False)

    def _decode(self, Z):
        if self.loss == "bce":
            return self._forward(lambda m, zb: torch.sigmoid(m.decode(zb)), Z)
        return self._forward(lambda m, zb: m.decode(zb), Z)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, `n_features_in_`)
        """
        Z = self._validate_codes(X)
        return self._decode(Z).astype(Z.dtype, copy=False)

    def reconstruction_error(self, X):
        """Mean squared reconstruction error of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to reconstruct.

        Returns
        -------
        errors : ndarray of shape (n_samples,)
        """
        X = self._validate_predict_data(X)
        if self.loss == "bce":
            fn = lambda m, xb: ((torch.sigmoid(m(xb)[0]) - xb) ** 2).mean(dim=1)  # noqa: E731
        else:
            fn = lambda m, xb: ((m(xb)[0] - xb) ** 2).mean(dim=1)  # noqa: E731
        return self._forward(fn, X).astype(np.float64)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Lets ``GridSearchCV`` choose ``n_components`` or ``hidden_dims``
        without labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to reconstruct.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return -float(np.mean(self.reconstruction_error(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
