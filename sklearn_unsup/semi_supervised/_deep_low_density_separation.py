"""Deep low-density separation: a network embedding, a one-vs-rest S3VM on it, weighted pseudo-labels, repeat."""

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state

from .._nn import TensorDataset, as_float32_tensor
from .._nn._deep_lds import EmbeddingClassifierNet, WeightedCrossEntropyLoss
from .._torch import BaseTorchEstimator, threads_for, torch_rng, torch_threads
from ..utils._sklearn_compat import Integral, Interval, Real, _fit_context
from ..utils._validation import check_hidden_dims
from ._labels import labelled_accuracy, split_partial_labels
from ._qn_s3vm import ovr_s3vm_scores

__all__ = ["DeepLowDensitySeparation"]


class DeepLowDensitySeparation(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClassifierMixin, BaseTorchEstimator):
    """Semi-supervised classifier: low-density separation (S3VM) on a neural-network embedding.

    A hybrid method: a network (an MLP embedding with a linear classifier
    head) is trained with cross-entropy on the labelled rows; then, for
    ``n_rounds`` rounds, every row is embedded, a one-vs-rest quasi-Newton
    semi-supervised linear SVM (QN-S3VM) is fitted on the embeddings (labelled
    rows with their classes, the other rows unlabelled), its decisions give
    each unlabelled row a pseudo-label and a confidence weight, and the network
    is trained further on the labelled rows and the weighted pseudo-labelled
    ones. The S3VM puts each class boundary where the unlabelled rows are
    sparse (the low-density assumption) rather than propagating labels along a
    neighbour graph; retraining on its labels moves the embedding so that the
    next round's gaps are clearer.

    Rows with ``y == -1`` are unlabelled (scikit-learn's semi-supervised
    convention); with every row labelled it is an MLP classifier.

    Parameters
    ----------
    n_components : int, default=128
        Width of the embedding the S3VM separates (``transform``'s output).
    hidden_dims : sequence of int, default=(256,)
        Hidden widths of the embedding MLP.
    n_rounds : int, default=5
        Rounds of S3VM pseudo-labelling and retraining after the supervised
        start (0: the network trained on the labelled rows only).
    round_epochs : int, default=10
        Passes over all rows in each round.
    s3vm_lambda : float, default=1e-3
        Weight of the S3VM's ``||w||²`` penalty (the embeddings are scaled to
        unit mean squared norm first).
    s3vm_lambda_unlabelled : float, default=1.0
        Weight of the S3VM's unlabelled loss ``exp(-3 f(x)²)``.
    temperature : float, default=0.25
        The S3VM decisions of a row, divided by ``temperature``, go through a
        softmax; its normalised entropy sets the row's confidence weight
        ``1 - H / log(n_classes)``. Lower: more confident weights.
    balance_classes : bool, default=True
        Weigh each row's loss by the inverse frequency of its (pseudo-)class,
        as Iscen et al. do for pseudo-labels.
    s3vm_max_iter : int, default=100
        L-BFGS iterations of each annealing stage of each S3VM.
    dropout : float in [0, 1), default=0.1
        Dropout after each hidden layer (training only).
    max_epochs : int, default=100
        Passes over the training data. Here: over the labelled rows, in the
        supervised start.
    batch_size : int, default=128
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=1e-4
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
    classes_ : ndarray of shape (n_classes,)
        Classes of the labelled rows, sorted.
    transduction_ : ndarray of shape (n_samples,)
        Labels of the training rows: labelled rows keep theirs, the others get
        the final network's prediction.
    labels_ : ndarray of shape (n_samples,)
        The same as ``transduction_`` (the family's name for the training rows' labels).
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        The final network's class probabilities of the training rows.
    pseudo_labels_ : ndarray of shape (n_samples,)
        Labels the last training round used: the S3VM's for the unlabelled
        rows, the given ones for the labelled rows.
    pseudo_label_weights_ : ndarray of shape (n_samples,)
        Confidence weights in [0, 1] of the last round (1 for labelled rows).
    n_rounds_ : int
        Pseudo-labelling rounds run (0 when every row is labelled).
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net; ``net_.module_`` is the embedding and the head.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Number of epochs run, all stages together.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.semi_supervised.SelfTrainingClassifier : Pseudo-labels from a classifier's own confident predictions.
    sklearn.semi_supervised.LabelSpreading : Graph-based label propagation.
    LaplacianKPrototypes : Few-shot labels by Laplacian-regularised prototypes.

    Notes
    -----
    *Adaptations.* The paper's loop is followed (network on the labelled
    rows, embed, one-vs-rest QN-S3VM, confidence-weighted pseudo-labels,
    retrain, repeat). Here: the network is trained further in each round
    rather than from scratch; the confidence of a row is one minus the
    normalised entropy of a softmax of its one-vs-rest S3VM decisions (the
    weight Iscen et al. give propagated labels), with the class weights of
    the same paper (``balance_classes``); the S3VM is linear (the QN-S3VM
    authors' linear-kernel case), solved in the primal with L-BFGS, with each
    class's balance taken from its share of the labelled rows.

    Scale the input (``StandardScaler``): the network is trained with a
    fixed learning rate.

    References
    ----------
    .. [1] M. C. Burkhart and K. Shan, "Deep Low-Density Separation for
       Semi-supervised Classification", ICCS 2020, LNCS 12139, pp. 297-311
       (arXiv:2205.11995).
    .. [2] F. Gieseke, A. Airola, T. Pahikkala and O. Kramer, "Fast and simple
       gradient-based optimization for semi-supervised support vector
       machines", Neurocomputing 123, 2014.
    .. [3] A. Iscen, G. Tolias, Y. Avrithis and O. Chum, "Label Propagation for
       Deep Semi-supervised Learning", CVPR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_unsup.semi_supervised import DeepLowDensitySeparation
    >>> X, y = make_blobs(300, n_features=8, centers=3, random_state=0)
    >>> y_semi = np.full_like(y, -1)
    >>> y_semi[:9] = y[:9]  # nine labelled rows
    >>> model = DeepLowDensitySeparation(n_rounds=2, random_state=0).fit(X, y_semi)
    >>> model.transduction_.shape, model.transform(X[:2]).shape
    ((300,), (2, 128))
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like"],
        "n_rounds": [Interval(Integral, 0, None, closed="left")],
        "round_epochs": [Interval(Integral, 1, None, closed="left")],
        "s3vm_lambda": [Interval(Real, 0, None, closed="neither")],
        "s3vm_lambda_unlabelled": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "balance_classes": ["boolean"],
        "s3vm_max_iter": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        n_components=128,
        *,
        hidden_dims=(256,),
        n_rounds=5,
        round_epochs=10,
        s3vm_lambda=1e-3,
        s3vm_lambda_unlabelled=1.0,
        temperature=0.25,
        balance_classes=True,
        s3vm_max_iter=100,
        dropout=0.1,
        max_epochs=100,
        batch_size=128,
        lr=1e-3,
        optimizer="adam",
        weight_decay=1e-4,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.hidden_dims = hidden_dims
        self.n_rounds = n_rounds
        self.round_epochs = round_epochs
        self.s3vm_lambda = s3vm_lambda
        self.s3vm_lambda_unlabelled = s3vm_lambda_unlabelled
        self.temperature = temperature
        self.balance_classes = balance_classes
        self.s3vm_max_iter = s3vm_max_iter
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the network on the labelled rows, then pseudo-label with the S3VM and retrain, ``n_rounds`` times.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, labelled and unlabelled.
        y : array-like of shape (n_samples,)
            Class of each row, ``-1`` for the unlabelled rows (required).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, first_block=False, y=y)

    def _fit(self, X, *, first_block, y=None):
        X = self._validate_fit_data(X)
        if y is None:
            raise ValueError("DeepLowDensitySeparation requires y to be passed, but the target y is None "
                             "(one label per sample, -1 for the unlabelled ones; some must be labelled).")
        self.classes_, all_codes = split_partial_labels(y, X.shape[0])
        unlabelled = all_codes == -1
        if unlabelled.all():
            raise ValueError("DeepLowDensitySeparation needs labelled rows: every label of y is -1 (unlabelled).")
        labelled = np.flatnonzero(~unlabelled)
        codes = all_codes[labelled]
        k = len(self.classes_)
        rng = check_random_state(self.random_state)
        net = self._build_net(
            module=EmbeddingClassifierNet,
            module_kwargs=dict(n_features=X.shape[1], hidden_dims=check_hidden_dims(self.hidden_dims),
                               n_components=self.n_components, n_classes=k, dropout=float(self.dropout)),
            criterion=WeightedCrossEntropyLoss,
            random_state=rng,
        )
        self._n_features_out = self.n_components
        pseudo = np.zeros(X.shape[0], dtype=np.int64)
        pseudo[labelled] = codes
        confidence = np.ones(X.shape[0])
        self._train(net, X[labelled], self._target(pseudo[labelled], confidence[labelled], k))
        self.n_rounds_ = 0
        for _ in range(self.n_rounds if unlabelled.any() else 0):
            scores = self._s3vm_scores(self._embed(X), labelled, codes, k)
            pseudo[unlabelled], confidence[unlabelled] = self._pseudo_labels(scores[unlabelled], k)
            self._continue(net, X, self._target(pseudo, confidence, k), rng)
            self.n_rounds_ += 1
        self.pseudo_labels_ = self.classes_[pseudo]
        self.pseudo_label_weights_ = confidence
        self.label_distributions_ = self._proba(X)
        transduction = self.classes_[np.argmax(self.label_distributions_, axis=1)]
        transduction[labelled] = self.classes_[codes]
        self.transduction_ = self.labels_ = transduction
        return self

    def _target(self, codes, confidence, k):
        """Per-row (class, weight) target of the weighted cross-entropy."""
        weight = confidence.copy()
        if self.balance_classes:
            counts = np.bincount(codes, minlength=k).astype(np.float64)
            zeta = np.divide(len(codes), np.count_nonzero(counts) * counts, out=np.zeros(k), where=counts > 0)
            weight *= zeta[codes]
        return torch.from_numpy(np.column_stack([codes, weight]).astype(np.float32))

    def _s3vm_scores(self, Z, labelled, codes, k):
        Z = Z - Z.mean(axis=0)
        Z /= max(np.sqrt(np.mean(np.sum(Z * Z, axis=1))), 1e-12)  # unit mean squared norm: lambda means the same
        scores, *_ = ovr_s3vm_scores(Z, labelled, codes, k, lam=float(self.s3vm_lambda),
                                     lam_u=float(self.s3vm_lambda_unlabelled), max_iter=self.s3vm_max_iter)
        return scores

    def _pseudo_labels(self, scores, k):
        """Argmax class and confidence ``1 - H(p) / log k`` of ``p = softmax(scores / temperature)``."""
        p = softmax(scores / float(self.temperature), axis=1)
        if k < 2:
            return np.zeros(len(p), dtype=np.int64), np.ones(len(p))
        entropy = -np.sum(p * np.log(np.clip(p, 1e-300, None)), axis=1)
        return np.argmax(p, axis=1), np.clip(1.0 - entropy / np.log(k), 0.0, 1.0)

    def _continue(self, net, X, target, rng):
        """``round_epochs`` more passes of the net over all rows with the new targets (weights and optimizer kept)."""
        seed = self._seed(rng)
        net.iterator_train__seed = seed  # plain attribute: skorch's set_params would re-initialise
        with torch_rng(self.device_, seed), torch_threads(threads_for(net.module_, self.batch_size, self.device_)):
            net.partial_fit(TensorDataset(as_float32_tensor(X), target), None, epochs=int(self.round_epochs))
        self._record_history(net)

    def _embed(self, X):
        return self._forward(lambda m, xb: m.encode(xb), X).astype(np.float64)

    def _proba(self, X):
        logits = self._forward(lambda m, xb: m(xb)[1], X).astype(np.float64)
        return softmax(logits, axis=1)

    def transform(self, X):
        """Embedding of X (the space the S3VM separates).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to embed.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        X = self._validate_predict_data(X)
        return self._embed(X).astype(X.dtype, copy=False)

    def predict_proba(self, X):
        """Class probabilities of the network's head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return self._proba(self._validate_predict_data(X))

    def predict(self, X):
        """Class of each row (the most probable one).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Values of ``classes_``.
        """
        proba = self.predict_proba(X)  # checks the fit first
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy of ``predict`` on the labelled rows of X (rows with ``y == -1`` are ignored).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : array-like of shape (n_samples,)
            Their classes, ``-1`` for unlabelled rows.
        sample_weight : array-like of shape (n_samples,) or None
            Row weights.

        Returns
        -------
        score : float
        """
        return labelled_accuracy(self, X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
