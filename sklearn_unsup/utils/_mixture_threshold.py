"""MIXMOD: the cut where a two-component mixture fitted to the scores changes its mind.

Every pair of distinct families among normal, log-normal, uniform, Student's t,
Pareto, Laplace, gamma, log-logistic (Fisk) and exponential (36 pairs) is
fitted by expectation-maximisation to the min-max normalised anomaly scores
shifted to ``[1, 2]``. For each fit, the last point of a grid where the two
components' posteriors cross is a candidate threshold; the candidate closest
to the mean of all candidates is kept (PyThresh's ``method="mean"``). Rows at
or above it are outliers.

The fits see at most :data:`_MAX_POINTS` evenly spaced order statistics of the
scores (deterministic, so the cut depends on the scores only, and its cost is
bounded: 36 fits of at most 250 EM steps on at most 2,000 points).

References
----------
.. [1] D. Kulik, "PyThresh: a Python toolbox for thresholding outlier detection
   scores", 2022 (the ``MIXMOD`` thresholder).
.. [2] M. Singleton, ``mixmod``: mixture models with non-normal components
   fitted by expectation-maximisation, 2022 (the EM fits PyThresh builds on).
"""

from itertools import combinations

import numpy as np
from scipy import optimize, special

_MAX_POINTS = 2000
_TOL = 1e-5
_MAX_ITER = 250


def _weighted_mean(values, weights):
    return float(np.sum(weights * values) / np.sum(weights))


def _weighted_median(values, weights):
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])


def _fit_norm(x, w, _):
    loc = _weighted_mean(x, w)
    return {"loc": loc, "scale": np.sqrt(_weighted_mean((x - loc) ** 2, w))}


def _fit_t(x, w, _):
    # location and scale as the normal's; degrees of freedom = the effective sample size (PyThresh's rule)
    return {**_fit_norm(x, w, None), "df": float(np.sum(w) ** 2 / np.sum(w ** 2))}


def _fit_laplace(x, w, _):
    loc = _weighted_median(x, w)
    return {"loc": loc, "scale": _weighted_mean(np.abs(x - loc), w)}


def _fit_expon(x, w, _):
    return {"scale": _weighted_mean(x, w)}


def _fit_lognorm(x, w, _):
    mu = _weighted_mean(np.log(x), w)
    return {"s": np.sqrt(_weighted_mean((np.log(x) - mu) ** 2, w)), "scale": np.exp(mu)}


def _fit_pareto(x, w, _):
    scale = float(x.min())
    return {"b": np.sum(w) / np.sum(w * (np.log(x) - np.log(scale))), "scale": scale}


def _fit_uniform(x, w, _):
    return {"loc": float(x.min()), "scale": float(x.max() - x.min())}


def _fit_gamma(x, w, _):
    # shape from log(a) - digamma(a) = log(mean) - mean(log), then scale = mean / a
    mean = _weighted_mean(x, w)
    gap = np.log(mean) - _weighted_mean(np.log(x), w)
    if not gap > 0:
        raise FloatingPointError("degenerate gamma component")
    shape = optimize.brentq(lambda a: np.log(a) - special.digamma(a) - gap, 1e-6, 1e9)
    return {"a": shape, "scale": mean / shape}


def _fit_fisk(x, w, previous, max_steps=20):
    """Weighted maximum likelihood: log x is logistic(mu, sigma), c = 1 / sigma; damped Newton in (mu, sigma)."""
    logs = np.log(x)
    mu = _weighted_mean(logs, w) if previous is None else np.log(previous["scale"])
    sigma = (np.sqrt(3.0 * _weighted_mean((logs - mu) ** 2, w)) / np.pi if previous is None
             else 1.0 / previous["c"])
    if not sigma > 0:
        raise FloatingPointError("degenerate log-logistic component")

    def log_likelihood(mu, sigma):
        z = (logs - mu) / sigma
        return np.sum(w * (-z - 2.0 * np.logaddexp(0.0, -z))) - np.sum(w) * np.log(sigma)

    current = log_likelihood(mu, sigma)
    for _ in range(max_steps):
        z = (logs - mu) / sigma
        t = np.tanh(z / 2.0)
        slope = (1.0 - t * t) / 2.0
        gradient = np.array([np.sum(w * t), np.sum(w * (z * t - 1.0))]) / sigma
        cross = np.sum(w * (z * slope + t))
        hessian = -np.array([[np.sum(w * slope), cross],
                             [cross, np.sum(w * (2.0 * z * t + z * z * slope - 1.0))]]) / sigma ** 2
        try:
            step = -np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or step @ gradient <= 0:
            step = gradient * sigma ** 2 / max(np.sum(w), 1e-300)  # not an ascent direction: a gradient step
        for _ in range(30):  # halve until the likelihood does not drop and sigma stays positive
            new_mu, new_sigma = mu + step[0], sigma + step[1]
            if new_sigma > 0:
                candidate = log_likelihood(new_mu, new_sigma)
                if candidate >= current:
                    break
            step = step / 2.0
        else:
            break
        mu, sigma, improvement, current = new_mu, new_sigma, candidate - current, candidate
        if improvement < 1e-10:
            break
    return {"c": 1.0 / sigma, "scale": float(np.exp(mu))}


def _outside(x, low, high, values):
    return np.where((x >= low) & (x <= high), values, -np.inf)


# log-densities written out (scipy.stats' generic machinery costs more than the arithmetic at this size);
# the parameters are scipy.stats' names, and tests/test_thresholds.py checks each against scipy.stats.
_LOG_PDFS = {
    "expon": lambda x, scale: _outside(x, 0.0, np.inf, -x / scale - np.log(scale)),
    "fisk": lambda x, c, scale: _outside(x, 0.0, np.inf, np.log(c / scale) + (c - 1.0) * np.log(x / scale)
                                          - 2.0 * np.logaddexp(0.0, c * np.log(x / scale))),
    "gamma": lambda x, a, scale: _outside(x, 0.0, np.inf, (a - 1.0) * np.log(x) - x / scale - special.gammaln(a)
                                           - a * np.log(scale)),
    "laplace": lambda x, loc, scale: -np.abs(x - loc) / scale - np.log(2.0 * scale),
    "t": lambda x, df, loc, scale: (special.gammaln((df + 1.0) / 2.0) - special.gammaln(df / 2.0)
                                    - 0.5 * np.log(df * np.pi) - np.log(scale)
                                    - (df + 1.0) / 2.0 * np.log1p(((x - loc) / scale) ** 2 / df)),
    "lognorm": lambda x, s, scale: _outside(x, 0.0, np.inf, -np.log(s * x * np.sqrt(2.0 * np.pi))
                                             - np.log(x / scale) ** 2 / (2.0 * s * s)),
    "norm": lambda x, loc, scale: -0.5 * ((x - loc) / scale) ** 2 - np.log(scale * np.sqrt(2.0 * np.pi)),
    "uniform": lambda x, loc, scale: _outside(x, loc, loc + scale, np.full_like(x, -np.log(scale))),
    "pareto": lambda x, b, scale: _outside(x, scale, np.inf, np.log(b) + b * np.log(scale) - (b + 1.0) * np.log(x)),
}
_FITS = {"expon": _fit_expon, "fisk": _fit_fisk, "gamma": _fit_gamma, "laplace": _fit_laplace, "t": _fit_t,
         "lognorm": _fit_lognorm, "norm": _fit_norm, "uniform": _fit_uniform, "pareto": _fit_pareto}


def _log_densities(x, families, params, weights):
    return np.stack([np.log(weight) + _LOG_PDFS[name](x, **param)
                     for name, param, weight in zip(families, params, weights)])


def _fit_mixture(x, families):
    """EM for a two-component mixture of ``families``; returns ``(params, weights)``."""
    uniform_weights = np.ones_like(x)
    params = [_FITS[name](x, uniform_weights, None) for name in families]
    weights = np.array([0.5, 0.5])
    previous = -np.inf
    with np.errstate(all="ignore"):
        for _ in range(_MAX_ITER):
            log_joint = _log_densities(x, families, params, weights)
            log_total = np.logaddexp(log_joint[0], log_joint[1])
            log_likelihood = float(np.sum(log_total))
            if not np.isfinite(log_likelihood):
                break
            if abs(log_likelihood - previous) < _TOL:
                break
            previous = log_likelihood
            responsibilities = np.exp(log_joint - log_total)
            weights = responsibilities.sum(axis=1) / x.size
            if np.any(weights <= 0):
                raise FloatingPointError("empty mixture component")
            params = [_FITS[name](x, resp, param)
                      for name, resp, param in zip(families, responsibilities, params)]
    return params, weights


def _last_crossing(grid, families, params, weights):
    """Index of the last grid point after which the more probable component changes (None if it never does)."""
    with np.errstate(all="ignore"):
        log_joint = np.nan_to_num(_log_densities(grid, families, params, weights), nan=-np.inf)
    covered = np.flatnonzero(np.isfinite(log_joint).any(axis=0))  # outside both supports nothing is decided
    sign = np.sign(log_joint[1, covered] - log_joint[0, covered])
    changes = np.flatnonzero(np.diff(sign) != 0)
    return int(covered[changes[-1]]) if changes.size else None


def mixmod_limit(anomaly):
    """Threshold on ``anomaly`` (min-max normalised to [0, 1]) at and above which rows are outliers.

    Returns ``None`` when no mixture's posteriors cross (nothing is flagged).
    """
    x = np.sort(anomaly) + 1.0
    if x.size > _MAX_POINTS:
        x = x[np.linspace(0, x.size - 1, _MAX_POINTS).round().astype(np.intp)]
    grid = np.linspace(1.0, 2.0, max(3 * x.size, 1000))
    crossings = []
    for families in combinations(_FITS, 2):
        try:
            params, weights = _fit_mixture(x, families)
        except (FloatingPointError, ValueError, ZeroDivisionError, RuntimeError):
            continue  # this pair cannot describe the scores (PyThresh skips it too)
        index = _last_crossing(grid, families, params, weights)
        if index is not None:
            crossings.append(grid[index])
    if not crossings:
        return None
    crossings = np.asarray(crossings)
    return float(crossings[np.argmin(np.abs(crossings.mean() - crossings))] - 1.0)
