"""
Five labels per class
=====================

Only five digits of each class carry a label; the other 1,747 rows are marked
``-1``, scikit-learn's semi-supervised convention. Four ways to label them:

- :class:`~sklearn_unsup.semi_supervised.LaplacianKPrototypes` clusters the
  rows around prototypes that start at the labelled class means, with a kNN
  graph term that pulls neighbours into the same cluster (the labelled rows stay
  in their class);
- :class:`~sklearn.semi_supervised.LabelSpreading` spreads the labels over the
  same kind of kNN graph, without prototypes;
- seeded :class:`~sklearn.cluster.KMeans` starts at the labelled class means
  and has no graph;
- :class:`~sklearn.semi_supervised.SelfTrainingClassifier` retrains a logistic
  regression on its own confident predictions.

The bars are the accuracy on the unlabelled rows (the benchmark in
``benchmarks/results/semi_supervised.md`` averages three draws of the labels
and adds the StackOverflow sentence embeddings).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier

from sklearn_unsup.semi_supervised import LaplacianKPrototypes

# Small settings when the examples run as tests.
FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
rng = np.random.RandomState(0)
y_semi = np.full_like(y, -1)
for c in range(10):
    y_semi[rng.choice(np.flatnonzero(y == c), 5, replace=False)] = c
unlabelled = y_semi == -1

init = np.array([X[y_semi == c].mean(axis=0) for c in range(10)])
results = {
    "LaplacianKPrototypes": LaplacianKPrototypes().fit(X, y_semi).transduction_,
    "LabelSpreading (kNN)": LabelSpreading(kernel="knn", n_neighbors=10).fit(X, y_semi).transduction_,
    "seeded KMeans": KMeans(10, init=init, n_init=1).fit(X).labels_,
    "SelfTraining (LogReg)": SelfTrainingClassifier(
        LogisticRegression(max_iter=1000), max_iter=2 if FAST else 10
    ).fit(X, y_semi).predict(X),
}
accuracy = {name: np.mean(pred[unlabelled] == y[unlabelled]) for name, pred in results.items()}
for name, acc in accuracy.items():
    print(f"{name:24s} accuracy on the unlabelled rows {acc:.3f}")

# %%
# The labelled rows and what the graph adds
# -----------------------------------------
# Seeded k-means and LaplacianKPrototypes start from the same class means; the
# graph term (``laplacian_weight``) is the difference between the two bars.

fig, ax = plt.subplots(figsize=(6, 3))
names = list(accuracy)
ax.barh(names, [accuracy[n] for n in names], color=["C0", "C1", "C2", "C3"])
ax.set_xlim(0.5, 1.0)
ax.invert_yaxis()
ax.set_xlabel("accuracy on the 1,747 unlabelled digits (5 labels per class)")
for i, n in enumerate(names):
    ax.text(accuracy[n] + 0.005, i, f"{accuracy[n]:.3f}", va="center")
fig.tight_layout()
plt.show()
