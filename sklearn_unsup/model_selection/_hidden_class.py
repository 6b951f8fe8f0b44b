"""Cross-validation that hides known classes, for tuning novel class discovery without the novel labels."""

import math
from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state, column_or_1d

from ..metrics._cluster_accuracy import cluster_accuracy
from ..semi_supervised._labels import unlabelled_mask
from ..semi_supervised._ncd_clustering import estimate_n_clusters
from ..utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["HiddenClassKFold", "HiddenClassScorer", "make_hidden_class_scorer"]


class HiddenClassKFold(BaseCrossValidator):
    """K-fold over the known classes: each fold hides whole classes, to stand in for novel ones.

    For novel class discovery (NCD) the labels of the novel classes never
    exist, so they cannot score hyper-parameters. Troisemaine et al. tune on
    the known classes instead: in each fold some known classes are hidden,
    the model learns from the other known classes, and it is graded on how
    well it clusters the hidden ones, which play the novel classes.

    The folds are windows of ``n_hidden_classes`` consecutive classes in the
    (optionally shuffled) list of known classes, taken cyclically: with five
    known classes, two hidden per fold and three folds, the hidden sets are
    {c0, c1}, {c2, c3}, {c4, c0}. A fold's test rows are the rows of its
    hidden classes; its training rows are all the others: the remaining known
    classes, labelled, and the unlabelled rows (``y == -1``, the real novel
    classes), which stay in every training fold.

    Use it with :func:`make_hidden_class_scorer` (``GridSearchCV``'s default
    score, accuracy, is meaningless on classes the model never saw).

    Parameters
    ----------
    n_splits : int, default=3
        Number of folds (at least 2).
    n_hidden_classes : int, default=2
        Known classes hidden in each fold (at least 2, so that the hidden rows
        have a clustering to grade; at most the number of known classes minus one).
    shuffle : bool, default=False
        Shuffle the known classes before making the windows.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle (``shuffle=True`` only).

    Notes
    -----
    A splitter chooses rows, it cannot relabel them; so a fold leaves its
    hidden rows out of training rather than passing them unlabelled, as the
    paper does (there the hidden rows also enter the reconstruction term).
    The representation must then separate classes it has never seen, a
    slightly stricter test; the real unlabelled rows still train the
    unsupervised part of the model in every fold.

    References
    ----------
    .. [1] C. Troisemaine, A. Reiffers-Masson, S. Gosselin, V. Lemaire and
       S. Vaton, "A Practical Approach to Novel Class Discovery in Tabular
       Data", Data Mining and Knowledge Discovery 38, 2024 (Section 4).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.model_selection import HiddenClassKFold
    >>> y = np.array([0, 0, 1, 1, 2, 2, 3, 3, -1, -1])
    >>> for train, test in HiddenClassKFold(n_splits=2).split(np.zeros((10, 1)), y):
    ...     print(sorted(set(y[test].tolist())), train.tolist())
    [0, 1] [4, 5, 6, 7, 8, 9]
    [2, 3] [0, 1, 2, 3, 8, 9]
    """

    def __init__(self, n_splits=3, *, n_hidden_classes=2, shuffle=False, random_state=None):
        self.n_splits = n_splits
        self.n_hidden_classes = n_hidden_classes
        self.shuffle = shuffle
        self.random_state = random_state

    def _check(self):
        for name, low in (("n_splits", 2), ("n_hidden_classes", 2)):
            value = getattr(self, name)
            if not isinstance(value, (Integral, np.integer)) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")

    def hidden_classes(self, y):
        """The known classes hidden in each fold.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Classes, ``-1`` for the unlabelled rows.

        Returns
        -------
        hidden : list of ndarray
            One array of classes per fold.
        """
        self._check()
        if y is None:
            raise ValueError("HiddenClassKFold needs y: it hides known classes.")
        y = column_or_1d(y)
        known = np.unique(y[~unlabelled_mask(y)])
        n_known, h = len(known), int(self.n_hidden_classes)
        if h > n_known - 1:
            raise ValueError(f"n_hidden_classes={h} needs at least {h + 1} known classes (one stays labelled); "
                             f"y has {n_known}.")
        n_distinct = n_known // math.gcd(n_known, h)  # windows before the cycle repeats
        if self.n_splits > n_distinct:
            raise ValueError(f"n_splits={self.n_splits} is more than the {n_distinct} distinct sets of "
                             f"{h} hidden classes that {n_known} known classes give; lower n_splits.")
        if self.shuffle:
            known = known[check_random_state(self.random_state).permutation(n_known)]
        return [known[(np.arange(h) + i * h) % n_known] for i in range(int(self.n_splits))]

    def _iter_test_indices(self, X=None, y=None, groups=None):
        y = column_or_1d(y)
        for hidden in self.hidden_classes(y):
            yield np.flatnonzero(np.isin(y, hidden) & ~unlabelled_mask(y))

    def split(self, X, y, groups=None):
        """Train and test indices of each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows (only their number is used).
        y : array-like of shape (n_samples,)
            Classes, ``-1`` for the unlabelled rows.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray
            Rows of the known classes not hidden in the fold, and the unlabelled rows.
        test : ndarray
            Rows of the hidden classes.
        """
        if y is None:
            raise ValueError("HiddenClassKFold needs y: it hides known classes.")
        return super().split(X, y, groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
        """
        return int(self.n_splits)


class HiddenClassScorer:
    """Clustering accuracy of the hidden classes in a fitted model's representation.

    Built by :func:`make_hidden_class_scorer`; ``scorer(estimator, X, y)``
    transforms the rows (``estimator.transform``; a Pipeline transforms
    through all its steps), clusters them with k-means and returns the
    clustering accuracy (Hungarian matching) against ``y``. Rows with
    ``y == -1`` are ignored.

    Parameters
    ----------
    n_clusters : {"true", "auto"}
        ``"true"``: k = the number of hidden classes. ``"auto"``: k by the
        silhouette, as the estimator would choose it (graded then on the
        estimate too).
    n_init : int
        k-means restarts.
    random_state : int
        Seed of the k-means (fixed, so that every candidate is graded alike).
    """

    def __init__(self, n_clusters="true", n_init=10, random_state=0):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.random_state = random_state

    def __call__(self, estimator, X, y):
        if not hasattr(estimator, "transform"):
            raise TypeError(f"{type(estimator).__name__} has no transform: the hidden-class scorer clusters "
                            "the rows in the representation the estimator learned.")
        y = column_or_1d(y)
        keep = ~unlabelled_mask(y)
        if not keep.any():
            raise ValueError("The hidden-class scorer got no labelled rows to grade.")
        if not keep.all():
            X = X.iloc[keep] if hasattr(X, "iloc") else np.asarray(X)[keep]
        Z = np.asarray(estimator.transform(X), dtype=np.float64)
        if self.n_clusters == "true":
            k = len(np.unique(y[keep]))
        else:
            # the estimator's own range of k when it has one (ProjectionBasedNCD), else the paper's 2..30
            k_max = getattr(estimator, "max_novel_clusters", 30)
            k, _ = estimate_n_clusters(Z, k_max, random_state=self.random_state)
        k = min(k, len(Z))
        labels = KMeans(k, n_init=self.n_init, random_state=self.random_state).fit_predict(Z)
        return cluster_accuracy(y[keep], labels)

    def __repr__(self):
        return f"make_hidden_class_scorer(n_clusters={self.n_clusters!r})"


@validate_params(
    {
        "n_clusters": [StrOptions({"true", "auto"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_hidden_class_scorer(n_clusters="true", *, n_init=10, random_state=0):
    """Make the scorer of :class:`HiddenClassKFold` folds: how well the hidden classes cluster.

    The scorer projects a fold's test rows (the hidden classes) with the
    fitted estimator's ``transform``, clusters them with k-means and returns
    the clustering accuracy against their classes (higher is better, 1 at
    best). This is the grade of the paper's tuning procedure: a setting that
    makes unseen classes separable in the representation is expected to do
    so for the novel classes too.

    Parameters
    ----------
    n_clusters : {"true", "auto"}, default="true"
        ``"true"``: k = the number of hidden classes (the paper's tuning with
        the ground-truth k). ``"auto"``: k by the mean silhouette over 2..30,
        so the grade also covers the estimate of k.
    n_init : int, default=10
        k-means restarts.
    random_state : int, default=0
        Seed of the k-means; fixed so that every candidate is graded alike.

    Returns
    -------
    scorer : HiddenClassScorer
        ``scorer(estimator, X, y) -> float``.

    References
    ----------
    .. [1] C. Troisemaine, A. Reiffers-Masson, S. Gosselin, V. Lemaire and
       S. Vaton, "A Practical Approach to Novel Class Discovery in Tabular
       Data", Data Mining and Knowledge Discovery 38, 2024 (Section 4).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_unsup.model_selection import HiddenClassKFold, make_hidden_class_scorer
    >>> from sklearn_unsup.semi_supervised import ProjectionBasedNCD
    >>> X, y = make_blobs(400, n_features=8, centers=6, random_state=0)
    >>> y_partial = np.where(y < 4, y, -1)  # classes 4 and 5 are novel
    >>> search = GridSearchCV(ProjectionBasedNCD(max_epochs=10, random_state=0), {"w": [0.2, 0.8]},
    ...                       cv=HiddenClassKFold(n_splits=2), scoring=make_hidden_class_scorer())
    >>> search.fit(X, y_partial).best_params_ in ({"w": 0.2}, {"w": 0.8})
    True
    """
    return HiddenClassScorer(n_clusters=n_clusters, n_init=n_init, random_state=random_state)
