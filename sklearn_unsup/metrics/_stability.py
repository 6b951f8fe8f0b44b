"""Clustering stability: agreement of the labels of refits on overlapping subsamples."""

import numpy as np
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions, validate_params

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


def _subsample_refits(estimator, X, n_resamples, subsample, random_state):
    """Yield ``(rows, labels)`` of ``n_resamples`` refits, each on a sorted random ``subsample`` share of X."""
    rng = check_random_state(random_state)
    n = X.shape[0]
    m = max(2, int(round(subsample * n)))
    for _ in range(n_resamples):
        idx = np.sort(rng.choice(n, size=m, replace=False))
        yield idx, _fit_labels(estimator, X[idx], int(rng.randint(np.iinfo(np.int32).max)))


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
    draws = []
    for idx, labels in _subsample_refits(estimator, X, n_resamples, subsample, random_state):
        draw = np.full(X.shape[0], -2)
        draw[idx] = labels
        draws.append(draw)
    scores = []
    for i in range(n_resamples):
        for j in range(i + 1, n_resamples):
            both = (draws[i] != -2) & (draws[j] != -2)
            scores.append(adjusted_rand_score(draws[i][both], draws[j][both]))
    return float(np.mean(scores))


def _fit_stability(estimator, X, ref, n_resamples, subsample, random_state):
    """Mean ARI between the scored partition ``ref`` and refits on subsamples, on the rows each refit saw."""
    scores = [adjusted_rand_score(ref[idx], labels)
              for idx, labels in _subsample_refits(estimator, X, n_resamples, subsample, random_state)]
    return float(np.mean(scores))


@validate_params(
    {
        "n_resamples": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "reference": [StrOptions({"refits", "fit"})],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left"), None],
        "max_cluster_share": [Interval(Real, 0, 1, closed="right")],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def make_stability_scorer(*, n_resamples=5, subsample=0.8, reference="refits", min_cluster_size=None,
                          max_cluster_share=1.0, random_state=0):
    """A ``GridSearchCV`` scorer: stability of the candidate's partition under refits on subsamples.

    With ``reference="refits"`` (the default) the score is
    :func:`clustering_stability` of the candidate on the scored rows: clones
    of it are refitted on subsamples and compared with each other; the fitted
    estimator handed to the scorer is only used for its parameters.

    With ``reference="fit"`` the scored partition itself is the reference:
    the fitted estimator labels the scored rows (``predict``, or ``labels_``
    when scored transductively), each refit on a random ``subsample`` share
    of those rows is compared with it by the adjusted Rand index on the rows
    the refit saw, and the mean is multiplied by the *coverage*, the share of
    rows in clusters of at least ``min_cluster_size`` rows. The product
    penalises both ends of a clusterer with no k, such as
    :class:`~sklearn_unsup.cluster.DenseMulticut`'s ``offset``: a partition
    that changes with the sample (too coarse: one cluster swallows others
    in one refit but not in the next) scores a low ARI, and one that leaves
    many rows in tiny clusters (too fine) a low coverage. A partition with
    fewer than two clusters of ``min_cluster_size`` rows, or with a cluster
    holding more than ``max_cluster_share`` of the rows, scores -1 (a single
    cluster is perfectly stable, so it has to be ruled out).

    Parameters
    ----------
    n_resamples : int, default=5
        Refits per scoring call (at least 2 with ``reference="refits"``).
    subsample : float in (0, 1], default=0.8
        Share of the rows per refit (0.5 is a good choice with
        ``reference="fit"``: each refit sees a different half).
    reference : {"refits", "fit"}, default="refits"
        Compare the refits with each other, or with the scored partition.
    min_cluster_size : int or None, default=None
        Clusters with fewer rows count as uncovered (noise, -1, always does).
        None: every row is covered. With ``reference="refits"`` the
        coverage, and the rules below, are those of the fitted estimator's
        labels of the scored rows too.
    max_cluster_share : float in (0, 1], default=1.0
        Largest share of the rows one cluster may hold before the partition
        is scored -1.
    random_state : int, default=0
        Seed of the subsamples and of the refits, reused by every call so
        that every candidate is scored on the same draws (a RandomState
        instance or None would give each candidate different draws, so they
        are refused).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.

    References
    ----------
    .. [1] T. Lange, V. Roth, M. L. Braun and J. M. Buhmann, "Stability-based
       validation of clustering solutions", Neural Computation, 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_unsup.cluster import DenseMulticut
    >>> from sklearn_unsup.metrics import make_stability_scorer
    >>> X, _ = make_blobs(300, n_features=8, centers=4, random_state=0)
    >>> scorer = make_stability_scorer(reference="fit", subsample=0.5, n_resamples=3,
    ...                                min_cluster_size=10, max_cluster_share=0.5)
    >>> rows = np.arange(len(X))
    >>> search = GridSearchCV(DenseMulticut(), {"offset": [-0.5, 0.0, 0.5, 0.99]},
    ...                       scoring=scorer, cv=[(rows, rows)]).fit(X)
    >>> search.best_estimator_.n_clusters_
    4
    """
    if reference == "refits" and n_resamples < 2:
        raise ValueError("n_resamples must be at least 2 with reference='refits' (refits are compared in pairs).")
    checks = reference == "fit" or min_cluster_size is not None or max_cluster_share < 1.0

    def stability_scorer(estimator, X, y=None):
        X = check_array(X, accept_sparse=False, dtype=None)
        factor = 1.0
        if checks:
            from ._scorers import _integer_labels, _labels

            ref = _integer_labels(_labels(estimator, X))
            if ref.dtype.kind == "f":  # float labels: integral ones keep their values (-1 = noise), others encoded
                integral = np.all(ref == np.round(ref))
                ref = ref.astype(np.int64) if integral else np.unique(ref, return_inverse=True)[1].reshape(-1)
            kept = ref >= 0
            sizes = np.bincount(ref[kept]) if kept.any() else np.zeros(1, dtype=int)
            big = sizes >= (min_cluster_size or 1)
            if big.sum() < 2 or sizes.max() > max_cluster_share * len(ref):
                return -1.0
            factor = float(np.mean(kept & big[np.where(kept, ref, 0)]))
        if reference == "fit":
            return factor * _fit_stability(estimator, X, ref, n_resamples, subsample, random_state)
        return factor * clustering_stability(estimator, X, n_resamples=n_resamples, subsample=subsample,
                                             random_state=random_state)

    return stability_scorer
