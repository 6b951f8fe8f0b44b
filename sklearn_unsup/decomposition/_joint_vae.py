"""JointVAE: continuous and discrete latents; the discrete one clusters the rows."""

import math

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state

from .._nn import CategoricalTargetLoss, JointVAELoss, MLPJointVAE
from .._torch import BaseTorchEstimator, TorchPartialFitMixin
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
)
from ..utils._validation import check_hidden_dims, check_n_clusters, check_unit_interval

__all__ = ["JointVAE"]


class JointVAE(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, TorchPartialFitMixin, BaseTorchEstimator
):
    """JointVAE: a VAE with Gaussian latents and one categorical latent.

    The encoder outputs a Gaussian posterior over ``n_components`` continuous
    latents and a categorical posterior over ``n_clusters`` values; during
    training the categorical is relaxed with Gumbel-softmax at ``temperature``
    and the decoder reconstructs the row from both. Each KL term is pushed
    towards a capacity that grows linearly during training (0 to
    ``continuous_capacity`` and 0 to ``discrete_capacity`` nats, reached after
    ``capacity_ramp`` of the training steps), weighted by ``gamma``:
    ``-log p(x|z, c) + gamma |KL_z - C_z| + gamma |KL_c - C_c|``.

    As a clusterer, ``predict`` is the most probable category and
    ``predict_proba`` the categorical posterior; ``transform`` returns the
    posterior mean of the continuous latents.

    ``partial_fit`` trains one epoch per block. The capacity schedule counts
    optimisation steps, and its length is set by the first block:
    ``capacity_ramp * max_epochs`` passes of blocks that size; ``labels_``
    then describes the latest block.

    Parameters
    ----------
    n_clusters : int, default=10
        Values of the discrete latent (clusters).
    n_components : int, default=10
        Continuous latent dimension.
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        Data likelihood (``"bernoulli"`` for data in [0, 1]).
    temperature : float, default=0.67
        Gumbel-softmax temperature.
    continuous_capacity : float, default=5.0
        Final capacity of the continuous KL term (nats).
    discrete_capacity : float or None, default=None
        Final capacity of the discrete KL term; None uses ``log(n_clusters)``,
        the largest useful value (a uniform use of all categories).
    gamma : float, default=30.0
        Weight of the capacity terms (Dupont's setting).
    capacity_ramp : float in (0, 1], default=0.5
        Fraction of the training steps over which the capacities grow.
    usage_weight : float, default=30.0
        Weight of ``KL(mean_batch q(c|x) || uniform)``, which keeps every
        category in use. Not in the paper: without it (``usage_weight=0``,
        Dupont's objective) the per-row KL capacity can be met by confidently
        assigning every row to the same category, and on small tables it
        often is.
    init : {"kmeans", "random"}, default="kmeans"
        Start of the categorical head. ``"random"``: the paper's random
        initialisation. ``"kmeans"`` (not in the paper): a VAE with the same
        encoder widths is trained for ``max(min(10, max_epochs), max_epochs // 2)``
        epochs and at least ``30 * max_epochs`` optimisation steps, but at
        most ``5 * max_epochs`` epochs. Small tables, which have few batches
        per epoch, thus get many more steps than ``max_epochs // 2`` epochs
        would give, though not always the full ``30 * max_epochs``: the epoch
        cap binds on sets of at most ``5 * batch_size`` rows (1,280 at the
        defaults), e.g. 500 steps on 178 or 214 rows, 1,000 on 336 and 1,500
        on 569, against 3,000 on larger sets (default ``max_epochs`` and
        ``batch_size``); k-means (10
        restarts) clusters its posterior means, and the
        network is trained by cross-entropy of its categorical logits towards
        those clusters (5 epochs and at least 200 steps, at most
        ``2 * max_epochs`` epochs) before JointVAE's own objective refines
        them. The random start often ends below k-means on the raw input;
        the figures are in the generative benchmark (``benchmarks/results/generative.md``).
    hidden_dims : sequence of int, default=(256, 128)
        Encoder hidden widths (the decoder mirrors them).
    activation : {"relu", "leaky_relu", "elu", "gelu", "tanh"}, default="relu"
        Hidden activation.
    max_epochs : int, default=100
        Passes over the training data. With ``init="kmeans"`` the warm-start
        VAE may run up to ``5 * max_epochs`` epochs (see ``init``).
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
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run.
    warm_start_loss_curve_ : list of float
        Mean cross-entropy of each epoch of the k-means warm start (empty
        with ``init="random"``).
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_unsup.decomposition.VAE : Continuous latents only.

    References
    ----------
    .. [1] E. Dupont, "Learning disentangled joint continuous and discrete
       representations", NeurIPS 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.decomposition import JointVAE
    >>> X = load_digits().data / 16
    >>> jvae = JointVAE(n_clusters=10, n_components=4, likelihood="bernoulli", hidden_dims=(32,),
    ...                 max_epochs=2, random_state=0).fit(X)
    >>> jvae.predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "continuous_capacity": [Interval(Real, 0, None, closed="left")],
        "discrete_capacity": [Interval(Real, 0, None, closed="left"), None],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "capacity_ramp": [Interval(Real, 0, 1, closed="right")],
        "usage_weight": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"kmeans", "random"})],
        "hidden_dims": ["array-like"],
        "activation": [StrOptions({"relu", "leaky_relu", "elu", "gelu", "tanh"})],
    }

    def __init__(
        self,
        n_clusters=10,
        n_components=10,
        *,
        likelihood="gaussian",
        temperature=0.67,
        continuous_capacity=5.0,
        discrete_capacity=None,
        gamma=30.0,
        capacity_ramp=0.5,
        usage_weight=30.0,
        init="kmeans",
        hidden_dims=(256, 128),
        activation="relu",
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
        self.n_clusters = n_clusters
        self.n_components = n_components
        self.likelihood = likelihood
        self.temperature = temperature
        self.continuous_capacity = continuous_capacity
        self.discrete_capacity = discrete_capacity
        self.gamma = gamma
        self.capacity_ramp = capacity_ramp
        self.usage_weight = usage_weight
        self.init = init
        self.hidden_dims = hidden_dims
        self.activation = activation
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
        hidden = check_hidden_dims(self.hidden_dims)
        check_n_clusters(self.n_clusters, X.shape[0])
        self._check_training_rows(X)
        rng = check_random_state(self.random_state)
        module_kwargs = dict(
            n_features=X.shape[1],
            n_components=self.n_components,
            n_clusters=self.n_clusters,
            hidden_dims=hidden,
            activation=self.activation,
            likelihood=self.likelihood,
            temperature=self.temperature,
        )
        self.warm_start_loss_curve_ = []
        warm_state = self._kmeans_start(X, module_kwargs, rng) if self.init == "kmeans" else None
        steps = self.max_epochs * math.ceil(X.shape[0] / self.batch_size)
        disc = math.log(self.n_clusters) if self.discrete_capacity is None else self.discrete_capacity
        net = self._build_net(
            module=MLPJointVAE,
            module_kwargs=module_kwargs,
            criterion=JointVAELoss,
            criterion_kwargs=dict(
                continuous_capacity=self.continuous_capacity,
                discrete_capacity=disc,
                gamma=self.gamma,
                ramp_steps=max(1, int(self.capacity_ramp * steps)),
                likelihood=self.likelihood,
                usage_weight=self.usage_weight,
            ),
            random_state=rng,
        )
        load = None if warm_state is None else (lambda net, dataset: net.module_.load_state_dict(warm_state))
        self._train(net, X, epochs=1 if first_block else None, before_training=load)
        self._n_features_out = self.n_components
        self.labels_ = self._predict_validated(X)
        return self

    def _kmeans_start(self, X, module_kwargs, rng):
        """The k-means warm start, a training stage of its own: returns the warm weights of the network.

        A VAE with the same encoder widths (trained for at least ``30 * max_epochs``
        steps but at most ``5 * max_epochs`` epochs, see ``init``) encodes X, k-means clusters its
        posterior means, and the network is trained by cross-entropy of its
        categorical logits towards those clusters (5 epochs, at least 200
        steps) with the estimator's optimizer, callbacks and divergence check.
        """
        from ..cluster._feature_kmeans import feature_kmeans
        from ._vae import VAE

        vae_seed, km_seed, warm_seed = (int(v) for v in rng.randint(np.iinfo(np.int32).max, size=3))
        # half of max_epochs, and at least 30 * max_epochs steps (at most 5 * max_epochs epochs): counted in
        # epochs alone, a small table (few batches per epoch) got too few steps for its codes to cluster well
        n_batches = math.ceil(X.shape[0] / self.batch_size)
        floor_epochs = min(math.ceil(30 * self.max_epochs / n_batches), 5 * self.max_epochs)
        vae_epochs = max(min(10, self.max_epochs), self.max_epochs // 2, floor_epochs)
        vae = VAE(self.n_components, hidden_dims=module_kwargs["hidden_dims"], activation=self.activation,
                  likelihood=self.likelihood, max_epochs=vae_epochs, batch_size=self.batch_size,
                  lr=self.lr, optimizer=self.optimizer, weight_decay=self.weight_decay, callbacks=self.callbacks,
                  device=self.device, random_state=vae_seed, verbose=self.verbose)
        codes = vae.fit_transform(X)
        _, labels, _ = feature_kmeans(codes, self.n_clusters, n_init=10, random_state=km_seed)
        # 5 epochs, and at least 200 steps (small data sets have few batches per epoch), at most twice
        # max_epochs (so that lowering max_epochs shortens every stage)
        n_epochs = min(max(5, math.ceil(200 / n_batches)), 2 * self.max_epochs)
        net = self._build_net(module=MLPJointVAE, module_kwargs=module_kwargs, criterion=CategoricalTargetLoss,
                              random_state=warm_seed, max_epochs=n_epochs)
        self._train(net, X, torch.as_tensor(labels, dtype=torch.long))
        self.warm_start_loss_curve_ = self.loss_curve_
        return {k: v.detach().clone() for k, v in net.module_.state_dict().items()}

    def _check_training_rows(self, X):
        if self.likelihood == "bernoulli":
            check_unit_interval(X, "likelihood='bernoulli'", "likelihood='gaussian' on scaled tables")

    def _after_partial_fit(self, X):
        self.labels_ = self._predict_validated(X)

    def _logits(self, X):
        return self._forward(lambda m, xb: m.encode(xb)[2], X)

    def _predict_validated(self, X):
        return self._logits(X).argmax(axis=1).astype(np.int64)

    def predict(self, X):
        """Most probable value of the discrete latent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._predict_validated(self._validate_predict_data(X))

    def predict_proba(self, X):
        """Posterior over the discrete latent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
        """
        logits = torch.as_tensor(self._logits(self._validate_predict_data(X)), dtype=torch.float64)
        return torch.softmax(logits, dim=1).numpy()

    def transform(self, X):
        """Posterior mean of the continuous latents.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        X = self._validate_predict_data(X)
        return self._forward(lambda m, xb: m.encode(xb)[0], X).astype(X.dtype, copy=False)

    def score(self, X, y=None):
        """Mean log-probability of the most probable cluster (higher = more confident).

        A label-free criterion for ``GridSearchCV``: rewards models that assign
        rows to clusters with certainty.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        proba = self.predict_proba(X)
        return float(np.mean(np.log(np.clip(proba.max(axis=1), 1e-300, None))))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
