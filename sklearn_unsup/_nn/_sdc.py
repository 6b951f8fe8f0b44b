"""Hash head and loss of Similarity Distribution Calibration (SDC, Ng et al., BMVC 2023)."""

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["HashHead", "SDCLoss", "beta_targets"]


class HashHead(nn.Module):
    """``Linear(d, d) -> GELU -> Linear(d, n_bits) -> BatchNorm1d(n_bits)`` on frozen features.

    ``forward`` returns the continuous codes ``v``; the binary code of a row is
    the sign pattern of ``v``.

    Parameters
    ----------
    n_features : int
        Input width ``d`` (also the hidden width, as in the authors' head).
    n_bits : int
        Code length.
    """

    def __init__(self, n_features, n_bits):
        super().__init__()
        self.hash_fc = nn.Sequential(
            nn.Linear(n_features, n_features),
            nn.GELU(),
            nn.Linear(n_features, n_bits),
            nn.BatchNorm1d(n_bits),
        )

    def forward(self, x):
        return self.hash_fc(x)


@lru_cache(maxsize=64)
def _beta_targets(n_pairs, beta, nonnegative):
    from scipy import stats

    grid = np.arange(1.0, 2 * n_pairs, 2.0) / (2 * n_pairs)  # mid-points (2i + 1) / (2n)
    target = stats.beta.ppf(grid, a=beta, b=beta) * 2.0 - 1.0  # quantiles mapped to [-1, 1]
    if nonnegative:
        target = np.maximum(target, 0.0)
    return target.astype(np.float32)


def beta_targets(n_pairs, beta, nonnegative=False):
    """The calibration targets of ``n_pairs`` pairs: Beta(beta, beta) quantiles at (2i + 1) / (2 n), as 2 q - 1.

    Sorted ascending; with ``nonnegative`` the negative targets are set to 0
    (the authors' ``ortho_constraint``: dissimilar pairs aim at orthogonal codes).
    """
    return torch.from_numpy(_beta_targets(int(n_pairs), float(beta), bool(nonnegative)))


class SDCLoss(nn.Module):
    """Similarity distribution calibration plus quantisation loss.

    The batch is split in halves and row ``i`` of the first half is paired with
    row ``i`` of the second (a batch of odd size drops its last row). The pairs
    are sorted by the cosine similarity of their inputs (no gradient); the
    cosine similarities of their continuous codes, in that order, are pulled
    (L1) towards the sorted quantiles of a Beta(``beta``, ``beta``)
    distribution on [-1, 1], so that code similarities keep the input order
    and spread over the whole range. The quantisation term
    ``mean(1 - cos(v, sign(v)))`` pushes each code towards a corner of the cube.

    Parameters
    ----------
    beta : float, default=5.0
        Both shape parameters of the calibration distribution.
    quantization_weight : float, default=1.0
        Weight of the quantisation term (the calibration term has weight 1).
    nonnegative_targets : bool, default=False
        Clip the targets at 0 (the authors' ``ortho_constraint``).
    """

    def __init__(self, beta=5.0, quantization_weight=1.0, nonnegative_targets=False):
        super().__init__()
        self.beta = beta
        self.quantization_weight = quantization_weight
        self.nonnegative_targets = nonnegative_targets

    def forward(self, v, X):
        half = v.shape[0] // 2
        xa, xb = X[:half], X[half : 2 * half]
        va, vb = v[:half], v[half : 2 * half]
        with torch.no_grad():
            order = torch.argsort(F.cosine_similarity(xa, xb), stable=True)
        code_sim = F.cosine_similarity(va, vb)[order]
        target = beta_targets(half, self.beta, self.nonnegative_targets).to(device=v.device, dtype=v.dtype)
        calibration = F.l1_loss(code_sim, target)
        v = v[: 2 * half]
        quantization = (1.0 - F.cosine_similarity(v, v.sign())).mean()
        return calibration + self.quantization_weight * quantization
