"""k-nearest neighbours as a function (the kNN that SCAN, TLDR and the OOD scorers use): exact or IVF."""

import numpy as np
from sklearn.utils import check_array, check_random_state

from .._kernels import knn_search
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions, validate_params

__all__ = ["kneighbors"]


@validate_params(
    {
        "X": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "sqeuclidean", "cosine", "inner_product"})],
        "exclude_self": ["boolean"],
        "query": ["array-like", None],
        "algorithm": [StrOptions({"exact", "ivf"})],
        "target_recall": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def kneighbors(X, *, n_neighbors=5, metric="euclidean", exclude_self=True, query=None, algorithm="exact",
               target_recall=0.96, random_state=None):
    """k nearest neighbours: exact, faster than a brute-force scikit-learn search, or approximate (IVF).

    Candidates are found tile by tile with BLAS (on centred rows, so data far
    from the origin loses nothing) and reduced by numba heaps, so memory stays
    O(n * n_neighbors); for a search of X within itself only half of the
    distance matrix is computed (it is symmetric). The returned distances are
    recomputed from the rows in float64, so they are exact and do not depend
    on the other rows of the call.

    ``algorithm="ivf"`` builds an inverted-file index instead (H. Jegou, M.
    Douze and C. Schmid, IEEE TPAMI 2011): Lloyd's k-means on a sample puts
    the rows in about ``sqrt(n)`` cells, and the rows of a query's cell are
    compared (by the same BLAS tiles and heaps) with the rows of the cells
    whose centres are nearest; for a search of X within itself each pair of
    cells is computed once for both. How many cells are searched is chosen
    per call: the exact neighbours of 1,000 sampled query rows tell, for every
    number of cells, which fraction of them would be found, and the smallest
    number reaching ``target_recall`` is used. Time then grows about as
    ``n^1.5``-``n^1.7`` instead of ``n^2`` (benchmarks/bench_scaling.py).

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
    algorithm : {"exact", "ivf"}, default="exact"
        Exact search, or the approximate IVF index (worth it above some
        100,000 rows; :func:`mine_neighbors` switches at 200,000).
    target_recall : float in (0, 1], default=0.96
        IVF only: the recall@k, estimated on a sample of the query rows, that
        chooses how many cells are searched (1.0 may search them all).
    random_state : int, RandomState instance or None, default=None
        IVF only: draws the k-means sample and initial centres (an int gives
        the same neighbours on every call).

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
    if algorithm == "ivf":
        from .._kernels._ivf import ivf_search

        return ivf_search(X, int(n_neighbors), query=query, metric=metric,
                          exclude_self=self_search and exclude_self, target_recall=float(target_recall),
                          random_state=check_random_state(random_state))
    return knn_search(
        X, int(n_neighbors), query=query, metric=metric, exclude_self=self_search and exclude_self
    )
