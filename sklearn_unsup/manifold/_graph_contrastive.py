"""GRACE: contrastive GCN encoder on the kNN graph of the rows."""

from numbers import Real

from .._nn import GraceLoss, GraceNet, GraphViewIterator, GraphViews, to_sparse_tensor
from .._torch import BaseTorchEstimator
from ..utils._sklearn_compat import Integral, Interval, StrOptions
from ..utils._validation import check_hidden_dims
from ._graph_base import GraphEncoderBase

__all__ = ["GraphContrastiveEncoder"]


def _check_pair(value, name):
    """A pair of drop probabilities in [0, 1) (one float is used for both views)."""
    pair = (value, value) if isinstance(value, Real) else value
    try:
        pair = tuple(float(p) for p in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a float or a pair of floats in [0, 1), got {value!r}.") from None
    if len(pair) != 2 or not all(0.0 <= p < 1.0 for p in pair):
        raise ValueError(f"{name} must be a float or a pair of floats in [0, 1), got {value!r}.")
    return pair


class GraphContrastiveEncoder(GraphEncoderBase):
    """GRACE: graph contrastive representation learning on the kNN graph of the rows.

    The rows are the nodes of their symmetrised ``n_neighbors``-nearest-neighbour
    graph (exact search) and X their features, as in
    :class:`GraphAutoEncoder`. Each training step draws two views of the
    graph: every directed edge is dropped with probability ``edge_drop[v]`` and
    whole feature columns are zeroed with probability ``feature_drop[v]`` (one
    mask shared by all rows). A two-layer graph convolutional network encodes
    each view, a projection head (``Linear -> ELU -> Linear``) maps the codes,
    and the loss asks each row's projection in one view to find its own in
    the other among every other row of both views (cosine similarity over
    ``temperature``; the NT-Xent loss with inter- and intra-view negatives,
    symmetrised). The embedding is the encoder's output on the full graph.

    The loss compares every pair of a step's rows, O(batch_size²) time and
    memory: up to ``batch_size`` training rows a step holds them all (the
    authors' full-batch loss, one step per epoch); above, each epoch splits
    the rows into random batches of ``batch_size`` (1,024 by default: the
    full n x n loss took 0.9 s per epoch on 3,823 rows on 2 CPU cores), and a
    row's negatives are the rows of its batch. Each step still encodes the
    whole graph (two sparse products per layer and view), so the graph costs
    O(n k) memory and an epoch O(n k d * n / batch_size) time. Adapted from
    the paper, which takes the graph as given.

    Defaults: the authors' architecture, optimiser (Adam, lr 5e-4, weight
    decay 1e-5) and loss; views, temperature, activation, batch size and
    epochs were chosen on optdigits_train (10-NN accuracy of the 16-d codes
    after 100 epochs, batches of 1,024): Cora's settings (feature masking
    .3/.4, edges .2/.4, ``temperature=0.4``, ReLU) gave .967, PReLU and
    ``temperature=0.9`` .972, edge dropping alone at (.4, .6) .978, with
    ``temperature=0.5`` .979 (200 epochs: .979). The ReLU after the last layer
    left 2 of 16 codes always zero; with PReLU none.

    ``transform`` works as in :class:`GraphAutoEncoder`: a new row is linked
    to the training rows it would have been linked to, never to the other new
    rows, and propagated with the training rows' cached activations, so a
    row's code depends on that row only; a training row gets back its
    ``embedding_`` (up to float32 rounding and ties in the distances).

    Parameters
    ----------
    n_components : int, default=16
        Dimension of the codes (the encoder's last layer, the authors'
        ``num_hidden``).
    n_neighbors : int, default=10
        Neighbours per row in the kNN graph (clipped, with a warning, to
        ``n_samples - 1``).
    metric : {"euclidean", "cosine"}, default="euclidean"
        How neighbours are ranked.
    hidden_dims : sequence of int or None, default=None
        Widths of the hidden GCN layers; None is the authors' two-layer
        encoder, ``(2 * n_components,)``.
    projection_dim : int, default=128
        Hidden width of the projection head (the authors' ``num_proj_hidden``).
    activation : {"relu", "prelu"}, default="prelu"
        Activation after every GCN layer, the last included (one PReLU slope
        per layer).
    edge_drop : float or pair of float, default=(0.4, 0.6)
        Probability of dropping each edge in the first and second view.
    feature_drop : float or pair of float, default=(0.0, 0.0)
        Probability of zeroing each feature column in the first and second view.
    temperature : float, default=0.5
        Temperature of the contrastive loss.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=1024
        Rows per optimisation step. They are the anchors and negatives of the
        step's loss; each step encodes the whole graph (see above).
    lr : float, default=5e-4
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=1e-5
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
        seed gives identical results on CPU. The two views of each step are drawn
        from that generator.
    verbose : int, default=0
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        Codes of the training rows on their full graph.
    graph_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The propagation matrix ``D^-1/2 (A + I) D^-1/2`` of the training rows.
    n_neighbors_ : int
        Neighbours per row used (``n_neighbors`` clipped to ``n_samples - 1``).
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net; ``net_.module_.encoder`` is the GCN encoder.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    GraphAutoEncoder : The same graph and encoder, trained to reconstruct the edges (VGAE).
    ContrastiveEncoder : Contrastive MLP encoder with views made by corrupting single rows.
    TLDR : Parametric encoder trained on neighbour pairs.

    References
    ----------
    .. [1] Y. Zhu, Y. Xu, F. Yu, Q. Liu, S. Wu and L. Wang, "Deep graph contrastive
       representation learning", ICML Workshop on Graph Representation Learning
       and Beyond, 2020. arXiv:2006.04131.
    .. [2] T. Chen, S. Kornblith, M. Norouzi and G. Hinton, "A simple framework for
       contrastive learning of visual representations", ICML 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.manifold import GraphContrastiveEncoder
    >>> X = load_digits().data / 16
    >>> grace = GraphContrastiveEncoder(n_components=8, max_epochs=5, random_state=0)
    >>> grace.fit_transform(X).shape
    (1797, 8)
    >>> grace.transform(X[:3]).shape
    (3, 8)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "hidden_dims": ["array-like", None],
        "projection_dim": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "prelu"})],
        "edge_drop": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "feature_drop": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_components=16,
        *,
        n_neighbors=10,
        metric="euclidean",
        hidden_dims=None,
        projection_dim=128,
        activation="prelu",
        edge_drop=(0.4, 0.6),
        feature_drop=(0.0, 0.0),
        temperature=0.5,
        max_epochs=100,
        batch_size=1024,
        lr=5e-4,
        optimizer="adam",
        weight_decay=1e-5,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.hidden_dims = hidden_dims
        self.projection_dim = projection_dim
        self.activation = activation
        self.edge_drop = edge_drop
        self.feature_drop = feature_drop
        self.temperature = temperature
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _gcn_encoder(self):
        return self.net_.module_.encoder

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        hidden = (2 * self.n_components,) if self.hidden_dims is None else check_hidden_dims(self.hidden_dims)
        edge_drop = _check_pair(self.edge_drop, "edge_drop")
        feature_drop = _check_pair(self.feature_drop, "feature_drop")
        views = GraphViews(self._build_graph(X).adjacency, edge_drop, feature_drop)
        net = self._build_net(
            module=GraceNet,
            module_kwargs=dict(n_features=X.shape[1], hidden_dims=hidden, n_components=self.n_components,
                               projection_dim=self.projection_dim, activation=self.activation),
            criterion=GraceLoss,
            criterion_kwargs=dict(temperature=self.temperature),
            iterator=GraphViewIterator,
        )
        self._train(net, X, epochs=1 if first_block else None, before_training=views.attach)
        self._store_codes(X, to_sparse_tensor(self.graph_))
        return self
