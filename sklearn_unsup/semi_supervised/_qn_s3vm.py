"""Quasi-Newton semi-supervised linear SVM (QN-S3VM, Gieseke et al. 2014), and its one-vs-rest use.

The S3VM of a binary problem with labelled rows ``(x_i, y_i)``, ``y_i = ±1``, and unlabelled rows ``x_j``
minimises, over a linear ``f(x) = w·(x - m) + b``,

    F(w) = (1/l) Σ_i L(y_i f(x_i)) + (λ_u/u) Σ_j exp(-s f(x_j)²) + λ ||w||²

with the differentiable hinge surrogate ``L(t) = log(1 + exp(γ (1 - t))) / γ`` (γ = 20) and the unlabelled
loss ``exp(-s t²)`` (s = 3), which pushes the decision boundary out of the dense regions of the unlabelled rows.
The balance constraint ``(1/u) Σ_j f(x_j) = 2 r - 1`` (``r``: the share of positive labelled rows) keeps it from
putting every unlabelled row on one side; as in QN-S3VM it holds exactly by centering the rows on the mean of the
unlabelled ones (``m``) and fixing the offset ``b = 2 r - 1``. The non-convex problem is solved by L-BFGS with
the analytic gradient, along the authors' annealing of ``λ_u`` from 0 (the supervised problem) up to its value,
each stage started at the previous solution.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

__all__ = ["ANNEALING", "ovr_s3vm_scores", "qn_s3vm", "s3vm_objective"]

#: Shares of ``λ_u`` of the successive stages (the QN-S3VM authors' schedule).
ANNEALING = (0.0, 1e-6, 1e-4, 1e-2, 0.1, 0.5, 1.0)
GAMMA = 20.0
S = 3.0


def s3vm_objective(w, X_l, y_l, X_u, b, lam, lam_u, s=S, gamma=GAMMA):
    """Value and gradient of the S3VM objective in ``w`` (rows already centered, offset ``b`` fixed)."""
    margin = y_l * (X_l @ w + b)
    z = gamma * (1.0 - margin)
    value = np.logaddexp(0.0, z).sum() / (gamma * len(y_l))
    grad = -(X_l.T @ (expit(z) * y_l)) / len(y_l)
    if len(X_u) and lam_u > 0:
        f = X_u @ w + b
        e = np.exp(-s * f * f)
        value += lam_u * e.mean()
        grad += (lam_u / len(f)) * (X_u.T @ (-2.0 * s * f * e))
    value += lam * float(w @ w)
    grad += 2.0 * lam * w
    return float(value), grad


def qn_s3vm(X_l, y_l, X_u, *, lam=1e-3, lam_u=1.0, r=None, max_iter=200, annealing=ANNEALING):
    """Fit a linear S3VM; returns ``(w, b, m)`` with ``f(x) = (x - m) @ w + b``.

    Parameters
    ----------
    X_l : ndarray of shape (l, d)
        Labelled rows.
    y_l : ndarray of shape (l,)
        Their labels, ``+1`` or ``-1``.
    X_u : ndarray of shape (u, d)
        Unlabelled rows (may be empty: then the supervised solution with ``m`` the labelled mean).
    lam : float
        Weight of ``||w||²``.
    lam_u : float
        Weight of the unlabelled loss.
    r : float in (0, 1) or None
        Share of positive rows among the unlabelled ones; None: the share among the labelled rows.
    max_iter : int
        L-BFGS iterations of each annealing stage.
    annealing : sequence of float
        Shares of ``lam_u`` of the successive stages.
    """
    X_l = np.asarray(X_l, dtype=np.float64)
    X_u = np.asarray(X_u, dtype=np.float64)
    y_l = np.where(np.asarray(y_l) > 0, 1.0, -1.0)
    if r is None:
        r = float(np.mean(y_l > 0))
    b = 2.0 * float(r) - 1.0
    m = X_u.mean(axis=0) if len(X_u) else X_l.mean(axis=0)
    X_l, X_u = X_l - m, X_u - m
    w = np.zeros(X_l.shape[1])
    for share in annealing if len(X_u) else (0.0,):
        res = minimize(s3vm_objective, w, args=(X_l, y_l, X_u, b, lam, lam_u * share), jac=True,
                       method="L-BFGS-B", options={"maxiter": int(max_iter)})
        w = res.x
    return w, b, m


def ovr_s3vm_scores(Z, labelled, codes, n_classes, *, lam=1e-3, lam_u=1.0, max_iter=200):
    """One-vs-rest S3VM decision values of every row of ``Z``, shape ``(n_samples, n_classes)``.

    ``labelled``: indices of the labelled rows, ``codes``: their class indices in ``0..n_classes-1``; every other
    row is unlabelled. Class ``c`` against the rest is one S3VM, balanced to the share of ``c`` among the labelled
    rows. Returns the scores and the coefficients ``W`` (n_features, n_classes), offsets ``b`` and centers ``M``.
    """
    Z = np.asarray(Z, dtype=np.float64)
    unlabelled = np.ones(len(Z), dtype=bool)
    unlabelled[labelled] = False
    Z_l, Z_u = Z[labelled], Z[unlabelled]
    W = np.zeros((Z.shape[1], n_classes))
    b = np.zeros(n_classes)
    M = np.zeros((n_classes, Z.shape[1]))
    for c in range(n_classes):
        W[:, c], b[c], M[c] = qn_s3vm(Z_l, np.where(codes == c, 1.0, -1.0), Z_u, lam=lam, lam_u=lam_u,
                                      max_iter=max_iter)
    scores = Z @ W - (M * W.T).sum(axis=1) + b
    return scores, W, b, M
