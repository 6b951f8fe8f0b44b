"""What the generative models share: checked latent codes and the generator of ``sample``."""

import numpy as np
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import check_is_fitted

__all__ = ["GenerativeMixin"]


class GenerativeMixin:
    """Helpers of the models with ``sample`` and a decoder (mixin, not public)."""

    def _validate_codes(self, X):
        """Latent codes given to ``inverse_transform``: 2-d, finite, ``n_components`` columns."""
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects "
                f"n_components={self.n_components} codes."
            )
        return Z

    def _sampling_rng(self, n_samples, random_state):
        """Checked ``n_samples`` and the generator of a ``sample`` call."""
        check_is_fitted(self)
        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}.")
        return int(n_samples), check_random_state(self.random_state if random_state is None else random_state)
