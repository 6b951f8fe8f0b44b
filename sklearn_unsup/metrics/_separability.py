"""Label-free class separability from 0-dimensional persistent homology (Ghalyan, Gourgoulias et al.)."""

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import Integral, Interval, StrOptions, validate_params

__all__ = ["SeparabilityScorer", "h0_persistence", "separability_score", "separability_scorer"]


def _rows(X, metric, max_samples, random_state):
    X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
    if max_samples is not None and X.shape[0] > max_samples:
        idx = check_random_state(random_state).choice(X.shape[0], max_samples, replace=False)
        X = X[np.sort(idx)]
    if metric == "cosine" and np.any(np.linalg.norm(X, axis=1) == 0):
        raise ValueError("metric='cosine' is undefined for rows of norm 0; use metric='euclidean'.")
    return X


def _death_times(X, metric):
    # Single-linkage merge heights = edge lengths of the minimum spanning tree = the death times of the
    # H0 classes of the Vietoris-Rips filtration (all born at 0). Exact, O(n^2) time, n(n-1)/2 distances.
    D = pdist(np.asarray(X, dtype=np.float64), metric=metric)
    return np.sort(np.maximum(linkage(D, method="single")[:, 2], 0.0))


@validate_params(
    {
        "X": ["array-like"],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def h0_persistence(X, *, metric="euclidean", max_samples=None, random_state=None):
    """Persistence times of the 0-dimensional homology (H0) of the Vietoris-Rips filtration of the rows.

    Every row is a connected component born at scale 0; growing the scale
    merges components, and each merge ends (kills) one class. The ``n - 1``
    finite death times are exactly the edge lengths of the minimum spanning
    tree of the rows (the single-linkage merge heights); the class that never
    dies is left out. Computed exactly (``scipy`` single linkage on all
    pairwise distances: O(n^2) time, n(n-1)/2 doubles of memory).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows (embeddings), at least 2.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance of the filtration.
    max_samples : int or None, default=None
        Use a random subset of this many rows when there are more.
    random_state : int, RandomState instance or None, default=None
        Draws the subset.

    Returns
    -------
    persistence : ndarray of shape (n_used - 1,)
        Death (= persistence) times, ascending.

    Examples
    --------
    >>> from sklearn_unsup.metrics import h0_persistence
    >>> h0_persistence([[0.0], [1.0], [3.0], [7.0]])
    array([1., 2., 4.])
    """
    return _death_times(_rows(X, metric, max_samples, random_state), metric)


@validate_params(
    {
        "X": ["array-like"],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def separability_score(X, *, metric="euclidean", max_samples=2000, random_state=None):
    """Label-free class separability of an embedding from its H0 persistence, higher = more separable.

    Following Ghalyan, Gourgoulias et al. [1]_: take the persistence times
    ``p_1..p_{n-1}`` of the 0-dimensional homology of the Vietoris-Rips
    filtration of the rows (:func:`h0_persistence`: the minimum-spanning-tree
    edge lengths), normalise them by the maximum persistence,
    ``q_i = p_i / max_j p_j`` (so the score does not depend on the scale of
    the embedding), and summarise them by their mean, the persistence score
    ``S(p) = mean_i q_i``. Rows in a few tight, well separated groups give
    ``k - 1`` long bars and many short ones, so ``S`` is small; an
    unstructured cloud gives bars of similar length and a large ``S``. The
    value returned is ``1 - S(p)``, in ``[0, 1)``, higher = more separable.

    Which summary: the normalisation by the maximum persistence and the
    reading "few large persistence times = more clustered" are the paper's
    (caption of its Figure 1, which compares the normalised persistence times
    "on average"); the text of the equation defining its score ``S(p)`` was
    not retrievable here, so the mean of the normalised times is this
    package's reading of it, not a verified transcription.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Embeddings, at least 2 rows.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance of the filtration (``"cosine"`` for sentence embeddings).
    max_samples : int or None, default=2000
        Above this many rows the score is computed on a random subset of
        ``max_samples`` rows (the exact MST costs O(n^2) time and
        n(n-1)/2 distances). ``S`` depends on the number of rows (more rows,
        shorter within-group bars), so compare embeddings of the same rows with
        the same ``max_samples`` and ``random_state``; ``None`` uses all rows.
    random_state : int, RandomState instance or None, default=None
        Draws the subset; fix it so that embeddings of the same data are
        scored on the same rows.

    Returns
    -------
    score : float
        ``1 - S(p)``; 0.0 when all rows coincide (no persistence at all).

    Notes
    -----
    Misleads when one far outlier sets the maximum: the other bars shrink
    relative to it and the score rises. It measures cluster structure, not
    agreement with any particular labels.

    References
    ----------
    .. [1] N. Ghalyan, K. Gourgoulias, Y. Satsangi, M. Labonne, S. Moran and
       J. Sabelja, "Estimating Class Separability of Datasets Using Persistent
       Homology with Application to LLM Fine-Tuning" (v4: K. Gourgoulias et al.,
       "Estimating class separability of text embeddings with persistent
       homology", TMLR 2024), arXiv:2305.15016.

    Examples
    --------
    >>> from sklearn_unsup.metrics import separability_score
    >>> round(separability_score([[0.0], [1.0], [3.0], [7.0]]), 4)   # p = 1, 2, 4: 1 - (1/4 + 2/4 + 1) / 3
    0.4167
    """
    p = h0_persistence(X, metric=metric, max_samples=max_samples, random_state=random_state)
    if p[-1] <= 0:
        return 0.0
    return float(1.0 - np.mean(p / p[-1]))


class SeparabilityScorer:
    """A label-free scorer ``scorer(estimator, X, y=None) -> float``: :func:`separability_score` of ``transform(X)``.

    For choosing a transformer's settings (or a Pipeline ending in one) with
    ``GridSearchCV(scoring=...)``: rewards embeddings whose held-out rows form
    well separated groups. The module-level ``separability_scorer`` is an
    instance with the default settings.

    Parameters
    ----------
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance of the filtration.
    max_samples : int or None, default=2000
        Subset size above which the rows are subsampled.
    random_state : int, default=0
        Draws the subset (fixed, so every candidate is scored on the same rows).
    """

    def __init__(self, metric="euclidean", max_samples=2000, random_state=0):
        self.metric = metric
        self.max_samples = max_samples
        self.random_state = random_state

    def __call__(self, estimator, X, y=None):
        if not hasattr(estimator, "transform"):
            raise TypeError(f"separability_scorer needs transform; {type(estimator).__name__} has none.")
        Z = estimator.transform(X)
        return separability_score(Z, metric=self.metric, max_samples=self.max_samples,
                                  random_state=self.random_state)

    def __repr__(self):
        return (f"SeparabilityScorer(metric={self.metric!r}, max_samples={self.max_samples!r}, "
                f"random_state={self.random_state!r})")


separability_scorer = SeparabilityScorer()
