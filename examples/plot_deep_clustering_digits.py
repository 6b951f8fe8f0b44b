"""
Deep clustering of digits: SCAN, SwAV, SeLa, DEC and DeepCluster against KMeans
===============================================================================

Every deep clusterer of :mod:`sklearn_unsup.cluster` on scikit-learn's digits
(pixels / 16), each with its documented defaults (only ``n_clusters`` and the
seed are set), next to :class:`~sklearn.cluster.KMeans` on the same pixels.
The labels are used only to score: ACC is the Hungarian-matched accuracy.
On these 1,797 rows of 64 pixels the default ``encoder="auto"`` fits a UMAP
stage (10-d, the N2D recipe) inside each deep clusterer, and the network
clusters its output; ``encoder=None`` would train on the pixels themselves.

The left panel compares the accuracies; the right panel shows the embedding
learned by SCAN, projected to 2-d by PCA and coloured
by SCAN's cluster. SCAN trains a cluster head so that every row agrees with
its nearest neighbours, an entropy term keeps the clusters from collapsing,
and a self-labelling stage sharpens the confident rows.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sklearn_unsup.cluster import DEC, SCAN, DeepCluster, SeLa, SwAV
from sklearn_unsup.metrics import cluster_accuracy

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"
# the quick run (test suite, docs build) trains 2 epochs on the pixels, without the UMAP stage
small = dict(max_epochs=2, encoder=None) if FAST else {}

X, y = load_digits(return_X_y=True)
X = X / 16.0
models = {
    "KMeans": KMeans(10, n_init=10, random_state=0),
    "DEC": DEC(10, random_state=0, **(dict(small, pretrain_epochs=2) if FAST else {})),
    "DeepCluster": DeepCluster(10, random_state=0, **(dict(small, n_init=1) if FAST else {})),
    "SeLa": SeLa(10, random_state=0, **(dict(small, n_init=1) if FAST else {})),
    "SwAV": SwAV(10, random_state=0, **(dict(small, n_init=1) if FAST else {})),
    "SCAN": SCAN(10, random_state=0, **(dict(small, n_init=1, self_label_epochs=1) if FAST else {})),
}
accuracy = {}
for name, model in models.items():
    labels = model.fit_predict(X)
    accuracy[name] = cluster_accuracy(y, labels)
    print(f"{name:12s} ACC {accuracy[name]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(13, 5))
names = list(accuracy)
axes[0].barh(names, [accuracy[n] for n in names], color=["grey"] + ["tab:blue"] * (len(names) - 1))
axes[0].axvline(accuracy["KMeans"], color="grey", linestyle="--")
axes[0].set_xlim(0, 1)
axes[0].set_xlabel("clustering accuracy (ACC) on digits")
for i, n in enumerate(names):
    axes[0].text(accuracy[n] + 0.01, i, f"{accuracy[n]:.3f}", va="center")

scan = models["SCAN"]
Z = PCA(2).fit_transform(scan.transform(X))
sc = axes[1].scatter(Z[:, 0], Z[:, 1], c=scan.labels_, cmap="tab10", s=5)
axes[1].set_title("SCAN's embedding (PCA to 2-d), coloured by SCAN cluster")
fig.colorbar(sc, ax=axes[1], ticks=np.arange(10))
fig.tight_layout()
plt.show()
