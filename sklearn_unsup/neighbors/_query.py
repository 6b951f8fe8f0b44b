"""Query by example: the rows most similar to a few example rows (finding more of a rare kind)."""

import numpy as np
from sklearn.utils import check_array

from .._kernels import knn_search
from ..utils._sklearn_compat import Integral, Interval, StrOptions, validate_params

__all__ = ["query_by_example"]


@validate_params(
    {
        "X": ["array-like"],
        "examples": ["array-like"],
        "n_results": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"cosine", "euclidean"})],
        "combine": [StrOptions({"max", "mean"})],
        "exclude_examples": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def query_by_example(X, examples, *, n_results=50, metric="cosine", combine="mean", exclude_examples=True):
    """Rank the rows of X by their similarity to a few example rows.

    The retrieval step of rare-class search in embedding spaces: tag one to
    five rows of the kind you are after (a rare galaxy morphology, a fraud
    pattern, a topic) and read the ranked list. Each row's similarity is the
    mean of its similarities to the examples (``combine="mean"``: rows close
    to all of them; the more precise on sentence embeddings) or its
    similarity to the nearest example (``"max"``: every variant the examples
    cover). Exact, O(n_samples * n_examples) through the package's kNN
    kernel.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows to search (embedding vectors, or standardised table rows).
    examples : array-like of shape (n_examples,) of int or (n_examples, n_features)
        Row indices into X, or the example rows themselves.
    n_results : int, default=50
        Length of the ranked list (at most the number of candidate rows).
    metric : {"cosine", "euclidean"}, default="cosine"
        Similarity is the cosine, or minus the Euclidean distance.
    combine : {"mean", "max"}, default="mean"
        How the similarities to several examples make one score.
    exclude_examples : bool, default=True
        Leave the examples out of the results when given as indices.

    Returns
    -------
    indices : ndarray of shape (n_results,) of int64
        Rows of X, most similar first (ties by index).
    similarities : ndarray of shape (n_results,)
        Their combined similarity.

    See Also
    --------
    sklearn_unsup.neighbors.kneighbors : the nearest rows of every row.
    sklearn_unsup.ood.KNNDetector : rarity as the distance to the k-th neighbour.

    References
    ----------
    .. [1] M. Walmsley and A. M. M. Scaife, "Rare galaxy classes identified in
       foundation model representations", NeurIPS 2023 workshop on Machine
       Learning and the Physical Sciences (similarity search from a few tagged
       galaxies; this function is the generic retrieval step, not the paper's
       clustering).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.neighbors import query_by_example
    >>> X = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> query_by_example(X, [0], n_results=2)[0]
    array([1, 3])
    """
    X = check_array(X, dtype=[np.float64, np.float32], order="C")
    examples = np.asarray(examples)
    if examples.ndim == 1:
        if examples.size == 0 or not np.issubdtype(examples.dtype, np.integer):
            raise ValueError("examples must be row indices into X (a non-empty 1-d integer array) or a 2-d array "
                             "of example rows.")
        if examples.min() < -X.shape[0] or examples.max() >= X.shape[0]:
            raise ValueError(f"examples holds a row index outside X's {X.shape[0]} rows.")
        indices = np.unique(examples % X.shape[0])
        rows = X[indices]
    else:
        rows = check_array(examples, dtype=X.dtype, order="C")
        if rows.shape[1] != X.shape[1]:
            raise ValueError(f"examples have {rows.shape[1]} features, but X has {X.shape[1]} features.")
        indices, exclude_examples = None, False
    knn_metric = "cosine" if metric == "cosine" else "euclidean"
    distances, _ = knn_search(rows, rows.shape[0], query=X, metric=knn_metric, exclude_self=False)
    similarity = 1.0 - distances if metric == "cosine" else -distances  # every example, nearest first
    score = similarity[:, 0] if combine == "max" else similarity.mean(axis=1)
    candidates = np.arange(X.shape[0])
    if exclude_examples:
        candidates = np.setdiff1d(candidates, indices)
    if n_results > candidates.size:
        raise ValueError(f"n_results={n_results} is more than the {candidates.size} rows to rank.")
    order = candidates[np.lexsort((candidates, -score[candidates]))][:n_results]
    return order.astype(np.int64), score[order]
