"""Self-supervised encoders for (multivariate) time series, as scikit-learn transformers.

Input convention: 3-d arrays ``(n_series, n_channels, n_timepoints)`` (sktime/aeon's numpy3D), or 2-d
``(n_series, n_timepoints)`` read as univariate series. Ragged series are NaN-padded at the end and masked.
"""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "CPCEncoder": "._cpc",
        "TSTEncoder": "._tst",
        "make_windows": "._validation",
    },
)
