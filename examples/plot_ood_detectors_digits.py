"""
Out-of-distribution scores on digit classes
===========================================

A classifier is trained on the digits 0-5. Later it is shown digits 6-9,
which it has never seen: which rows come from elsewhere? Four detectors of
:mod:`sklearn_unsup.ood` answer with scikit-learn's outlier conventions
(``score_samples`` higher = more in-distribution, ``predict`` +1/-1):

* :class:`~sklearn_unsup.ood.EnergyDetector` and :class:`~sklearn_unsup.ood.ViMDetector`
  read the trained classifier (here a logistic regression, passed frozen so it
  is not refitted; any classifier with ``decision_function`` works for the
  energy, ViM needs its linear layer ``coef_``/``intercept_``);
* :class:`~sklearn_unsup.ood.KNNDetector` and
  :class:`~sklearn_unsup.ood.InvariantsDetector` need no labels at all.

The histograms show the scores of held-out in-distribution digits and of the
unseen digits; the title gives the AUROC (1 = perfect separation) and the
false-positive rate at 95% true-positive rate.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_unsup.metrics import fpr_at_tpr
from sklearn_unsup.ood import EnergyDetector, InvariantsDetector, KNNDetector, ViMDetector

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
X = X / 16.0
known = y <= 5
X_train, X_test, y_train, y_test = train_test_split(X[known], y[known], test_size=0.3, stratify=y[known],
                                               random_state=0)
X_unseen = X[~known]

classifier = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(f"classifier accuracy on held-out digits 0-5: {classifier.score(X_test, y_test):.3f}")

detectors = {
    "EnergyDetector (classifier)": EnergyDetector(FrozenEstimator(classifier)),
    "ViMDetector (classifier)": ViMDetector(FrozenEstimator(classifier)),
    "KNNDetector (no labels)": KNNDetector(n_neighbors=50),
    "InvariantsDetector (no labels)": InvariantsDetector(max_epochs=2 if FAST else 10, random_state=0),
}

fig, axes = plt.subplots(1, len(detectors), figsize=(4.2 * len(detectors), 3.6))
labels = np.r_[np.ones(len(X_test)), np.zeros(len(X_unseen))]
print(f"{'detector':32s} AUROC  FPR@95TPR  flagged(test)  flagged(unseen)")
for ax, (name, detector) in zip(axes, detectors.items()):
    detector.fit(X_train)
    s_in, s_out = detector.score_samples(X_test), detector.score_samples(X_unseen)
    scores = np.r_[s_in, s_out]
    auc, fpr = roc_auc_score(labels, scores), fpr_at_tpr(labels, scores)
    flagged_in = np.mean(detector.predict(X_test) == -1)
    flagged_out = np.mean(detector.predict(X_unseen) == -1)
    print(f"{name:32s} {auc:.3f}  {fpr:.3f}      {flagged_in:.2f}           {flagged_out:.2f}")
    bins = np.linspace(np.percentile(scores, 1), np.percentile(scores, 99.5), 40)
    ax.hist(s_in, bins=bins, alpha=0.6, density=True, label="digits 0-5 (held out)")
    ax.hist(s_out, bins=bins, alpha=0.6, density=True, label="digits 6-9 (unseen)")
    ax.axvline(detector.offset_, color="k", lw=1, ls="--")
    ax.set_title(f"{name}\nAUROC {auc:.3f}, FPR@95 {fpr:.2f}", fontsize=10)
    ax.set_xlabel("score_samples (dashed: offset_)")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()
