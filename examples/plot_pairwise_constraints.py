"""
Clusters from "same" / "different" pairs
========================================

Sometimes no row carries a class, but someone has marked pairs of rows: "these
two are the same kind", "these two are not". Here the rows are the 1,797 digits
and the pairs are drawn at random and marked by the digit classes (+1 same
digit, -1 different digits), as in the setting of Pasteris et al.

:class:`~sklearn_unsup.semi_supervised.PairwiseConstrainedClustering` clusters
every row from the pairs and the kNN graph of the rows, without being told the
number of clusters. The first plot shows the ARI against the true digits as the
pairs grow, next to :class:`~sklearn.cluster.KMeans` given ``k = 10`` and no
pairs.

The second part chooses the graph size with
:class:`~sklearn.model_selection.GridSearchCV` from the pairs alone: under
metadata routing the pairs also reach ``score``, which scores each fold's
clustering on the pairs whose two ends lie in the held-out rows (pairs the
fold's fit never saw). No class label and no ``scoring=`` are needed; the ARI
against the digits, printed beside it, is there only to check the choice.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_unsup.semi_supervised import PairwiseConstrainedClustering

# Small settings when the examples run as tests.
FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
rng = np.random.RandomState(0)


def random_pairs(m):
    """``m`` pairs of distinct rows, +1 when both rows show the same digit."""
    pairs = np.array([rng.choice(len(y), 2, replace=False) for _ in range(m)])
    return pairs, np.where(y[pairs[:, 0]] == y[pairs[:, 1]], 1, -1)


# %%
# ARI as the pairs grow
# ---------------------
# About nine pairs in ten are cannot-links: two random digits rarely match.
# One draw of pairs per point, so the curve is bumpy (the benchmark,
# ``benchmarks/results/semi_supervised_pairwise.md``, averages three draws at
# 10, 100 and 1,000 pairs). With thousands of pairs the cannot-links start to
# block merges inside a digit -- rows put in the wrong cluster early carry
# cannot-links to their own class -- and more clusters are left: more pairs
# do not always help this greedy merging.
n_pairs = [10, 100] if FAST else [10, 30, 100, 300, 1000, 3000]
kmeans_ari = adjusted_rand_score(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
ari, found = [], []
for m in n_pairs:
    pairs, labels = random_pairs(m)
    model = PairwiseConstrainedClustering().fit(X, pairs=pairs, pair_labels=labels)
    ari.append(adjusted_rand_score(y, model.labels_))
    found.append(model.n_clusters_)
    print(f"{m:5d} pairs: ARI {ari[-1]:.3f}, {model.n_clusters_} clusters")
print(f"KMeans (k = 10, no pairs): ARI {kmeans_ari:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogx(n_pairs, ari, "o-", label="PairwiseConstrainedClustering (no k)")
for m, a, k in zip(n_pairs, ari, found):
    ax.annotate(f"{k}", (m, a), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
ax.axhline(kmeans_ari, color="grey", ls="--", label="KMeans, k = 10, no pairs")
ax.set_xlabel("labelled pairs")
ax.set_ylabel("ARI against the digits")
ax.set_title("Digits: ARI as pairs are added (numbers: clusters found)")
ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()

# %%
# Choosing the kNN graph from held-out pairs
# ------------------------------------------
# Cross-validation splits the rows, so each row gets an id in ``sample_ids``
# and the pairs name their ends by id: a fold's fit keeps the pairs inside its
# training rows, and its ``score`` the pairs inside its test rows. The score is
# the balanced pair accuracy: the mean of the share of must-links kept
# together and the share of cannot-links kept apart (0.5 for one cluster for
# everything, or for every row alone). It rests on the must-links among the
# held-out pairs, about one pair in ten here, and each fold holds a ninth of
# the pairs: with 3,000 pairs that is about 30 must-links per fold; with a few
# hundred pairs the score is too noisy to rank settings.
ids = np.arange(len(y)) + 100_000  # any unique ids; not row positions
pairs, labels = random_pairs(300 if FAST else 3000)
grid = {"n_neighbors": [5, 15] if FAST else [3, 5, 10, 15, 30]}
with sklearn.config_context(enable_metadata_routing=True):
    clusterer = (
        PairwiseConstrainedClustering()
        .set_fit_request(pairs=True, pair_labels=True, sample_ids=True)
        .set_score_request(pairs=True, pair_labels=True, sample_ids=True)
    )
    search = GridSearchCV(clusterer, grid, cv=KFold(3, shuffle=True, random_state=0))
    search.fit(X, pairs=ids[pairs], pair_labels=labels, sample_ids=ids)

print("n_neighbors  held-out pair score  ARI on all rows (not used)")
for k, score in zip(grid["n_neighbors"], search.cv_results_["mean_test_score"]):
    refit = PairwiseConstrainedClustering(n_neighbors=k).fit(X, pairs=pairs, pair_labels=labels)
    print(f"{k:11d}  {score:19.3f}  {adjusted_rand_score(y, refit.labels_):.3f}")
print("chosen:", search.best_params_)
plt.show()
