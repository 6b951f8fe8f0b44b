"""Clustering stability: agreement of the labels of refits on overlapping subsamples."""

import numpy as np
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import Integral, Interval, Real, validate_params

__all__ = ["clustering_stability", "make_stability_scorer"]


def _fit_labels(estimator, X, seed):
    est = clone(estimator)
    params = est.get_params()
    seeded = {k: seed for k in params if k == "random_state" or k.endswith("__random_state")}
    if seeded:
        est.set_params(**seeded)
    if hasattr(est, "fit_predict"):
        return np.asarray(est.fit_predict(X))
    est.fit(X)
    return np.asarray(est.labels_ if hasattr(est, "labels_") else est[-1].labels_)


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like"],
        "n_resamples": [Interval(Integral, 2, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def clustering_stability(estimator, X, *, n_resamples=5, subsample=0.8, random_state=None):
    """Mean adjusted Rand index between clusterings of overlapping subsamples.

    The clusterer is refitted ``n_resamples`` times, each on a random
    ``subsample`` share of the rows and with its own seed; every pair of
    refits is compared by the ARI of their labels on the rows both saw. A
    setting whose clusters come back whatever the sample (and the seed) is
    stable; splitting a real group into two, or merging two, is usually not
    (Ben-Hur et al.; Lange et al.).

    Rewards reproducible partitions. Misleads in two known ways: k = 2 is
    often the most stable choice on any data, and a stable partition is not
    necessarily the true one (a clusterer that always merges the same two
    classes is stable). Read it next to a validity index.

    Parameters
    ----------
    estimator : clusterer
        Unfitted clusterer (or Pipeline ending in one) with ``fit_predict``
        or ``labels_``; cloned for every refit. Parameters named
        ``random_state`` get a different seed per refit.
    X : array-like of shape (n_samples, n_features)
        Rows.
    n_resamples : int, default=5
        Number of refits (pairs compared: ``n (n - 1) / 2``).
    subsample : float in (0, 1], default=0.8
        Share of the rows drawn (without replacement) for each refit.
    random_state : int, RandomState instance or None, default=None
        Draws the subsamples and the refits' seeds.

    Returns
    -------
    stability : float
        Mean pairwise ARI, 1 = identical partitions.

    References
    ----------
    .. [1] A. Ben-Hur, A. Elisseeff and I. Guyon, "A stability based method for
       discovering structure in clustered data", PSB 2002.
    .. [2] T. Lange, V. Roth, M. L. Braun and J. M. Buhmann, "Stability-based
       validation of clustering solutions", Neural Computation, 2004.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_unsup.metrics import clustering_stability
    >>> X, _ = make_blobs(300, centers=3, random_state=0)
    >>> round(clustering_stability(KMeans(3, n_init=1), X, random_state=0), 2)
    1.0
    """
    X = check_array(X, accept_sparse=False, dtype=None)
    rng = check_random_state(random_state)
    n = X.shape[0]
    m = max(2, int(round(subsample * n)))
    draws = []
    for _ in range(n_resamples):
        idx = np.sort(rng.choice(n, size=m, replace=False))
        labels = np.full(n, -2)
        labels[idx] = _fit_labels(estimator, X[idx], int(rng.randint(np.iinfo(np.int32).max)))
        draws.append(labels)
    scores = []
    for i in range(n_resamples):
        for j in range(i + 1, n_resamples):
            both = (draws[i] != -2) & (draws[j] != -2)
            scores.append(adjusted_rand_score(draws[i][both], draws[j][both]))
    return float(np.mean(scores))


def make_stability_scorer(*, n_resamples=5, subsample=0.8, random_state=0):
    """A ``GridSearchCV`` scorer: :func:`clustering_stability` of the candidate on the scored rows.

    The fitted estimator handed to the scorer is only used for its
    parameters: the scorer refits clones of it on subsamples of the rows it
    scores (the validation fold, or all rows with a transductive ``cv``).

    Parameters
    ----------
    n_resamples : int, default=5
        Refits per scoring call.
    subsample : float in (0, 1], default=0.8
        Share of the rows per refit.
    random_state : int, default=0
        Seed of the subsamples (fixed, so every candidate sees the same draws).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.
    """

    def stability_scorer(estimator, X, y=None):
        return clustering_stability(estimator, X, n_resamples=n_resamples, subsample=subsample,
                                    random_state=random_state)

    return stability_scorer
