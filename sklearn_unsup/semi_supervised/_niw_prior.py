"""Normal-inverse-Wishart prior of a Gaussian cluster: log marginal likelihood and posterior parameters.

The split/merge moves of :class:`SplitMergeGMM` compare the marginal
likelihood of a cluster's rows under one Gaussian with unknown mean and
covariance (the parameters integrated out under a conjugate prior) against
that of two sub-clusters. Formulas: K. P. Murphy, "Conjugate Bayesian analysis
of the Gaussian distribution", 2007, §9 (full covariance, normal-inverse-
Wishart) and §6 (one dimension, normal-inverse-gamma, used per feature for the
diagonal model).
"""

import numpy as np
from scipy.special import gammaln, multigammaln

__all__ = ["NIWPrior"]


class NIWPrior:
    """Conjugate prior ``NIW(mu0, kappa, nu, Psi)`` with ``Psi = psi_scale * I``.

    Parameters
    ----------
    mean : ndarray of shape (d,)
        Prior mean ``mu0``.
    kappa : float
        Prior pseudo-count of the mean.
    nu : float
        Degrees of freedom of the inverse-Wishart (full model; must exceed d - 1).
    psi_scale : float
        Scale of the isotropic prior scatter matrix.
    diagonal : bool
        Independent features: a normal-inverse-gamma prior per feature whose
        shape ``(nu - d + 1) / 2`` and scale ``psi_scale / 2`` are the marginal of
        one diagonal entry of the inverse-Wishart above, so both models share
        their parameters.
    """

    def __init__(self, mean, kappa, nu, psi_scale, diagonal):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.kappa = float(kappa)
        self.nu = float(nu)
        self.psi_scale = float(psi_scale)
        self.diagonal = bool(diagonal)
        d = self.mean.shape[0]
        self._d = d
        if self.diagonal:
            self._alpha = (self.nu - d + 1) / 2.0
            self._beta = self.psi_scale / 2.0
        else:
            self._log_det_psi = d * np.log(self.psi_scale)

    def _stats(self, X):
        n = X.shape[0]
        xbar = X.mean(axis=0)
        centered = X - xbar
        shift = xbar - self.mean
        shrink = self.kappa * n / (self.kappa + n)
        return n, xbar, centered, shift, shrink

    def log_marginal_likelihood(self, X):
        """log p(X) with the mean and covariance integrated out (X: the rows of one cluster, float64)."""
        n, _, centered, shift, shrink = self._stats(X)
        d = self._d
        kappa_n = self.kappa + n
        if self.diagonal:
            alpha_n = self._alpha + n / 2.0
            beta_n = self._beta + 0.5 * np.einsum("ij,ij->j", centered, centered) + 0.5 * shrink * shift**2
            per_feature = (gammaln(alpha_n) - gammaln(self._alpha) + self._alpha * np.log(self._beta)
                           - alpha_n * np.log(beta_n) + 0.5 * (np.log(self.kappa) - np.log(kappa_n))
                           - 0.5 * n * np.log(2.0 * np.pi))
            return float(per_feature.sum())
        nu_n = self.nu + n
        scatter = centered.T @ centered + shrink * np.outer(shift, shift)
        scatter[np.diag_indices(d)] += self.psi_scale
        _, log_det_n = np.linalg.slogdet(scatter)
        return float(-0.5 * n * d * np.log(np.pi) + multigammaln(nu_n / 2.0, d) - multigammaln(self.nu / 2.0, d)
                     + 0.5 * self.nu * self._log_det_psi - 0.5 * nu_n * log_det_n
                     + 0.5 * d * (np.log(self.kappa) - np.log(kappa_n)))

    def posterior(self, X):
        """Posterior mean of the cluster mean and posterior mode of its covariance (or variances when diagonal)."""
        n, xbar, centered, shift, shrink = self._stats(X)
        d = self._d
        mean = (self.kappa * self.mean + n * xbar) / (self.kappa + n)
        if self.diagonal:
            alpha_n = self._alpha + n / 2.0
            beta_n = self._beta + 0.5 * np.einsum("ij,ij->j", centered, centered) + 0.5 * shrink * shift**2
            # the mode of the inverse gamma: finite for every n (its mean needs alpha_n > 1)
            return mean, beta_n / (alpha_n + 1.0)
        scatter = centered.T @ centered + shrink * np.outer(shift, shift)
        scatter[np.diag_indices(d)] += self.psi_scale
        # the mode of the inverse Wishart (its mean needs nu_n > d + 1)
        return mean, scatter / (self.nu + n + d + 1.0)
