"""
Training block by block with ``partial_fit``
============================================

When the rows do not fit in memory (or arrive as a stream), ``partial_fit``
trains on one block at a time and keeps the model between calls: one epoch of
the network for the torch estimators, one mini-batch update for
:class:`~sklearn_unsup.cluster.BalancedKMeans`. ``dask_ml.wrappers.Incremental``
runs the same loop over the blocks of a dask array.

Here scikit-learn's digits are cut into six shuffled blocks. Left: the
reconstruction error of an :class:`~sklearn_unsup.decomposition.AutoEncoder`
after each pass over the blocks, next to ``fit`` on all rows with the same
number of epochs and to PCA with as many components. Right: the agreement (ARI)
of balanced k-means with the digit classes as blocks arrive, against a full
``fit``.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from sklearn_unsup.cluster import BalancedKMeans
from sklearn_unsup.decomposition import AutoEncoder

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"
n_passes = 2 if FAST else 20

X, y = load_digits(return_X_y=True)
perm = np.random.RandomState(0).permutation(len(X))
X, y = X[perm] / 16.0, y[perm]
blocks = np.array_split(np.arange(len(X)), 6)

params = dict(n_components=8, hidden_dims=(64,), batch_size=64, random_state=0)
incremental = AutoEncoder(**params)
errors = []
for _ in range(n_passes):
    for block in blocks:
        incremental.partial_fit(X[block])
    errors.append(incremental.reconstruction_error(X).mean())
full = AutoEncoder(max_epochs=n_passes, **params).fit(X)
pca = PCA(8).fit(X)
pca_error = ((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean()
print(f"block-wise {errors[-1]:.4f}, full fit {full.reconstruction_error(X).mean():.4f}, PCA {pca_error:.4f}")

km = BalancedKMeans(10, random_state=0)
aris = []
for _ in range(1 if FAST else 3):
    for block in blocks:
        km.partial_fit(X[block])
        aris.append(adjusted_rand_score(y, km.predict(X)))
full_ari = adjusted_rand_score(y, BalancedKMeans(10, random_state=0).fit(X).labels_)

fig, (ax_ae, ax_km) = plt.subplots(1, 2, figsize=(11, 4))
ax_ae.plot(range(1, n_passes + 1), errors, marker="o", label="AutoEncoder.partial_fit, 6 blocks")
ax_ae.axhline(full.reconstruction_error(X).mean(), color="k", ls="--", label=f"fit, {n_passes} epochs")
ax_ae.axhline(pca_error, color="grey", ls=":", label="PCA(8)")
ax_ae.set_xlabel("passes over the blocks")
ax_ae.set_ylabel("mean squared reconstruction error")
ax_ae.legend()
ax_km.plot(range(1, len(aris) + 1), aris, marker="o", label="BalancedKMeans.partial_fit")
ax_km.axhline(full_ari, color="k", ls="--", label="fit on all rows")
ax_km.set_xlabel("blocks seen")
ax_km.set_ylabel("ARI with the digit classes")
ax_km.legend()
plt.tight_layout()
plt.show()
