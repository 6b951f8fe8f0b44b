"""What the drift detectors share: the test's result, input checks, the optional preprocessor."""

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..base import BaseEstimator
from ..utils._sklearn_compat import HasMethods, Interval, Real, _fit_context, check_is_fitted, validate_data

__all__ = ["DriftResult"]


@dataclass(frozen=True, eq=False)
class DriftResult:
    """The answer of a drift detector's ``test(X)``.

    ``drift`` is ``p_value <= alpha``. The fields that do not apply to a
    detector are None (``n_permutations`` and ``threshold`` belong to the
    permutation test, the per-feature arrays to the per-feature test).

    Attributes
    ----------
    drift : bool
        Whether the test rejects "X comes from the reference distribution" at
        level ``alpha``.
    statistic : float
        The test statistic: the unbiased MMD² (MMD), the largest per-feature
        Kolmogorov–Smirnov distance (KS), or the classifier's held-out AUC,
        KS distance or accuracy (classifier test).
    p_value : float
        The p-value of the test; for the per-feature test, corrected for the
        number of features (the smallest corrected per-feature p-value).
    alpha : float
        The level of the test.
    threshold : float or None
        MMD only: the ``1 - alpha`` quantile of the permuted statistics (the
        statistic's critical value).
    n_permutations : int or None
        MMD only: permutations drawn.
    statistics : ndarray of shape (n_features,) or None
        KS only: the per-feature Kolmogorov–Smirnov distances.
    p_values : ndarray of shape (n_features,) or None
        KS only: the per-feature p-values, uncorrected.
    drifted_features : ndarray of shape (n_features,) of bool or None
        KS only: the features whose corrected p-value is at most ``alpha``.
    """

    drift: bool
    statistic: float
    p_value: float
    alpha: float
    threshold: float | None = None
    n_permutations: int | None = None
    statistics: np.ndarray | None = None
    p_values: np.ndarray | None = None
    drifted_features: np.ndarray | None = None


def check_rows(X, n_min, what, detector):
    """Refuse a sample smaller than the test needs, naming the count."""
    if X.shape[0] < n_min:
        raise ValueError(f"{type(detector).__name__} needs at least {n_min} samples in {what}; "
                         f"got {X.shape[0]} sample(s).")


def _is_frozen(estimator):
    from sklearn.frozen import FrozenEstimator

    return isinstance(estimator, FrozenEstimator)


def _split_reference(X, fit_size, n_min, rng, detector):
    """Disjoint random parts of the reference: ``(rows to fit the preprocessor on, rows kept as reference)``."""
    n_fit = min(max(1, int(round(fit_size * X.shape[0]))), X.shape[0] - n_min)
    if n_fit < 1:
        raise ValueError(f"{type(detector).__name__} fits its preprocessor on part of the reference and keeps at "
                         f"least {n_min} other samples; got {X.shape[0]} sample(s) in the reference.")
    order = rng.permutation(X.shape[0])
    return X[np.sort(order[:n_fit])], X[np.sort(order[n_fit:])]


class BaseDriftDetector(BaseEstimator):
    """Two-sample test against a stored reference: ``fit(X_reference)``, then ``test(X)``.

    Not a predictor: ``fit`` stores the reference (after the optional
    ``preprocessor``) and ``test`` answers one question about a whole batch,
    with a :class:`DriftResult`. Subclasses implement ``_fit_reference(Z, rng)``
    and ``_test(Z)`` on the preprocessed rows.

    The preprocessor is a clone fitted on a random ``preprocessor_fit_size``
    share of the reference rows, and those rows are left out of the stored
    reference: a preprocessor fitted on the rows it then compares represents
    them better than new rows (PCA's leading components overfit the
    reference's own variance), so the test would reject with no drift. A
    preprocessor fitted elsewhere and wrapped in
    :class:`sklearn.frozen.FrozenEstimator` is used as is, on every row.
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "preprocessor": [None, HasMethods(["fit", "transform"])],
        "preprocessor_fit_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    #: The fewest rows a sample may have (reference and tested batch).
    _min_samples = 2

    def _reduce(self, X):
        if self.preprocessor_ is None:
            return X
        Z = np.asarray(self.preprocessor_.transform(X), dtype=np.float64)
        if Z.ndim != 2 or not np.all(np.isfinite(Z)):
            raise ValueError(f"The preprocessor {type(self.preprocessor_).__name__} gave non-finite values or an "
                             "array that is not 2-d; the test needs finite rows.")
        return Z

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Store the reference sample (after fitting the preprocessor on it).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The reference rows: data the model was trained or validated on.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted detector.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        check_rows(X, self._min_samples, "the reference", self)
        rng = check_random_state(self.random_state)
        self.preprocessor_ = None
        if self.preprocessor is not None:
            self.preprocessor_ = clone(self.preprocessor)
            if not _is_frozen(self.preprocessor_):
                X_fit, X = _split_reference(X, self.preprocessor_fit_size, self._min_samples, rng, self)
                self.preprocessor_.fit(X_fit)
        self._fit_reference(self._reduce(X), rng)
        return self

    def test(self, X):
        """Test whether X comes from the reference distribution.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The batch to test, with the reference's features.

        Returns
        -------
        result : DriftResult
            ``drift``, ``statistic``, ``p_value`` and the detector's extras.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_min_samples=2)
        check_rows(X, self._min_samples, "the tested batch", self)
        return self._test(self._reduce(X))
