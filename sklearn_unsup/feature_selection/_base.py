"""What the score-based selectors share: how many features to keep, the support mask, the tags."""

import numpy as np
from scipy.stats import rankdata

from ..utils._sklearn_compat import Integral, Interval, RealNotInt, check_is_fitted

N_FEATURES_TO_SELECT_CONSTRAINT = [Interval(Integral, 1, None, closed="left"),
                                   Interval(RealNotInt, 0, 1, closed="right"), None]


class ScoreSelectorMixin:
    """Keeps the ``n_features_to_select`` features of highest ``scores_`` (ties: the first column)."""

    def _set_scores(self, scores):
        self.scores_ = scores
        self.ranking_ = rankdata(-scores, method="ordinal").astype(int)

    def _n_selected(self):
        n = self.n_features_in_
        k = self.n_features_to_select
        if k is None:
            return max(1, n // 2)
        if isinstance(k, (Integral, np.integer)):
            if k > n:
                raise ValueError(f"n_features_to_select={k} must be <= n_features={n}.")
            return int(k)
        return max(1, int(round(k * n)))

    def _get_support_mask(self):
        check_is_fitted(self)
        mask = np.zeros(self.n_features_in_, dtype=bool)
        mask[np.argsort(-self.scores_, kind="stable")[: self._n_selected()]] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags
