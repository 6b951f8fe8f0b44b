"""MNIST-Nd rebuilt from mnist5k: a mixture-of-Gaussians-prior VAE per latent size (benchmark asset, not package).

Turishcheva et al. (NeurReps 2024, arXiv 2410.16124) train a mixture VAE with 10 components on MNIST at latent
sizes 2, 4, 8, 16, 32, 64 and take each model's encoder means as one data set ("MNIST-Nd"). Their files are not
reachable here; this is a RECONSTRUCTION of the protocol on the 5,000-row mnist5k sample, written from the
paper's description (their generator adapts the Gumbel-softmax GMVAE of jariasf/GMVAE; this one is VaDE-style):

- encoder 784-512-256 -> (mu, log sigma^2) of size d, decoder d-256-512-784 (ReLU, Bernoulli pixel logits);
- prior p(z) = sum_c pi_c N(z; mu_c, diag sigma^2_c), 10 components, all learnable (VaDE: Jiang et al. 2017);
- loss per row = BCE summed over the 784 pixels + beta(d) * KL, the KL in VaDE's closed form
  (E_q[log q(z, c | x) - log p(z, c)] with q(c | x) = p(c | z) at one reparameterised z);
- beta(d) = 2 / d (the 2-d model is the plain ELBO, larger latents get the KL divided by d / 2): our reading of
  "KL scaled with the latent dimension to keep a constant signal-to-noise ratio"; the published schedule was
  not retrieved (the authors' analysis notebook names its file "..._scaled_2kl", nothing more);
- training: Adam (lr 2e-3, batch 128); 10 epochs of plain autoencoding (the encoder means only), then the prior
  is initialised from a diagonal GaussianMixture fitted to the means (VaDE's start), then 35 epochs of the ELBO
  (45 epochs, about a minute per latent size on 2 CPU threads; the authors train to early stopping); CPU,
  torch threads 2, seeded by ``seed`` (private generator; torch's global state is left as it was);
- the data set: the encoder means of the 5,000 rows (as the authors' ``latent_features``), labels the digits.
"""

import time

import numpy as np
import torch
from sklearn.mixture import GaussianMixture
from torch import nn

K = 10
DIMS = (2, 4, 8, 16, 32, 64)


def beta(d):
    return 2.0 / d


class MoGVAE(nn.Module):
    def __init__(self, d, n_features=784, k=K):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(n_features, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
        self.mu = nn.Linear(256, d)
        self.logvar = nn.Linear(256, d)
        self.dec = nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                                 nn.Linear(512, n_features))
        self.pi_logits = nn.Parameter(torch.zeros(k))
        self.prior_mu = nn.Parameter(torch.zeros(k, d))
        self.prior_logvar = nn.Parameter(torch.zeros(k, d))

    def encode(self, x):
        h = self.enc(x)
        return self.mu(h), self.logvar(h).clamp(-12.0, 8.0)

    def kl(self, z, mu, logvar):
        """VaDE's closed-form KL(q(z, c | x) || p(z, c)) per row, q(c | x) = p(c | z)."""
        log_pi = torch.log_softmax(self.pi_logits, 0)
        pm, plv = self.prior_mu, self.prior_logvar  # (k, d)
        log_pz_c = -0.5 * (((z[:, None] - pm) ** 2) / plv.exp() + plv + np.log(2 * np.pi)).sum(-1)  # (n, k)
        gamma = torch.softmax(log_pz_c + log_pi, 1).detach().clamp_min(1e-10)
        # E_q[log p(z | c)] for each c, closed form in q's mean and variance
        e_log_pz_c = -0.5 * (plv + (logvar.exp()[:, None] + (mu[:, None] - pm) ** 2) / plv.exp()
                             + np.log(2 * np.pi)).sum(-1)
        e_log_qz = -0.5 * (1 + logvar + np.log(2 * np.pi)).sum(-1)
        return (gamma * (gamma.log() - log_pi - e_log_pz_c)).sum(1) + e_log_qz

    def responsibilities(self, z):
        log_pi = torch.log_softmax(self.pi_logits, 0)
        plv = self.prior_logvar
        log_pz_c = -0.5 * (((z[:, None] - self.prior_mu) ** 2) / plv.exp() + plv).sum(-1)
        return torch.softmax(log_pz_c + log_pi, 1)


def make_mnist_nd(X, d, seed=0, epochs=35, pretrain_epochs=10, batch_size=128, lr=2e-3, threads=2):
    """Train the MoG-prior VAE at latent size d on X (pixels in [0, 1]); return (codes, info)."""
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = MoGVAE(d, X.shape[1])
    Xt = torch.as_tensor(X, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    n, b = len(Xt), beta(d)
    t0 = time.perf_counter()
    curve = []
    for epoch in range(pretrain_epochs + epochs):
        if epoch == pretrain_epochs:  # VaDE's start: the prior from a diagonal GMM on the means
            with torch.no_grad():
                m = model.encode(Xt)[0].numpy().astype(np.float64)
            gm = GaussianMixture(K, covariance_type="diag", random_state=seed, reg_covar=1e-4).fit(m)
            with torch.no_grad():
                model.pi_logits.copy_(torch.as_tensor(np.log(gm.weights_), dtype=torch.float32))
                model.prior_mu.copy_(torch.as_tensor(gm.means_, dtype=torch.float32))
                model.prior_logvar.copy_(torch.as_tensor(np.log(gm.covariances_), dtype=torch.float32))
        total = 0.0
        for idx in torch.randperm(n, generator=gen).split(batch_size):
            x = Xt[idx]
            mu, logvar = model.encode(x)
            if epoch < pretrain_epochs:
                loss = bce(model.dec(mu), x).sum(1).mean()
            else:
                z = mu + torch.randn(mu.shape, generator=gen) * (0.5 * logvar).exp()
                loss = (bce(model.dec(z), x).sum(1) + b * model.kl(z, mu, logvar)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        curve.append(total / n)
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(Xt)
        gamma = model.responsibilities(mu).numpy()
    codes = mu.numpy().astype(np.float32)
    info = {"dim": d, "beta": b, "vae_seed": seed, "vae_epochs": pretrain_epochs + epochs,
            "vae_s": time.perf_counter() - t0, "final_loss": curve[-1],
            # latent units whose mean moves across rows (Burda et al.'s activity, threshold 0.01)
            "active_units": int((codes.var(0) > 0.01).sum()),
            "mean_posterior_var": float(logvar.exp().mean()), "vae_assignments": gamma.argmax(1)}
    return codes, info
