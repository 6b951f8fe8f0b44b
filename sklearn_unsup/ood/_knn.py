"""Deep nearest-neighbour out-of-distribution scoring."""

import numpy as np

from .._kernels import knn_search, l2_normalize
from ..base import BaseEstimator, OutlierDetectorMixin
from ..utils._sklearn_compat import Integral, Interval, _fit_context, check_is_fitted, validate_data
from ..utils._validation import check_float32_range, check_n_neighbors

__all__ = ["KNNDetector"]


class KNNDetector(OutlierDetectorMixin, BaseEstimator):
    """Out-of-distribution score: distance to the k-th nearest in-distribution feature vector.

    Fit on in-distribution features (embeddings of any model); a new row is as
    normal as it is close to the training rows: ``score_samples = -d_k`` with
    ``d_k`` the euclidean distance to its ``n_neighbors``-th nearest training
    row, after L2 normalisation of all vectors (Sun et al.; k = 50 in
    OpenOOD's CIFAR-10 setting). Exact search with the package's kNN kernel, in
    O(n k) memory. A training row scored again counts itself as its first
    neighbour, like any row equal to a training row.

    Parameters
    ----------
    n_neighbors : int, default=50
        Which neighbour's distance is the score (at most ``n_samples``).
    normalize : bool, default=True
        L2-normalise the features first (the method's key ingredient).
    contamination : {"auto", "zscore", "clf", "mixmod", "filter"} or float in (0, 0.5], \
            default="auto"
        Sets ``offset_`` from the training scores: a float flags that share of
        the training rows; "auto" flags rows below Tukey's lower fence, "zscore"
        rows more than one standard deviation below the mean score, "clf"
        follows PyThresh's pre-fitted rule on the normalised scores, "mixmod"
        cuts where two-component mixtures fitted to the scores cross, "filter"
        at the peak of the smoothed scores (see the outlier user guide).

    Attributes
    ----------
    n_neighbors_ : int
        The neighbor count used: ``n_neighbors``, clipped (with a warning) to
        the number of training rows, as in
        :class:`~sklearn.neighbors.LocalOutlierFactor`.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.neighbors.LocalOutlierFactor : Local-density variant (``novelty=True``).

    References
    ----------
    .. [1] Y. Sun, Y. Ming, X. Zhu and Y. Li, "Out-of-distribution detection with
       deep nearest neighbors", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import KNNDetector
    >>> rng = np.random.RandomState(0)
    >>> ind = rng.normal(size=(500, 8)) + 3
    >>> detector = KNNDetector(n_neighbors=10).fit(ind)
    >>> far = -ind[:5]
    >>> bool(detector.score_samples(far).max() < detector.score_samples(ind[:5]).min())
    True
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, n_neighbors=50, *, normalize=True, contamination="auto"):
        self.n_neighbors = n_neighbors
        self.normalize = normalize
        self.contamination = contamination

    def _prep(self, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        return l2_normalize(X) if self.normalize else X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Store the in-distribution features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            In-distribution features.
        y : None
            Ignored.

        Returns
        -------
        self : KNNDetector
            The fitted detector.
        """
        X = check_float32_range(validate_data(self, X, dtype=[np.float64, np.float32]), type(self).__name__)
        self.n_neighbors_ = check_n_neighbors(self, self.n_neighbors, X.shape[0])
        self._train = self._prep(X)
        # the threshold comes from the training rows scored as any new row would be
        # (each is its own first neighbour), so predict on X flags `contamination` of it
        dist, _ = knn_search(self._train, self.n_neighbors_, exclude_self=False)
        self._set_offset(-dist[:, -1].astype(np.float64))
        return self

    def score_samples(self, X):
        """Minus the distance to the k-th nearest training row (higher = more in-distribution).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = check_float32_range(validate_data(self, X, dtype=[np.float64, np.float32], reset=False),
                                type(self).__name__)
        dist, _ = knn_search(self._train, self.n_neighbors_, query=self._prep(X))
        return -dist[:, -1].astype(np.float64)
