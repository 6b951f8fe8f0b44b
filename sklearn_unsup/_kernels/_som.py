"""Online self-organising map training (Kohonen), one sample per step."""

import numba
import numpy as np

__all__ = ["som_train", "som_bmu"]


@numba.njit(cache=True)
def som_train(X, W, coords, order, lr, sigma, t_offset=0, t_total=0):
    """Train the map in place, visiting ``X[order[t]]`` at step t.

    Step t uses ``eta_t = lr / (1 + 2 t / T)`` and
    ``sigma_t = sigma / (1 + 2 t / T)`` (the asymptotic decay of MiniSom) and a
    Gaussian neighbourhood on the grid around the best-matching unit:
    ``W_u += eta_t * exp(-|c_u - c_bmu|^2 / (2 sigma_t^2)) * (x - W_u)``.

    Parameters
    ----------
    X : ndarray (n, d)
    W : ndarray (n_units, d), updated in place
    coords : ndarray (n_units, 2), grid position of each unit
    order : ndarray (T,) of int, the rows to visit (drawn by the caller)
    t_offset, t_total : int
        Continue a schedule: this call's steps are steps ``t_offset ..`` of a
        schedule of ``t_total`` steps (``partial_fit``); ``t_total = 0`` means
        the schedule is this call's ``len(order)`` steps.

    Returns
    -------
    n_done : int
        Steps completed: ``len(order)``, or the step at which a squared
        distance stopped being finite (the prototypes diverged, e.g. with too
        large a learning rate); training stops there and the caller decides.
    """
    n_units, d = W.shape
    n_steps = order.shape[0]
    T = t_total if t_total > 0 else n_steps
    half = T / 2.0
    for s in range(n_steps):
        t = t_offset + s
        x = X[order[s]]
        best = np.inf
        bmu = 0
        for u in range(n_units):
            sq = 0.0
            for f in range(d):
                diff = x[f] - W[u, f]
                sq += diff * diff
            if sq < best:
                best = sq
                bmu = u
        if not best < np.inf:  # every distance inf or NaN: the prototypes diverged
            return s
        decay = 1.0 + t / half
        eta = lr / decay
        sig = sigma / decay
        inv = 1.0 / (2.0 * sig * sig)
        by = coords[bmu, 0]
        bx = coords[bmu, 1]
        for u in range(n_units):
            dy = coords[u, 0] - by
            dx = coords[u, 1] - bx
            h = eta * np.exp(-(dy * dy + dx * dx) * inv)
            if h < 1e-12:
                continue
            for f in range(d):
                W[u, f] += h * (x[f] - W[u, f])
    return n_steps


@numba.njit(parallel=True, cache=True)
def som_bmu(X, W):
    """Best and second-best matching unit of each row, and the distance to the best."""
    n, d = X.shape
    n_units = W.shape[0]
    first = np.empty(n, dtype=np.int64)
    second = np.empty(n, dtype=np.int64)
    dist = np.empty(n, dtype=np.float64)
    for i in numba.prange(n):
        b1 = np.inf
        b2 = np.inf
        i1 = 0
        i2 = 0
        for u in range(n_units):
            s = 0.0
            for f in range(d):
                diff = X[i, f] - W[u, f]
                s += diff * diff
            if s < b1:
                b2 = b1
                i2 = i1
                b1 = s
                i1 = u
            elif s < b2:
                b2 = s
                i2 = u
        first[i] = i1
        second[i] = i2 if n_units > 1 else i1
        dist[i] = np.sqrt(b1)
    return first, second, dist
