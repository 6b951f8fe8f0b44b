"""Exact k-nearest neighbours as a function (the kNN that SCAN, TLDR and the OOD scorers use)."""

import numpy as np
from sklearn.utils import check_array

from .._kernels import knn_search
from ..utils._sklearn_compat import Integral, Interval, StrOptions, validate_params

__all__ = ["kneighbors"]


@validate_params(
    {
        "X": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "sqeuclidean", "cosine", "inner_product"})],
        "exclude_self": ["boolean"],
        "query": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def kneighbors(X, *, n_neighbors=5, metric="euclidean", exclude_self=True, query=None):
    """Exact k nearest neighbours, faster than a brute-force scikit-learn search.

    Candidates are found tile by tile with BLAS (on centred rows, so data far
    from the origin loses nothing) and reduced by numba heaps, so memory stays
    O(n * n_neighbors); for a search of X within itself only half of the
    distance matrix is computed (it is symmetric). The returned distances are
    recomputed from the rows in float64, so they are exact and do not depend
    on the other rows of the call.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Reference rows. float32 stays float32 (faster), anything else becomes
        float64.
    n_neighbors : int, default=5
        Neighbours per query row.
    metric : {"euclidean", "sqeuclidean", "cosine", "inner_product"}, default="euclidean"
        ``"cosine"`` returns ``1 - cos``; ``"inner_product"`` ranks by the
        largest inner product (SCAN's and TLDR's neighbour mining) and returns
        minus the inner product as the distance.
    exclude_self : bool, default=True
        When searching X within itself, leave each row out of its own
        neighbours (duplicates of the row still count). Ignored with ``query``.
    query : array-like of shape (n_queries, n_features), default=None
        Rows to find neighbours for; None searches X within itself.

    Returns
    -------
    distances : ndarray of shape (n_queries, n_neighbors)
        Sorted ascending per row (ties by index), in X's dtype.
    indices : ndarray of shape (n_queries, n_neighbors) of int64
        Row indices into X.

    See Also
    --------
    sklearn.neighbors.NearestNeighbors : tree and brute-force searches.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.neighbors import kneighbors
    >>> X = np.array([[0.0], [1.0], [3.0], [6.0]])
    >>> dist, ind = kneighbors(X, n_neighbors=2)
    >>> ind
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    """
    X = check_array(X, dtype=[np.float64, np.float32], order="C")
    self_search = query is None
    if not self_search:
        query = check_array(query, dtype=X.dtype, order="C")
        if query.shape[1] != X.shape[1]:
            raise ValueError(
                f"query has {query.shape[1]} features, but X has {X.shape[1]} features."
            )
    available = X.shape[0] - (1 if (self_search and exclude_self) else 0)
    if n_neighbors > available:
        raise ValueError(
            f"n_neighbors={n_neighbors} must be at most n_samples"
            f"{' - 1' if self_search and exclude_self else ''} = {available}."
        )
    return knn_search(
        X, int(n_neighbors), query=query, metric=metric, exclude_self=self_search and exclude_self
    )
