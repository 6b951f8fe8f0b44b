"""Self-organising map (Kohonen) trained by a numba kernel."""

import numpy as np
from sklearn.base import ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state

from .._kernels import som_bmu, som_train
from ..base import BaseEstimator
from ..exceptions import TrainingDivergedError
from ..utils._sklearn_compat import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
    check_is_fitted,
    validate_data,
)

__all__ = ["SelfOrganizingMap"]


class SelfOrganizingMap(TransformerMixin, ClusterMixin, BaseEstimator):
    """Self-organising map: a grid of prototypes that preserves neighbourhoods.

    Each unit of an ``m x n`` grid holds a prototype vector. Training visits
    rows one at a time (``max_epochs`` passes in random order), finds the
    best-matching unit (nearest prototype) and pulls it and its grid
    neighbours towards the row, with a Gaussian neighbourhood whose width and
    a learning rate that both decay as ``1 / (1 + 2t / T)``. The loop is a
    numba kernel. As a clusterer each unit is a cluster (``labels_`` is the
    unit index, ``predict`` the best-matching unit of new rows); as a
    transformer each row maps to the grid coordinates of its unit, a 2-D map
    of the data. ``score_samples`` is minus the distance to the best-matching
    prototype, so the map also ranks rows from typical to rare (higher = more
    typical, scikit-learn's sign for outlier scores), as the RACS catalogue
    of complex radio sources does with its map [3]_.

    Parameters
    ----------
    grid : tuple of two int, default=(10, 10)
        Number of rows and columns of units.
    sigma : float, default=1.0
        Initial width of the Gaussian neighbourhood, in grid units.
    lr : float, default=0.5
        Initial learning rate.
    max_epochs : int, default=10
        Passes over the training rows (each in a new random order).
    init : {"pca", "random"}, default="pca"
        ``"pca"`` spreads the prototypes over the plane of the first two
        principal components; ``"random"`` uses random training rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the visiting order and the random initialisation.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (m * n, n_features)
        Prototype of each unit (row-major over the grid).
    grid_coordinates_ : ndarray of shape (m * n, 2)
        (row, column) of each unit.
    labels_ : ndarray of shape (n_samples,)
        Best-matching unit of each training row.
    quantization_error_ : float
        Mean distance of the training rows to their best-matching prototype.
    topographic_error_ : float
        Fraction of training rows whose two best-matching units are not grid
        neighbours (lower means a better preserved topology).
    n_iter_ : int
        Single-row updates performed (summed over ``partial_fit`` calls).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Prototypes without a grid.

    References
    ----------
    .. [1] T. Kohonen, "Self-organized formation of topologically correct feature
       maps", Biological Cybernetics 43, 1982.
    .. [2] G. Vettigli, "MiniSom: minimalistic and NumPy-based implementation of
       the Self Organizing Map" (the decay schedule used here).
    .. [3] H. Alam, K. A. Pimbblet and Y. A. Gordon, "A catalogue of complex
       radio sources in RACS created using a self-organising map",
       Publications of the Astronomical Society of Australia 42, 2025.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_unsup.cluster import SelfOrganizingMap
    >>> X = load_iris().data
    >>> som = SelfOrganizingMap(grid=(4, 4), random_state=0).fit(X)
    >>> som.transform(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "grid": [tuple, list],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"pca", "random"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        grid=(10, 10),
        *,
        sigma=1.0,
        lr=0.5,
        max_epochs=10,
        init="pca",
        random_state=None,
    ):
        self.grid = grid
        self.sigma = sigma
        self.lr = lr
        self.max_epochs = max_epochs
        self.init = init
        self.random_state = random_state

    def _grid_shape(self):
        grid = tuple(self.grid)
        if len(grid) != 2 or any(
            not isinstance(g, (Integral, np.integer)) or isinstance(g, bool) or g < 1 for g in grid
        ):
            raise ValueError(f"grid must be two positive ints (rows, columns), got {self.grid!r}.")
        return int(grid[0]), int(grid[1])

    def _init_weights(self, X, rows, cols, rng):
        n_units = rows * cols
        if self.init == "random" or X.shape[0] < 2 or X.shape[1] < 2:
            idx = rng.choice(X.shape[0], n_units, replace=X.shape[0] < n_units)
            return X[idx].astype(np.float64)
        mean = X.mean(axis=0)
        _, s, vt = np.linalg.svd(X - mean, full_matrices=False)
        scale = s[:2] / np.sqrt(max(X.shape[0] - 1, 1))
        ys = np.linspace(-1, 1, rows) if rows > 1 else np.zeros(1)
        xs = np.linspace(-1, 1, cols) if cols > 1 else np.zeros(1)
        gy, gx = np.meshgrid(ys, xs, indexing="ij")
        return mean + np.outer(gy.ravel(), scale[0] * vt[0]) + np.outer(gx.ravel(), scale[1] * vt[1])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the map.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows (scale them first: the map uses euclidean distances).
        y : None
            Ignored.

        Returns
        -------
        self : SelfOrganizingMap
            The fitted estimator.

        Raises
        ------
        TrainingDivergedError
            If the prototypes become non-finite (too large a ``lr``).
        """
        X = validate_data(self, X, dtype=np.float64, order="C")
        rows, cols = self._grid_shape()
        rng = check_random_state(self.random_state)
        W = self._init_weights(X, rows, cols, rng)
        coords = np.array([(r, c) for r in range(rows) for c in range(cols)], dtype=np.float64)
        order = np.concatenate([rng.permutation(X.shape[0]) for _ in range(self.max_epochs)])
        self._train(X, W, coords, order.astype(np.int64))
        self.cluster_centers_ = W
        self.grid_coordinates_ = coords
        self.n_iter_ = int(order.shape[0])
        self._n_partial_calls = self.max_epochs  # partial_fit after fit continues the schedule
        first, second, dist = som_bmu(X, W)
        self.labels_ = first
        self.quantization_error_ = float(dist.mean())
        self.topographic_error_ = self._topographic(first, second)
        return self

    def partial_fit(self, X, y=None):
        """One pass over a block of rows, continuing the decay schedule.

        The first call initialises the prototypes from the block (``init``).
        Each call visits the block's rows once in a random order; the learning
        rate and neighbourhood width decay as in ``fit``, with every call
        counted as one of ``max_epochs`` epochs of the block's size (after
        ``max_epochs`` calls they keep decaying). ``labels_`` and the error
        attributes then describe the latest block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A block of rows.
        y : None
            Ignored.

        Returns
        -------
        self : SelfOrganizingMap
            The updated estimator.
        """
        first = not hasattr(self, "cluster_centers_")
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64, order="C", reset=first)
        rows, cols = self._grid_shape()
        n_calls = 0 if first else getattr(self, "_n_partial_calls", 0)
        if isinstance(self.random_state, (Integral, np.integer)):
            rng = np.random.RandomState((int(self.random_state) + 7919 * n_calls) % (2**32))
        else:
            rng = check_random_state(self.random_state)
        if first:
            W = self._init_weights(X, rows, cols, rng)
            coords = np.array([(r, c) for r in range(rows) for c in range(cols)], dtype=np.float64)
        else:
            W, coords = self.cluster_centers_.copy(), self.grid_coordinates_
        order = rng.permutation(X.shape[0]).astype(np.int64)
        self._train(X, W, coords, order, n_calls * X.shape[0], self.max_epochs * X.shape[0])
        if first:
            self.grid_coordinates_ = coords
            self.n_iter_ = 0
        self.cluster_centers_ = W  # only after training succeeded: a diverged block leaves the map as it was
        self._n_partial_calls = n_calls + 1
        self.n_iter_ += int(order.shape[0])
        first_bmu, second, dist = som_bmu(X, self.cluster_centers_)
        self.labels_ = first_bmu
        self.quantization_error_ = float(dist.mean())
        self.topographic_error_ = self._topographic(first_bmu, second)
        return self

    def _train(self, X, W, coords, order, t_offset=0, t_total=0):
        """Run the training kernel on W in place; non-finite prototypes raise TrainingDivergedError."""
        n_done = som_train(X, W, coords, order, float(self.lr), float(self.sigma), t_offset, t_total)
        if n_done < order.shape[0] or not np.all(np.isfinite(W)):
            raise TrainingDivergedError(
                f"Training diverged: the prototypes became non-finite at step {min(n_done + 1, order.shape[0])} of "
                f"{order.shape[0]}. Try a smaller lr (got {self.lr}) or "
                "scaling the input (e.g. StandardScaler)."
            )

    def _topographic(self, first, second):
        d = np.abs(self.grid_coordinates_[first] - self.grid_coordinates_[second]).max(axis=1)
        return float(np.mean(d > 1))

    def _bmu(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        return som_bmu(X, self.cluster_centers_)

    def predict(self, X):
        """Best-matching unit (index into the grid, row-major) of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._bmu(X)[0]

    def transform(self, X):
        """Grid coordinates (row, column) of each row's best-matching unit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        coordinates : ndarray of shape (n_samples, 2)
        """
        first = self._bmu(X)[0]  # checks fitted before grid_coordinates_ is read
        return self.grid_coordinates_[first].copy()

    def get_feature_names_out(self, input_features=None):
        """Names of the two output columns: ``grid_row`` and ``grid_col``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against ``feature_names_in_``.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(["grid_row", "grid_col"], dtype=object)

    def quantization_error(self, X):
        """Mean distance of the rows to their best-matching prototype.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        error : float
        """
        return float(self._bmu(X)[2].mean())

    def topographic_error(self, X):
        """Fraction of rows whose two best-matching units are not grid neighbours.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        error : float
        """
        first, second, _ = self._bmu(X)
        return self._topographic(first, second)

    def score_samples(self, X):
        """Minus the distance of each row to its best-matching prototype (higher = more typical).

        Distances are in the units of X: standardise the columns first (a
        :class:`~sklearn.pipeline.Pipeline` with a scaler) when they differ.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return -self._bmu(X)[2]

    def score(self, X, y=None):
        """Negative quantization error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return -self.quantization_error(X)
