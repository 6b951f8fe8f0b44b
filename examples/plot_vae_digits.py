"""
VAE on digits: latent space and samples
=======================================

A :class:`~sklearn_unsup.decomposition.VAE` with a Bernoulli likelihood learns
a 2-d latent space of scikit-learn's digits (pixels / 16). Left: the posterior
means coloured by the true digit (never used in training). Right: new digits
decoded from a grid over the latent space, which is also how ``sample`` draws
rows (from the standard normal prior). ``score`` is a bound on the
log-likelihood, so ``GridSearchCV`` could choose ``n_components`` or ``beta``.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.datasets import load_digits

from sklearn_unsup.decomposition import VAE

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
X = X / 16.0
vae = VAE(n_components=2, likelihood="bernoulli", max_epochs=3 if FAST else 150, batch_size=64,
          random_state=0).fit(X)
print(f"mean ELBO: {vae.score(X):.1f} nats per digit")

fig, (ax_latent, ax_grid) = plt.subplots(1, 2, figsize=(11, 5))
Z = vae.transform(X)
sc = ax_latent.scatter(Z[:, 0], Z[:, 1], c=y, cmap="tab10", s=6)
ax_latent.set_title("posterior means, coloured by digit")
fig.colorbar(sc, ax=ax_latent, ticks=range(10))

# %%
# Decode a grid of latent points (prior quantiles) into images
n = 12
grid = norm.ppf(np.linspace(0.03, 0.97, n))
codes = np.array([[a, b] for b in grid[::-1] for a in grid])
images = vae.inverse_transform(codes).reshape(n, n, 8, 8)
canvas = images.transpose(0, 2, 1, 3).reshape(n * 8, n * 8)
ax_grid.imshow(canvas, cmap="gray_r")
ax_grid.set_title("digits decoded from a grid of the 2-d latent space")
ax_grid.axis("off")
plt.tight_layout()
plt.show()
