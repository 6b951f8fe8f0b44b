"""Label-free scorers for ``GridSearchCV(scoring=...)``: cluster validity, reconstruction, likelihood."""

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from sklearn.pipeline import Pipeline
from sklearn.utils import check_array

from ..utils._sklearn_compat import StrOptions, validate_params
from ._silhouette import silhouette_score

__all__ = [
    "ClusterValidityScorer",
    "calinski_harabasz_scorer",
    "davies_bouldin_scorer",
    "dbcv_scorer",
    "log_likelihood_scorer",
    "make_cluster_scorer",
    "reconstruction_scorer",
    "silhouette_scorer",
]


def _labels(estimator, X):
    """Cluster labels of X: ``predict`` if the clusterer has it, else ``labels_`` of a transductive fit on X."""
    if hasattr(estimator, "predict"):
        return np.asarray(estimator.predict(X))
    labels = getattr(estimator, "labels_", None)
    if labels is None and isinstance(estimator, Pipeline):
        labels = getattr(estimator[-1], "labels_", None)
    if labels is not None and len(labels) == len(X):
        return np.asarray(labels)
    raise TypeError(
        f"{type(estimator).__name__} has no predict method, so it cannot label held-out rows; score it "
        "transductively (fit and score on the same rows: GridSearchCV(cv=[(all_rows, all_rows)]))."
    )


def _integer_labels(labels):
    """Numeric labels as they are (-1 = noise); any others (strings, objects) encoded as 0..m-1, no noise."""
    if labels.dtype.kind in "biuf":
        return labels
    return np.unique(labels, return_inverse=True)[1].reshape(-1)


def _embedding(estimator, X, space):
    X = check_array(X, dtype=[np.float64, np.float32])
    if space == "input" or not isinstance(estimator, Pipeline) or len(estimator) < 2:
        return X
    return check_array(estimator[:-1].transform(X), dtype=[np.float64, np.float32])


_VALIDITY = {
    "silhouette": lambda Z, labels, metric: silhouette_score(Z, labels, metric=metric),
    "calinski_harabasz": lambda Z, labels, metric: calinski_harabasz_score(Z, labels),
    "davies_bouldin": lambda Z, labels, metric: -davies_bouldin_score(Z, labels),
    "dbcv": lambda Z, labels, metric: _dbcv(Z, labels, metric),
}


def _dbcv(Z, labels, metric):
    from hdbscan.validity import validity_index

    if np.sum(labels >= 0) < 2 or len(np.unique(labels[labels >= 0])) < 2:
        return -1.0
    return float(validity_index(np.ascontiguousarray(Z, dtype=np.float64), labels, metric=metric))


class ClusterValidityScorer:
    """A scorer ``scorer(estimator, X, y=None) -> float`` (higher is better) from a cluster-validity index.

    Built by :func:`make_cluster_scorer`; the module-level ``*_scorer``
    objects are instances with the default settings.

    Parameters
    ----------
    index : {"silhouette", "calinski_harabasz", "davies_bouldin", "dbcv"}
        The validity index (Davies-Bouldin is negated so that higher is better).
    space : {"input", "embedding"}
        Where distances are measured: the rows given to the estimator, or,
        for a Pipeline, the rows after all steps but the last (the space the
        clusterer saw).
    metric : {"euclidean", "cosine"}
        Distance of the silhouette and DBCV indices.
    degenerate_score : float
        Returned when the labels have fewer than two clusters (the index is
        undefined there; a low value makes GridSearchCV avoid such settings).
    """

    def __init__(self, index, space="input", metric="euclidean", degenerate_score=-1.0):
        self.index = index
        self.space = space
        self.metric = metric
        self.degenerate_score = degenerate_score

    def __call__(self, estimator, X, y=None):
        labels = _integer_labels(_labels(estimator, X))
        Z = _embedding(estimator, X, self.space)
        kept = labels >= 0 if self.index != "dbcv" else np.ones(len(labels), dtype=bool)  # -1 = noise
        n_clusters = len(np.unique(labels[labels >= 0]))
        if n_clusters < 2 or n_clusters > kept.sum() - 1:
            return float(self.degenerate_score)
        return float(_VALIDITY[self.index](Z[kept], labels[kept], self.metric))

    def __repr__(self):
        return (f"make_cluster_scorer({self.index!r}, space={self.space!r}, metric={self.metric!r})")


@validate_params(
    {
        "index": [StrOptions(set(_VALIDITY))],
        "space": [StrOptions({"input", "embedding"})],
        "metric": [StrOptions({"euclidean", "cosine"})],
    },
    prefer_skip_nested_validation=True,
)
def make_cluster_scorer(index="silhouette", *, space="input", metric="euclidean"):
    """Make a label-free scorer for choosing clustering settings with ``GridSearchCV``.

    The scorer labels the rows with the fitted clusterer (``predict``; a
    clusterer without it is scored transductively from ``labels_``), and
    returns the validity index of that partition, higher = better:

    - ``"silhouette"`` (the package's O(n)-memory kernel): rewards compact,
      well-separated convex clusters; misleads on curved or nested clusters
      and favours few clusters when groups touch.
    - ``"calinski_harabasz"``: between- over within-cluster dispersion; fast;
      rewards convex clusters and grows with k on data without structure.
    - ``"davies_bouldin"`` (negated): average worst-case similarity of each
      cluster to another; also convex-cluster biased.
    - ``"dbcv"`` (density-based cluster validity, via ``hdbscan``): rewards
      dense clusters separated by sparse regions, of any shape, and handles the
      noise label -1; use it for HDBSCAN/DBSCAN. O(n^2) time.

    With ``space="embedding"`` a Pipeline is scored in the space its clusterer
    saw (after UMAP/TLDR/an encoder): the right choice for ``n_clusters`` with
    a fixed embedding; ``space="input"`` compares settings that change the
    embedding itself on common ground.

    Parameters
    ----------
    index : {"silhouette", "calinski_harabasz", "davies_bouldin", "dbcv"}, default="silhouette"
        The validity index.
    space : {"input", "embedding"}, default="input"
        Where the index measures distances.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance for silhouette and DBCV.

    Returns
    -------
    scorer : ClusterValidityScorer
        Callable ``scorer(estimator, X, y=None) -> float``.

    References
    ----------
    .. [1] P. J. Rousseeuw, "Silhouettes: a graphical aid to the interpretation and
       validation of cluster analysis", J. Comput. Appl. Math., 1987.
    .. [2] T. Calinski and J. Harabasz, "A dendrite method for cluster analysis", 1974.
    .. [3] D. L. Davies and D. W. Bouldin, "A cluster separation measure", IEEE TPAMI, 1979.
    .. [4] D. Moulavi, P. A. Jaskowiak, R. J. G. B. Campello, A. Zimek and J. Sander,
       "Density-based clustering validation", SDM 2014.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_unsup.metrics import make_cluster_scorer
    >>> X, _ = make_blobs(300, centers=4, random_state=0)
    >>> search = GridSearchCV(KMeans(n_init=3, random_state=0), {"n_clusters": [2, 3, 4, 5, 6]},
    ...                       scoring=make_cluster_scorer("silhouette")).fit(X)
    >>> search.best_params_
    {'n_clusters': 4}
    """
    return ClusterValidityScorer(index, space=space, metric=metric)


silhouette_scorer = ClusterValidityScorer("silhouette")
calinski_harabasz_scorer = ClusterValidityScorer("calinski_harabasz")
davies_bouldin_scorer = ClusterValidityScorer("davies_bouldin")
dbcv_scorer = ClusterValidityScorer("dbcv")


def reconstruction_scorer(estimator, X, y=None):
    """Minus the mean squared reconstruction error ``|x - inverse_transform(transform(x))|^2`` per row.

    For transformers with ``inverse_transform`` (PCA, the autoencoders, VAE,
    TLDR's linear case, a Pipeline of such steps). Rewards keeping
    information; it always prefers more components, so compare settings of
    equal size (architecture, epochs, regularisation) or read the curve for
    its elbow rather than its maximum.

    Parameters
    ----------
    estimator : fitted transformer with ``inverse_transform``
        The model.
    X : array-like of shape (n_samples, n_features)
        Rows (held out, in cross-validation).
    y : None
        Ignored.

    Returns
    -------
    score : float
    """
    if not hasattr(estimator, "inverse_transform"):
        raise TypeError(f"reconstruction_scorer needs inverse_transform; {type(estimator).__name__} has none.")
    X = check_array(X, dtype=[np.float64, np.float32])
    X_rec = np.asarray(estimator.inverse_transform(estimator.transform(X)), dtype=np.float64)
    return -float(np.mean(np.sum((X - X_rec) ** 2, axis=1)))


def log_likelihood_scorer(estimator, X, y=None):
    """Mean held-out log-likelihood per row, ``mean(score_samples(X))``.

    For density models (:class:`~sklearn.mixture.GaussianMixture`,
    :class:`~sklearn.neighbors.KernelDensity`, RealNVP; the VAE's
    ``score_samples`` is its ELBO or importance-sampled bound). Rewards the
    model that explains unseen rows best: the principled choice of the
    number of mixture components, flow depth or latent size. Misleads when a
    model puts density spikes on duplicated or discretised values
    (pixels, counts): the likelihood is unbounded there; add noise
    (dequantise) first.

    Parameters
    ----------
    estimator : fitted density model with ``score_samples``
        The model.
    X : array-like of shape (n_samples, n_features)
        Rows (held out, in cross-validation).
    y : None
        Ignored.

    Returns
    -------
    score : float
    """
    if not hasattr(estimator, "score_samples"):
        raise TypeError(f"log_likelihood_scorer needs score_samples; {type(estimator).__name__} has none.")
    return float(np.mean(estimator.score_samples(X)))
