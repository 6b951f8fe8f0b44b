"""The documented default encoder step of the deep clusterers: a UMAP embedding (the N2D recipe)."""

from sklearn.pipeline import Pipeline

__all__ = ["make_umap_pipeline"]


def make_umap_pipeline(clusterer, *, n_components=10, n_neighbors=20, min_dist=0.0, metric="euclidean",
                       random_state=None):
    """``Pipeline([("umap", UMAP(...)), ("cluster", clusterer)])``: cluster a UMAP embedding.

    On raw pixels or other high-dimensional tables whose clusters lie on
    curved manifolds, the deep clusterers do markedly better on a
    low-dimensional UMAP embedding (McConville et al.'s N2D recipe: 10
    components, ``min_dist=0`` so that clusters stay compact) than on the raw
    features (see ``benchmarks/results/clustering.md``). UMAP is fitted inside the
    pipeline, so ``fit_predict``, ``GridSearchCV``, ``clone`` and pickling
    work as for any pipeline, and ``predict`` on new rows uses UMAP's
    ``transform``. The deep clusterers hold the same stage inside the
    estimator (``encoder="umap"``, and ``encoder="auto"`` on at least 1,000
    rows of at least 20 features); fed this pipeline's 10-d codes, their
    ``"auto"`` keeps the codes as they are.

    Parameters
    ----------
    clusterer : estimator
        Any clusterer (ours or scikit-learn's).
    n_components : int, default=10
        UMAP dimensions.
    n_neighbors : int, default=20
        UMAP's neighbourhood size.
    min_dist : float, default=0.0
        UMAP's minimum distance between embedded points.
    metric : str, default="euclidean"
        UMAP's metric (``"cosine"`` for sentence embeddings).
    random_state : int or None, default=None
        Seed of UMAP (set the clusterer's own ``random_state`` separately).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"umap"`` and ``"cluster"``.

    References
    ----------
    .. [1] R. McConville, R. Santos-Rodriguez, R. J. Piechocki and I. Craddock,
       "N2D: (Not Too) Deep Clustering via Clustering the Local Manifold of an
       Autoencoded Embedding", ICPR 2020.
    .. [2] L. McInnes, J. Healy and J. Melville, "UMAP: Uniform Manifold
       Approximation and Projection for Dimension Reduction", 2018.

    Examples
    --------
    >>> from sklearn_unsup.cluster import SCAN, make_umap_pipeline
    >>> pipe = make_umap_pipeline(SCAN(n_clusters=10, random_state=0), random_state=0)
    >>> [name for name, _ in pipe.steps]
    ['umap', 'cluster']
    """
    import umap

    reducer = umap.UMAP(n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist, metric=metric,
                        random_state=random_state)
    return Pipeline([("umap", reducer), ("cluster", clusterer)])
