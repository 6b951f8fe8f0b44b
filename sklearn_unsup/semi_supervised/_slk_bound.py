"""Bound updates and mean-shift modes of Laplacian k-prototypes (SLK), shared by its estimator and tests."""

import numpy as np

__all__ = ["bound_update", "mode", "softmax", "sq_distances"]

_SHIFT_ITER, _SHIFT_TOL = 100, 1e-5  # mean-shift of one mode (the official code: 1e-5 relative)
_BOUND_TOL = 1e-7  # relative change of the bound that ends the inner loop (as the official code)


def softmax(logits):
    """Row-wise softmax (max-shifted: finite for any finite logits)."""
    logits = logits - logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def sq_distances(Z, C):
    """Squared euclidean distances between the rows of Z and C, clipped at 0."""
    d = (Z * Z).sum(axis=1)[:, None] + (C * C).sum(axis=1)[None, :] - 2.0 * (Z @ C.T)
    return np.maximum(d, 0.0, out=d)


def _bound_energy(Y, a, WY, lam):
    """The relaxed energy the bound iterations minimise: entropy + unary - (lam / 2) tr(Y^T W Y)."""
    ent = float(np.sum(Y * np.log(np.maximum(Y, 1e-300))))
    return ent + float(np.sum(Y * a)) - 0.5 * lam * float(np.sum(Y * WY))


def bound_update(a, W, lam, Y, clamped, clamped_cols, max_iter):
    """Iterate ``Y <- softmax(-a + lam W Y)`` with the clamped rows fixed; stop when the relaxed energy settles.

    Each step minimises a bound of the relaxed energy (exactly so when W is
    positive semi-definite); a step that would raise the energy (possible on a
    kNN graph with a large ``lam``, where the parallel update oscillates) is
    not taken. Returns ``Y``, its energy and the number of steps taken.
    """
    WY = W @ Y
    energy = _bound_energy(Y, a, WY, lam)
    for step in range(max_iter):
        Y_new = softmax(lam * WY - a)
        Y_new[clamped] = 0.0
        Y_new[clamped, clamped_cols] = 1.0
        WY_new = W @ Y_new
        e_new = _bound_energy(Y_new, a, WY_new, lam)
        if e_new > energy + 1e-12 * abs(energy):
            return Y, energy, step
        done = abs(energy - e_new) <= _BOUND_TOL * abs(energy)
        Y, WY, energy = Y_new, WY_new, e_new
        if done:
            return Y, energy, step + 1
    return Y, energy, max_iter


def mode(P, m, sigma2):
    """Mean-shift from ``m`` to a mode of the Gaussian kernel density of the rows P (K-modes prototype)."""
    for _ in range(_SHIFT_ITER):
        d = ((P - m) ** 2).sum(axis=1)
        w = np.exp(-(d - d.min()) / (2.0 * sigma2))  # shifted: the weighted mean is unchanged, never 0/0
        m_new = (w @ P) / w.sum()
        converged = np.abs(m_new - m).max() <= _SHIFT_TOL * max(np.abs(m).max(), 1e-12)
        m = m_new
        if converged:
            break
    return m
