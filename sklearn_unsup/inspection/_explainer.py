"""Per-row, per-feature explanations of an outlier detector's scores."""

import numpy as np
from sklearn.base import TransformerMixin, clone
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import _check_feature_names_in

from ..base import BaseEstimator
from ..utils._sklearn_compat import HasMethods, StrOptions, _fit_context, check_is_fitted, validate_data
from ._diffi import local_diffi
from ._tail import tail_scores

__all__ = ["OutlierExplainer", "explain_outliers"]

_RECONSTRUCTING = ("AutoEncoderOutlierDetector", "VAEOutlierDetector")


def _unwrap(detector):
    """The detector under FrozenEstimator and RejectionOutlierDetector wrappers."""
    while True:
        if isinstance(detector, FrozenEstimator):
            detector = detector.estimator
        elif type(detector).__name__ == "RejectionOutlierDetector" and hasattr(detector, "detector_"):
            detector = detector.detector_
        else:
            return detector


def _split(detector):
    """(the transformer before the explained step or None, the explained detector)."""
    detector = _unwrap(detector)
    if isinstance(detector, Pipeline):
        return (detector[:-1] if len(detector) > 1 else None), _unwrap(detector[-1])
    return None, detector


def _reconstructs(detector):
    return type(detector).__name__ in _RECONSTRUCTING and type(detector).__module__.startswith("sklearn_unsup.")


def _reconstruction_errors(detector, X):
    """Squared reconstruction error of each feature, in the units the detector's model sees.

    Without a projection of wide data that is the standardised feature (the
    detector's ``scaler_``), so the mean over the features is the
    autoencoder's own score; with a projection (``pca_``) the reconstruction
    is mapped back to the input columns and the error is in their units.
    """
    Xs = detector._preprocess(X)
    rec = detector.model_.inverse_transform(detector.model_.transform(Xs)).astype(np.float64)
    if detector.pca_ is None:
        return (Xs - rec) ** 2
    if detector.scaler_ is not None:
        rec = detector.scaler_.inverse_transform(rec)
    return (X - detector.pca_.inverse_transform(rec)) ** 2


class OutlierExplainer(TransformerMixin, BaseEstimator):
    """Per-feature contributions to each row's outlier score (larger = more responsible).

    ``fit(X)`` fits (a clone of) ``detector`` on X and keeps what the
    explanations compare new rows with (per-feature quantiles, and for
    ``"tail"`` the sorted training columns); ``transform(X)`` (or its alias
    :meth:`explain`) returns an ``(n_samples, n_features)`` array: entry
    ``(i, j)`` is how much feature ``j`` drives row ``i``'s abnormality.
    To explain a detector that is already fitted, wrap it in
    :class:`sklearn.frozen.FrozenEstimator` (``fit`` then only reads the
    reference rows) or call :func:`explain_outliers`.

    Methods (``method="auto"`` picks the first that applies):

    - ``"reconstruction"`` (:class:`~sklearn_unsup.outlier.AutoEncoderOutlierDetector`,
      :class:`~sklearn_unsup.outlier.VAEOutlierDetector`): the squared error of
      each feature's reconstruction, in standardised units (the detector's
      own scaling; their mean is the autoencoder's anomaly score). For the
      VAE it is the error of the decoded posterior mean, the part of its
      bound that depends on the features one by one. With a projection of
      wide data first (``pca_``), the reconstruction is mapped back to the
      input columns and the error is in their units.
    - ``"diffi"`` (:class:`sklearn.ensemble.IsolationForest`): local DIFFI
      [1]_, the mean of ``1/h - 1/h_max`` over the splits on the feature
      along the row's paths (``h`` the leaf depth): features that isolate the
      row early score high.
    - ``"tail"`` (any detector, a model-agnostic baseline): ECOD's [2]_
      per-feature tail score ``max(-log P_left, -log P_right)`` under the
      training rows' empirical distribution of each feature.

    In a :class:`~sklearn.pipeline.Pipeline`, the last step is explained in
    its own input space (the output of the earlier steps, named by their
    ``get_feature_names_out``): after a scaler, the features themselves.

    Parameters
    ----------
    detector : estimator or None, default=None
        An outlier detector (with ``score_samples``), a Pipeline ending in
        one, or a FrozenEstimator of a fitted one. None uses
        ``IsolationForest()``.
    method : {"auto", "reconstruction", "diffi", "tail"}, default="auto"
        How contributions are computed (see above).
    quantiles : sequence of float, default=(0.05, 0.25, 0.5, 0.75, 0.95)
        Levels of the per-feature training quantiles kept in ``quantiles_``
        (the bands of :func:`plot_outlier_explanation`).

    Attributes
    ----------
    detector_ : estimator
        The fitted detector (``detector`` itself when frozen).
    method_ : str
        The method used.
    quantiles_ : ndarray of shape (n_quantiles, n_features_explained)
        Training quantiles of each explained feature, at ``quantiles``.
    reference_ : ndarray of shape (n_samples_fit, n_features_explained) or None
        The training rows with each column sorted (``"tail"`` only).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    explain_outliers : The same for a fitted detector, in one call.
    plot_outlier_explanation : The top features of one row, with quantile bands.

    References
    ----------
    .. [1] M. Carletti, M. Terzi and G. A. Susto, "Interpretable anomaly detection
       with DIFFI: Depth-based feature importance of Isolation Forest",
       Engineering Applications of Artificial Intelligence 119, 105730, 2023.
    .. [2] Z. Li, Y. Zhao, X. Hu, N. Botta, C. Ionescu and G. H. Chen, "ECOD:
       Unsupervised Outlier Detection Using Empirical Cumulative Distribution
       Functions", IEEE TKDE 35(12), 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.inspection import OutlierExplainer
    >>> X = np.random.RandomState(0).normal(size=(300, 4))
    >>> explainer = OutlierExplainer(IsolationForest(random_state=0)).fit(X)
    >>> row = np.array([[0.0, 0.0, 9.0, 0.0]])  # feature 2 far out
    >>> int(explainer.explain(row).argmax())
    2
    """

    _parameter_constraints: dict = {
        "detector": [HasMethods(["fit"]), None],
        "method": [StrOptions({"auto", "reconstruction", "diffi", "tail"})],
        "quantiles": ["array-like"],
    }

    def __init__(self, detector=None, *, method="auto", quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)):
        self.detector = detector
        self.method = method
        self.quantiles = quantiles

    def _split(self):
        return _split(self.detector_)

    def _explained_space(self, X):
        prefix, _ = self._split()
        Xe = X if prefix is None else prefix.transform(X)
        return np.asarray(Xe, dtype=np.float64)

    def _resolve_method(self, final):
        if self.method in ("auto", "reconstruction") and _reconstructs(final):
            return "reconstruction"
        if self.method in ("auto", "diffi") and isinstance(final, IsolationForest):
            return "diffi"
        if self.method in ("auto", "tail"):
            return "tail"
        raise ValueError(f"method={self.method!r} does not apply to {type(final).__name__}: 'reconstruction' "
                         f"needs one of {_RECONSTRUCTING}, 'diffi' an IsolationForest; 'tail' works for any detector.")

    def _validate(self, X, reset):
        pipeline = isinstance(_unwrap(self.detector if reset else self.detector_), Pipeline)
        # a pipeline validates its own input (it may take mixed-type DataFrames); only the width is checked here
        return validate_data(self, X, reset=reset, skip_check_array=pipeline,
                             **({} if pipeline else {"dtype": np.float64}))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the detector on X and keep X's per-feature reference statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted explainer.
        """
        levels = np.asarray(self.quantiles, dtype=np.float64).ravel()
        if levels.size == 0 or np.any((levels < 0) | (levels > 1)) or np.any(np.diff(levels) <= 0):
            raise ValueError(f"quantiles must be increasing levels in [0, 1], got {self.quantiles!r}.")
        X = self._validate(X, reset=True)
        detector = IsolationForest() if self.detector is None else self.detector
        self.detector_ = clone(detector).fit(X, y)
        width = getattr(self.detector_, "n_features_in_", self.n_features_in_)
        if width != self.n_features_in_:  # a frozen detector fitted on other rows
            raise ValueError(f"X has {self.n_features_in_} features, but {type(_unwrap(self.detector_)).__name__} "
                             f"is expecting {width} features as input.")
        _, final = self._split()
        check_is_fitted(final)
        self.method_ = self._resolve_method(final)
        Xe = self._explained_space(X)
        self.quantiles_ = np.quantile(Xe, levels, axis=0)
        self.reference_ = np.sort(Xe, axis=0) if self.method_ == "tail" else None
        return self

    def transform(self, X):
        """Per-feature contributions of each row (larger = more responsible for its abnormality).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        contributions : ndarray of shape (n_samples, n_features_explained)
            Non-negative. ``n_features_explained`` is ``n_features_in_``
            unless the detector is a Pipeline whose steps change the width.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        _, final = self._split()
        Xe = self._explained_space(X)
        if self.method_ == "reconstruction":
            return _reconstruction_errors(final, Xe)
        if self.method_ == "diffi":
            return local_diffi(final, Xe)
        return tail_scores(self.reference_, Xe)

    def explain(self, X):
        """Alias of :meth:`transform`: per-feature contributions of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        contributions : ndarray of shape (n_samples, n_features_explained)
        """
        return self.transform(X)

    def get_feature_names_out(self, input_features=None):
        """Names of the explained features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names (default: ``feature_names_in_`` or ``x0, x1, ...``).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        prefix, _ = self._split()
        return names if prefix is None else np.asarray(prefix.get_feature_names_out(names), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def explain_outliers(detector, X, *, method="auto", X_train=None):
    """Per-feature contributions to the outlier scores of a fitted detector's rows.

    The one-call form of :class:`OutlierExplainer` for a detector that is
    already fitted: ``OutlierExplainer(FrozenEstimator(detector),
    method=method).fit(X_train).transform(X)``. ``"reconstruction"`` and
    ``"diffi"`` need no training rows; ``"tail"`` (the default for detectors
    of other kinds) compares each value with ``X_train``.

    Parameters
    ----------
    detector : estimator
        A fitted outlier detector (or Pipeline ending in one).
    X : array-like of shape (n_samples, n_features)
        Rows to explain.
    method : {"auto", "reconstruction", "diffi", "tail"}, default="auto"
        See :class:`OutlierExplainer`.
    X_train : array-like of shape (n_train, n_features) or None, default=None
        Reference rows (the detector's training rows); required by ``"tail"``.

    Returns
    -------
    contributions : ndarray or DataFrame of shape (n_samples, n_features_explained)
        Larger = more responsible for the row's abnormality; a DataFrame with
        the feature names as columns (and X's index) when X is one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.inspection import explain_outliers
    >>> X = np.random.RandomState(0).normal(size=(300, 4))
    >>> forest = IsolationForest(random_state=0).fit(X)
    >>> int(explain_outliers(forest, [[0.0, 9.0, 0.0, 0.0]]).argmax())
    1
    """
    check_is_fitted(detector)
    explainer = OutlierExplainer(FrozenEstimator(detector), method=method)
    if X_train is None and explainer._resolve_method(_split(detector)[1]) == "tail":
        raise ValueError("method='tail' explains values against training rows: pass X_train.")
    if hasattr(X, "iloc"):
        explainer.set_output(transform="pandas")
    return explainer.fit(X if X_train is None else X_train).transform(X)
