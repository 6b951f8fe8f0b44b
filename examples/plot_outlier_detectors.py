"""
Deep outlier detectors on a 2-D toy set
=======================================

Four detectors of :mod:`sklearn_unsup.outlier` next to scikit-learn's
:class:`~sklearn.ensemble.IsolationForest`, all with scikit-learn's
conventions: ``score_samples`` is higher for more normal rows,
``decision_function`` is negative for predicted outliers (the black line is
its zero level), ``predict`` returns +1/-1. The data: two Gaussian blobs and
uniform outliers; each detector is fitted on all of it (the unsupervised
setting) with ``contamination=0.1``. The bottom row shows the score
distributions of the inliers and the outliers.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from sklearn_unsup.outlier import AutoEncoderOutlierDetector, DeepSVDD, FlowOutlierDetector, VAEOutlierDetector

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"
epochs = 3 if FAST else 100

rng = np.random.RandomState(0)
inliers = np.r_[rng.normal(size=(300, 2)) * 0.6 + [2, 2], rng.normal(size=(300, 2)) * 0.6 - [2, 2]]
outliers = rng.uniform(-5, 5, size=(60, 2))
X = np.r_[inliers, outliers]
y = np.r_[np.zeros(len(inliers)), np.ones(len(outliers))]

detectors = {
    "IsolationForest": IsolationForest(contamination=0.1, random_state=0),
    "AutoEncoder": AutoEncoderOutlierDetector(n_components=1, hidden_dims=(32,), max_epochs=epochs,
                                              random_state=0, contamination=0.1),
    "VAE": VAEOutlierDetector(n_components=1, max_epochs=epochs, random_state=0, contamination=0.1),
    "RealNVP flow": FlowOutlierDetector(max_epochs=epochs, random_state=0, contamination=0.1),
    "Deep SVDD": DeepSVDD(max_epochs=epochs, random_state=0, contamination=0.1),
}
xx, yy = np.meshgrid(np.linspace(-5.5, 5.5, 150), np.linspace(-5.5, 5.5, 150))
grid = np.c_[xx.ravel(), yy.ravel()]

fig, axes = plt.subplots(2, len(detectors), figsize=(4 * len(detectors), 8))
for col, (name, det) in enumerate(detectors.items()):
    det.fit(X)
    scores = det.score_samples(X)
    auc = roc_auc_score(y, -scores)
    Z = det.decision_function(grid).reshape(xx.shape)
    ax = axes[0, col]
    ax.contourf(xx, yy, Z, levels=20, cmap="Blues_r")
    ax.contour(xx, yy, Z, levels=[0], colors="black")
    ax.scatter(*inliers.T, s=4, c="white", edgecolor="k", linewidth=0.2)
    ax.scatter(*outliers.T, s=10, c="red")
    ax.set_title(f"{name} (AUROC {auc:.3f})")
    ax = axes[1, col]
    ax.hist(scores[y == 0], bins=40, alpha=0.6, label="inliers")
    ax.hist(scores[y == 1], bins=40, alpha=0.6, label="outliers")
    ax.axvline(det.offset_, color="k", ls="--", label="offset_")
    ax.set_xlabel("score_samples (higher = more normal)")
    ax.legend()
    print(f"{name:16s} AUROC {auc:.3f}")
plt.tight_layout()
plt.show()
