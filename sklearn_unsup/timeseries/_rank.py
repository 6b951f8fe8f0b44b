"""The effective rank of a set of codes: the collapse diagnostic of the time-series encoders."""

import numpy as np

__all__ = ["effective_rank"]


def effective_rank(Z):
    """Entropy-based effective rank of the centred rows of ``Z`` (Roy & Vetterli, 2007).

    ``exp(-sum_i p_i log p_i)`` with ``p_i = s_i / sum_j s_j`` over the singular
    values ``s_i`` of ``Z - Z.mean(axis=0)``: between 1 (the codes vary along
    one direction) and ``min(n_rows - 1, n_columns)`` (every direction equally
    used); 0 when the codes are constant. Singular values below
    ``max(Z.shape) * eps32 * ||Z||_F`` (float32 rounding of the uncentred
    codes) are counted as 0, so that a collapsed encoder whose codes differ by
    rounding only does not read as full rank.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or min(Z.shape) == 0:
        return 0.0
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    s = s[s > max(Z.shape) * np.finfo(np.float32).eps * np.linalg.norm(Z)]
    if s.size == 0:
        return 0.0
    p = s / s.sum()
    return float(np.exp(-np.sum(p * np.log(p))))
