"""(Variational) graph autoencoder on the kNN graph of the rows."""

from .._nn import GCNEncoder, GraphAutoEncoderLoss, GraphBatchIterator, GraphTargets
from .._torch import BaseTorchEstimator
from ..utils._sklearn_compat import Integral, Interval, StrOptions
from ..utils._validation import check_hidden_dims
from ._graph_base import GraphEncoderBase

__all__ = ["GraphAutoEncoder"]


class GraphAutoEncoder(GraphEncoderBase):
    """Variational graph autoencoder (VGAE) on the kNN graph of the rows.

    The rows are the nodes of their symmetrised ``n_neighbors``-nearest-neighbour
    graph ``A`` (exact search) and X their features. A two-layer graph
    convolutional network on ``Â = D^-1/2 (A + I) D^-1/2`` encodes each row
    into a Gaussian ``N(mu, sigma²)`` of ``n_components`` dimensions, and the
    inner product of two rows' codes predicts whether they are linked: the
    loss is the class-balanced cross-entropy of ``sigmoid(z_i · z_j)`` against
    ``A + I`` plus the KL divergence to ``N(0, I)`` divided by the number of
    rows, as in the authors' code. The codes of linked rows align, so rows of
    one dense region of the graph share a direction. The embedding is ``mu``.
    ``variational=False`` is the plain graph autoencoder (GAE).

    Training is full-batch as the authors' (one optimisation step per epoch
    with the default ``batch_size``). The loss scores every pair of rows (the
    dense ``n x n`` reconstruction) up to 10,000 training rows; above, each
    edge is contrasted with one random pair (negative sampling), so memory
    stays O(n k). Adapted from the paper, which takes the graph as given.

    ``fit_transform`` returns ``embedding_``, the codes of the training rows
    computed on their graph. ``transform`` links each new row to the training
    rows it would have been linked to (its ``n_neighbors`` nearest, and those
    that would count it among theirs), never to the other new rows, and
    propagates through the network with the training rows' cached
    activations; the training rows are left as they are. A row's code
    depends on that row only, and a training row gets back its
    ``embedding_`` (up to float32 rounding and ties in the distances).

    Parameters
    ----------
    n_components : int, default=16
        Dimension of the codes (the authors' ``hidden2``).
    n_neighbors : int, default=10
        Neighbours per row in the kNN graph (clipped, with a warning, to
        ``n_samples - 1``).
    metric : {"euclidean", "cosine"}, default="euclidean"
        How neighbours are ranked.
    hidden_dims : sequence of int, default=(32,)
        Widths of the hidden GCN layers (the authors' ``hidden1``).
    variational : bool, default=True
        VGAE (Gaussian codes, KL term); ``False`` gives the graph autoencoder (GAE).
    max_epochs : int, default=200
        Passes over the training data.
    batch_size : int, default=100_000
        Rows per optimisation step. Each step propagates over the whole graph
        and reconstructs the edges of that many rows; with at least as many as
        the training rows (the default, for most data sets) an epoch is one
        full-batch step, as in the authors' code.
    lr : float, default=0.01
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
    embedding_ : ndarray of shape (n_samples, n_components)
        Codes (``mu``) of the training rows on their graph.
    graph_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The propagation matrix ``D^-1/2 (A + I) D^-1/2`` of the training rows.
    n_neighbors_ : int
        Neighbours per row used (``n_neighbors`` clipped to ``n_samples - 1``).
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net; ``net_.module_`` is the GCN encoder.
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
    sklearn.manifold.SpectralEmbedding : Eigenvectors of the same kind of graph.
    sklearn_unsup.manifold.TLDR : Parametric encoder trained on neighbour pairs.
    umap.UMAP : Non-parametric neighbour-graph embedding.

    References
    ----------
    .. [1] T. N. Kipf and M. Welling, "Variational graph auto-encoders", NIPS
       Workshop on Bayesian Deep Learning, 2016. arXiv:1611.07308.
    .. [2] T. N. Kipf and M. Welling, "Semi-supervised classification with graph
       convolutional networks", ICLR 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_unsup.manifold import GraphAutoEncoder
    >>> X = load_digits().data / 16
    >>> gae = GraphAutoEncoder(n_components=8, max_epochs=20, random_state=0)
    >>> gae.fit_transform(X).shape
    (1797, 8)
    >>> gae.transform(X[:3]).shape
    (3, 8)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "hidden_dims": ["array-like"],
        "variational": ["boolean"],
    }

    #: Above this many training rows the loss samples negative pairs instead of scoring all n² pairs.
    _dense_max_rows = 10_000

    def __init__(
        self,
        n_components=16,
        *,
        n_neighbors=10,
        metric="euclidean",
        hidden_dims=(32,),
        variational=True,
        max_epochs=200,
        batch_size=100_000,
        lr=0.01,
        optimizer="adam",
        weight_decay=0.0,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.hidden_dims = hidden_dims
        self.variational = variational
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
        self._build_graph(X)
        targets = GraphTargets(self.graph_, negative_sampling=X.shape[0] > self._dense_max_rows)
        net = self._build_net(
            module=GCNEncoder,
            module_kwargs=dict(n_features=X.shape[1], hidden_dims=hidden, n_components=self.n_components,
                               variational=self.variational),
            criterion=GraphAutoEncoderLoss,
            iterator=GraphBatchIterator,
        )
        self._train(net, X, epochs=1 if first_block else None, before_training=targets.attach)
        self._store_codes(X, targets.adj)
        return self
