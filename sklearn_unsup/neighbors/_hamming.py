"""Exact k nearest neighbours of binary codes in Hamming distance."""

import numpy as np
from sklearn.utils import check_array

from .._kernels._hamming import hamming_knn
from ..utils._sklearn_compat import Integral, Interval, validate_params

__all__ = ["hamming_kneighbors"]

_PACKED = (np.uint8, np.uint64)


def _check_codes(codes, name, dtype=None):
    codes = check_array(codes, dtype=None, order="C", input_name=name)
    if codes.dtype not in _PACKED:
        raise TypeError(
            f"{name} must hold packed binary codes of dtype uint8 (np.packbits, or "
            f"SimilarityCalibratedHashing(output='bits').transform) or uint64, got dtype {codes.dtype}."
        )
    if dtype is not None and codes.dtype != dtype:
        raise TypeError(f"{name} has dtype {codes.dtype}, but codes has dtype {dtype}; use the same packing.")
    return codes


@validate_params(
    {
        "codes": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "exclude_self": ["boolean"],
        "query": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def hamming_kneighbors(codes, *, n_neighbors=5, exclude_self=True, query=None):
    """Exact k nearest neighbours of packed binary codes in Hamming distance.

    The distance of two codes is the number of bits in which they differ:
    the population count of their XOR, one machine instruction per 64 bits.
    Distances are small integers, so each query's k nearest rows are selected
    by a counting sort rather than a heap: the cost is O(n_samples) per query
    whatever ``n_neighbors`` is, and the result is exact, ties broken by index.
    Queries run in parallel over numba's threads.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_bytes) of uint8, or (n_samples, n_words) of uint64
        Reference codes, packed: bytes from ``np.packbits`` (e.g.
        ``SimilarityCalibratedHashing(output="bits").transform``) or 64-bit
        words. Padding bits must be equal in all rows (``np.packbits`` pads
        with zeros).
    n_neighbors : int, default=5
        Neighbours per query row.
    exclude_self : bool, default=True
        When searching ``codes`` within itself, leave each row out of its own
        neighbours (duplicates of the row still count). Ignored with ``query``.
    query : array-like of shape (n_queries, n_bytes or n_words), default=None
        Codes to find neighbours for, packed like ``codes``; None searches
        ``codes`` within itself.

    Returns
    -------
    distances : ndarray of shape (n_queries, n_neighbors) of int64
        Hamming distances, sorted ascending per row (ties by index).
    indices : ndarray of shape (n_queries, n_neighbors) of int64
        Row indices into ``codes``.

    See Also
    --------
    sklearn_unsup.neighbors.kneighbors : Exact kNN of float vectors.
    sklearn_unsup.decomposition.SimilarityCalibratedHashing : Learns binary codes of embeddings.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.neighbors import hamming_kneighbors
    >>> bits = np.array([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    >>> codes = np.packbits(bits, axis=1)
    >>> dist, ind = hamming_kneighbors(codes, n_neighbors=2)
    >>> ind
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    >>> dist
    array([[1, 2],
           [1, 1],
           [1, 2],
           [2, 3]])
    """
    codes = _check_codes(codes, "codes")
    self_search = query is None
    if not self_search:
        query = _check_codes(query, "query", dtype=codes.dtype)
        if query.shape[1] != codes.shape[1]:
            raise ValueError(
                f"query has {query.shape[1]} columns, but codes has {codes.shape[1]} columns."
            )
    exclude = self_search and exclude_self
    available = codes.shape[0] - (1 if exclude else 0)
    if n_neighbors > available:
        raise ValueError(
            f"n_neighbors={n_neighbors} must be at most n_samples{' - 1' if exclude else ''} = {available}."
        )
    if self_search and not exclude_self:
        query = codes
    return hamming_knn(codes, int(n_neighbors), query=query)
