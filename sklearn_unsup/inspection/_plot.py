"""One row's explanation as a figure: its top features, and where its values sit among the training rows."""

import numpy as np

__all__ = ["plot_outlier_explanation"]


def _band_coordinates(values, quantiles):
    """Values and quantiles of each feature in robust units: (v - median) / (outer band width), 0 = median."""
    mid = quantiles[len(quantiles) // 2]
    width = quantiles[-1] - quantiles[0]
    width = np.where(width > 0, width, 1.0)
    return (values - mid) / width, (quantiles - mid) / width


def plot_outlier_explanation(contributions, *, feature_names=None, X_row=None, quantiles=None, n_features=10,
                             title=None):
    """Bar chart of the features that drive one row's outlier score, with quantile bands.

    The left panel shows the row's ``n_features`` largest contributions (from
    :class:`OutlierExplainer` or :func:`explain_outliers`). Given the row's
    values and the training quantiles (``OutlierExplainer.quantiles_``), the
    right panel shows, for the same features, the row's value (red dot)
    against the training rows' bands: the outer quantiles (light), the inner
    ones (dark) and the median (line), each feature on its own scale
    (``(value - median) / (outer band width)``), so features in different
    units share one axis. matplotlib is imported on the first call only.

    Parameters
    ----------
    contributions : array-like of shape (n_features_explained,)
        One row of contributions; a pandas Series gives the feature names.
    feature_names : array-like of str or None, default=None
        Names of the features (default: the Series index, else ``x0, x1, ...``).
    X_row : array-like of shape (n_features_explained,) or None, default=None
        The row's values in the explained space.
    quantiles : ndarray of shape (n_quantiles, n_features_explained) or None, default=None
        Training quantiles of each feature at increasing levels (an odd count
        puts the median in the middle), e.g. ``OutlierExplainer.quantiles_``.
    n_features : int, default=10
        Number of top features shown.
    title : str or None, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_unsup.inspection import OutlierExplainer, plot_outlier_explanation
    >>> X = np.random.RandomState(0).normal(size=(300, 4))
    >>> explainer = OutlierExplainer(IsolationForest(random_state=0)).fit(X)
    >>> row = np.array([0.0, 0.0, 9.0, 0.0])
    >>> fig = plot_outlier_explanation(explainer.explain(row[None])[0], X_row=row,
    ...                                quantiles=explainer.quantiles_)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    if feature_names is None and hasattr(contributions, "index"):
        feature_names = list(map(str, contributions.index))
    c = np.asarray(contributions, dtype=np.float64)
    if c.ndim != 1:
        raise ValueError(f"contributions must be one row (1-d), got shape {c.shape}.")
    d = c.shape[0]
    names = np.asarray([f"x{j}" for j in range(d)] if feature_names is None else feature_names, dtype=object)
    if names.shape != (d,):
        raise ValueError(f"feature_names has {names.size} names for {d} contributions.")
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive int, got {n_features!r}.")
    if (X_row is None) != (quantiles is None):
        raise ValueError("pass both X_row and quantiles for the bands, or neither.")
    top = np.argsort(-c, kind="stable")[:n_features][::-1]  # largest at the top of the chart
    bands = X_row is not None
    fig, axes = plt.subplots(1, 2 if bands else 1, sharey=True, squeeze=False,
                             figsize=(9 if bands else 5, 0.4 * len(top) + 1.2))
    ax = axes[0, 0]
    y = np.arange(len(top))
    ax.barh(y, c[top], color="tab:red")
    ax.set_yticks(y, names[top])
    ax.set_xlabel("contribution (larger = more abnormal)")
    if bands:
        x = np.asarray(X_row, dtype=np.float64).ravel()
        q = np.asarray(quantiles, dtype=np.float64)
        if x.shape != (d,) or q.ndim != 2 or q.shape[1] != d:
            raise ValueError(f"X_row must have {d} values and quantiles shape (n_quantiles, {d}); "
                             f"got {x.shape} and {q.shape}.")
        v, qb = _band_coordinates(x[top], q[:, top])
        ax2 = axes[0, 1]
        ax2.barh(y, qb[-1] - qb[0], left=qb[0], color="0.85", label="outer quantiles")
        if len(qb) >= 4:
            ax2.barh(y, qb[-2] - qb[1], left=qb[1], color="0.6", label="inner quantiles")
        ax2.scatter(np.zeros_like(y, dtype=float), y, marker="|", color="k", s=120, label="median")
        ax2.scatter(v, y, color="tab:red", zorder=3, label="this row")
        ax2.set_xlabel("value, (v - median) / outer band width")
        ax2.legend(loc="lower right", fontsize="small")
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
