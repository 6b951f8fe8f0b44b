"""Novel class discovery in tables by Projection-Based NCD (PBN)."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state

from .._nn._pbn import PBNLoss, PBNNet
from .._torch import BaseTorchEstimator
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions, _fit_context
from ..utils._validation import check_hidden_dims
from ._labels import labelled_accuracy, novel_cluster_labels, split_partial_labels
from ._ncd_clustering import estimate_n_clusters, ncd_kmeans

__all__ = ["ProjectionBasedNCD"]


class ProjectionBasedNCD(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClassifierMixin, BaseTorchEstimator):
    """Novel class discovery: known classes labelled, new classes found by k-means on a learned projection.

    Projection-Based NCD (PBN) for tables whose labelled rows cover some classes
    (the *known* classes) and whose unlabelled rows (``y == -1``) belong to other,
    *novel* classes. An MLP encoder (``d -> 3d/4 -> 2d/4 -> n_components``,
    ReLU, batch normalisation, dropout) is trained with a linear classifier of
    the known classes on its output and a mirrored decoder, minimising
    ``w * cross-entropy(labelled rows) + (1 - w) * squared reconstruction error
    (all rows)``: the classifier makes the projection keep what separates
    classes, the reconstruction keeps what describes the unlabelled rows. The
    novel classes are then found by k-means on the projection of the unlabelled
    rows, their number by the silhouette when not given.

    With every row labelled it is a classifier (the MLP head); with ``y=None``
    or every row ``-1`` it is an autoencoder followed by k-means (a clusterer).

    Parameters
    ----------
    n_novel_clusters : int or "auto", default="auto"
        Number of novel classes. ``"auto"``: the k in ``2..max_novel_clusters``
        whose k-means partition of the unlabelled rows' projection has the
        highest mean silhouette (the paper's estimate).
    n_components : int, default=32
        Width of the projection (latent space).
    hidden_dims : sequence of int or None, default=None
        Encoder hidden widths; None gives the authors' ``(3d // 4, 2d // 4)``
        for ``d`` input features (at least 1 each).
    w : float in [0, 1], default=0.5
        Weight of the classification term; ``1 - w`` weighs the reconstruction.
    dropout : float in [0, 1), default=0.1
        Dropout after each hidden block (training only).
    normalize : bool, default=True
        Scale each projection to unit Euclidean norm, in training and for the
        clustering (see Notes).
    clusterer : {"kmeans", "ncd_kmeans"}, default="kmeans"
        ``"kmeans"``: k-means++ on the unlabelled rows (the paper's PBN).
        ``"ncd_kmeans"``: the seeding also counts the known-class means as
        chosen centers, so the new centers start away from the known classes.
    max_novel_clusters : int, default=30
        Largest k tried by ``n_novel_clusters="auto"``.
    n_init : int, default=10
        k-means restarts of the final clustering.
    max_epochs : int, default=200
        Passes over the training data.
    batch_size : int, default=512
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adamw"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=0.01
        L2 penalty passed to the optimizer. AdamW's default decoupled decay, as
        the authors' AdamW.
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
    classes_ : ndarray of shape (n_known_classes + `n_novel_clusters_`,)
        The known classes (sorted) followed by the labels of the novel clusters:
        integers after the largest known class (text labels: ``"novel_0"``, ...).
    known_classes_ : ndarray of shape (n_known_classes,)
        Classes of the labelled rows.
    n_novel_clusters_ : int
        Number of novel clusters found (0 when every row is labelled).
    novel_cluster_scores_ : dict of int to float
        Mean silhouette of each candidate k (``n_novel_clusters="auto"``; else empty).
    labels_ : ndarray of shape (n_samples,)
        Training rows' labels: labelled rows keep their class, unlabelled rows
        get the label of their novel cluster.
    cluster_centers_ : ndarray of shape (`n_novel_clusters_`, n_components)
        Novel cluster centers in the projection.
    known_centers_ : ndarray of shape (n_known_classes, n_components)
        Mean projection of each known class's labelled rows.
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net; ``net_.module_`` is the encoder, classifier and decoder.
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
    sklearn_unsup.model_selection.HiddenClassKFold : Tune the settings on hidden known classes.
    sklearn.semi_supervised.LabelSpreading : Labels for unlabelled rows of the known classes only.

    Notes
    -----
    *Normalisation.* The authors train with the projection scaled to unit
    norm and estimate k on it, but cluster the unscaled encoder output (their
    ``predict_new_data`` skips the norm). Here one space serves training, the
    k estimate, the clustering, ``transform`` and ``predict``: the normalised
    one by default (``normalize=False`` drops the norm everywhere).

    *Prediction.* ``predict`` places a new row in the projection and compares
    its distance to the nearest known-class mean (``known_centers_``) with its
    distance to the nearest novel center (``cluster_centers_``), as the NCD
    k-means view of all classes as centers does. Nearer a novel center: that
    novel cluster. Otherwise: the classifier head's class, the head being
    trained to separate the known classes where their means alone may not.
    ``labels_`` are the transductive labels of the training rows and need not
    equal ``predict`` on them.

    *Settings.* ``w``, ``lr``, ``dropout`` and ``n_components`` are those the
    paper tunes, by cross-validation that hides known classes
    (:class:`~sklearn_unsup.model_selection.HiddenClassKFold` with
    :func:`~sklearn_unsup.model_selection.make_hidden_class_scorer`). The
    reconstruction term is a sum over the features, so its scale grows with
    ``d``; scale the input (``StandardScaler``), as the authors do.

    References
    ----------
    .. [1] C. Troisemaine, A. Reiffers-Masson, S. Gosselin, V. Lemaire and
       S. Vaton, "A Practical Approach to Novel Class Discovery in Tabular
       Data", Data Mining and Knowledge Discovery 38, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_unsup.semi_supervised import ProjectionBasedNCD
    >>> X, y = make_blobs(300, n_features=8, centers=5, random_state=0)
    >>> y_partial = np.where(y < 3, y, -1)  # classes 3 and 4 are novel
    >>> ncd = ProjectionBasedNCD(max_epochs=20, random_state=0).fit(X, y_partial)
    >>> ncd.classes_.tolist()[:3], ncd.transform(X[:2]).shape
    ([0, 1, 2], (2, 32))
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_novel_clusters": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like", None],
        "w": [Interval(Real, 0, 1, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "normalize": ["boolean"],
        "clusterer": [StrOptions({"kmeans", "ncd_kmeans"})],
        "max_novel_clusters": [Interval(Integral, 2, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_novel_clusters="auto",
        *,
        n_components=32,
        hidden_dims=None,
        w=0.5,
        dropout=0.1,
        normalize=True,
        clusterer="kmeans",
        max_novel_clusters=30,
        n_init=10,
        max_epochs=200,
        batch_size=512,
        lr=1e-3,
        optimizer="adamw",
        weight_decay=0.01,
        callbacks=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_novel_clusters = n_novel_clusters
        self.n_components = n_components
        self.hidden_dims = hidden_dims
        self.w = w
        self.dropout = dropout
        self.normalize = normalize
        self.clusterer = clusterer
        self.max_novel_clusters = max_novel_clusters
        self.n_init = n_init
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
        """Train the projection on X and y, then cluster the unlabelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or None
            Class of each row, ``-1`` for the unlabelled rows (whose classes
            are the novel ones); None: every row unlabelled.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, first_block=False, y=y)

    def _fit(self, X, *, first_block, y=None):
        X = self._validate_fit_data(X)
        self.known_classes_, target = split_partial_labels(y, X.shape[0])
        unlabelled = target == -1
        d = X.shape[1]
        hidden = (max(1, 3 * d // 4), max(1, 2 * d // 4)) if self.hidden_dims is None else \
            check_hidden_dims(self.hidden_dims)
        net = self._build_net(
            module=PBNNet,
            module_kwargs=dict(n_features=d, hidden_dims=hidden, n_components=self.n_components,
                               n_classes=len(self.known_classes_), dropout=float(self.dropout),
                               normalize=bool(self.normalize)),
            criterion=PBNLoss,
            criterion_kwargs=dict(w=float(self.w)),
        )
        self._train(net, X, torch.from_numpy(target))
        self._n_features_out = self.n_components
        Z = self._latent(X)
        self.known_centers_ = np.array([Z[target == c].mean(0) for c in range(len(self.known_classes_))]
                                       ).reshape(-1, Z.shape[1])
        assignment = self._cluster_novel(Z[unlabelled])
        novel_labels = novel_cluster_labels(self.known_classes_, self.n_novel_clusters_)
        self.classes_ = np.concatenate([self.known_classes_, novel_labels])
        labels = np.empty(X.shape[0], dtype=self.classes_.dtype)
        labels[~unlabelled] = self.known_classes_[target[~unlabelled]]
        labels[unlabelled] = novel_labels[assignment]
        self.labels_ = labels
        return self

    def _cluster_novel(self, Zu):
        rng = check_random_state(self.random_state)
        rng.randint(np.iinfo(np.int32).max)  # the training seed's draw: the clustering draws after it
        n_u = Zu.shape[0]
        self.novel_cluster_scores_ = {}
        if n_u == 0:
            k = 0
        elif self.n_novel_clusters == "auto":
            k, self.novel_cluster_scores_ = estimate_n_clusters(Zu, self.max_novel_clusters, random_state=rng)
        else:
            k = int(self.n_novel_clusters)
            if k > n_u:
                raise ValueError(f"n_novel_clusters={k} is larger than the number of unlabelled rows ({n_u}).")
        self.n_novel_clusters_ = k
        if k == 0:
            self.cluster_centers_ = np.empty((0, Zu.shape[1]))
            return np.empty(0, dtype=np.int64)
        if self.clusterer == "ncd_kmeans":
            km = ncd_kmeans(Zu, self.known_centers_, k, n_init=self.n_init, random_state=rng)
        else:
            km = KMeans(k, n_init=self.n_init, random_state=int(rng.randint(np.iinfo(np.int32).max))).fit(Zu)
        self.cluster_centers_ = km.cluster_centers_
        return km.labels_

    def _latent(self, X):
        return self._forward(lambda m, xb: m.encode(xb), X).astype(np.float64)

    def transform(self, X):
        """Projection of X (the latent space the novel classes are clustered in).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to project.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        X = self._validate_predict_data(X)
        return self._latent(X).astype(X.dtype, copy=False)

    def predict(self, X):
        """Known class or novel cluster of each row (see Notes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Values of ``classes_``.
        """
        X = self._validate_predict_data(X)
        n_known = len(self.known_classes_)
        if n_known:
            logits = self._forward(lambda m, xb: m(xb)[1], X)
            labels = self.known_classes_[np.argmax(logits, axis=1)]
        if not self.n_novel_clusters_:
            return labels
        Z = self._latent(X)
        d_novel = ((Z[:, None, :] - self.cluster_centers_[None]) ** 2).sum(-1)
        novel = self.classes_[n_known:][np.argmin(d_novel, axis=1)]
        if not n_known:
            return novel
        d_known = ((Z[:, None, :] - self.known_centers_[None]) ** 2).sum(-1)
        labels = labels.astype(self.classes_.dtype)
        is_novel = d_novel.min(1) < d_known.min(1)
        labels[is_novel] = novel[is_novel]
        return labels

    def score(self, X, y, sample_weight=None):
        """Accuracy of ``predict`` on the labelled rows of X (rows with ``y == -1`` are ignored).

        A fold of :class:`~sklearn_unsup.model_selection.HiddenClassKFold` holds
        classes the model never saw, whose accuracy is 0: tune with
        :func:`~sklearn_unsup.model_selection.make_hidden_class_scorer` instead.

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

    def fit_predict(self, X, y=None):
        """Fit on X and y and return the training rows' labels (``labels_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or None
            Class of each row, ``-1`` for the unlabelled rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X, y).labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
