"""
Choosing the number of clusters without labels
==============================================

``GridSearchCV`` needs a score; with no ``y`` it can use one of the label-free
scorers of :mod:`sklearn_unsup.metrics`. Here the digits are embedded with
UMAP (10-d, the N2D recipe) and clustered by KMeans and by SCAN for
``n_clusters`` from 6 to 14, and four scorers rate each choice:

* the silhouette, Calinski-Harabasz and (negated) Davies-Bouldin indices,
  measured in the embedding the clusterer saw (``space="embedding"``);
* the stability of the partition under refits on 80% subsamples.

The search is transductive (fit and score on all rows:
``cv=[(all_rows, all_rows)]``), as clustering usually is; with ordinary
k-fold ``cv`` the held-out rows are labelled by the clusterer's ``predict``.
The pipeline caches its UMAP step (``memory=``), so the embedding is computed
once for the whole grid; ``refit`` picks the scorer whose best setting is
refitted. The true number of digit classes, 10, is marked; the labels are used
only for that line and the ACC printed at the end.
"""

import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from umap import UMAP

from sklearn_unsup.cluster import SCAN
from sklearn_unsup.metrics import cluster_accuracy, make_cluster_scorer, make_stability_scorer

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
X = X / 16.0
if FAST:
    X, y = X[:400], y[:400]
ks = [8, 10, 12] if FAST else list(range(6, 15))
all_rows = [(np.arange(len(X)), np.arange(len(X)))]
scoring = {
    "silhouette": make_cluster_scorer("silhouette", space="embedding"),
    "Calinski-Harabasz": make_cluster_scorer("calinski_harabasz", space="embedding"),
    "-Davies-Bouldin": make_cluster_scorer("davies_bouldin", space="embedding"),
    "stability": make_stability_scorer(n_resamples=3 if FAST else 5),
}
clusterers = {
    "KMeans": KMeans(n_init=10, random_state=0),
    # n_init=1: one training run per candidate k (the default would keep the best of 5 by silhouette on these
    # 10-d codes, which is what the silhouette column below measures anyway)
    "SCAN": SCAN(max_epochs=5 if FAST else 100, self_label_epochs=2 if FAST else 20, n_init=1, random_state=0),
}

cache = tempfile.mkdtemp(prefix="sklearn_unsup_umap_")
fig, axes = plt.subplots(len(clusterers), len(scoring), figsize=(3.6 * len(scoring), 3.2 * len(clusterers)),
                         squeeze=False)
for row, (name, clusterer) in enumerate(clusterers.items()):
    pipe = Pipeline([("umap", UMAP(n_components=10, n_neighbors=20, min_dist=0.0, random_state=0)),
                     ("cluster", clusterer)], memory=cache)
    search = GridSearchCV(pipe, {"cluster__n_clusters": ks}, scoring=scoring, refit="silhouette",
                          cv=all_rows).fit(X)
    res = search.cv_results_
    picks = {s: ks[int(np.argmax(res[f"mean_test_{s}"]))] for s in scoring}
    acc = cluster_accuracy(y, search.best_estimator_.predict(X))
    print(f"{name}: n_clusters picked by " + ", ".join(f"{s} {k}" for s, k in picks.items())
          + f"; refitted (silhouette) ACC {acc:.3f}")
    for col, s in enumerate(scoring):
        ax = axes[row, col]
        ax.plot(ks, res[f"mean_test_{s}"], "o-")
        ax.axvline(10, color="grey", ls="--", lw=1)
        ax.set_title(f"{name}: {s}\npicks {picks[s]}", fontsize=10)
        ax.set_xlabel("n_clusters")
fig.tight_layout()
plt.show()
