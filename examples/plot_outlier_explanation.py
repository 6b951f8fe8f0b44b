"""
Why is this row an outlier?
===========================

Two detectors flag rows of the breast-cancer measurements (30 features in
mixed units); :class:`~sklearn_unsup.inspection.OutlierExplainer` says which
features drive each flagged row's score. We take a normal row, push one
feature (``worst area``) beyond the largest training value, and ask both
explanations of the model (local DIFFI for an
:class:`~sklearn.ensemble.IsolationForest`, per-feature reconstruction error
for :class:`~sklearn_unsup.outlier.AutoEncoderOutlierDetector`) and the
model-agnostic ECOD-style tail score which feature is to blame. Each panel
shows the row's top features, and where its values sit among the training
rows (light band: 5-95% of the training rows, dark band: 25-75%, tick: the
median, red dot: the row).
"""

import os

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import IsolationForest

from sklearn_unsup.inspection import OutlierExplainer, plot_outlier_explanation
from sklearn_unsup.outlier import AutoEncoderOutlierDetector

FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

data = load_breast_cancer()
X, names = data.data, data.feature_names
X_train, row = X[1:], X[0].copy()
j = list(names).index("worst area")
row[j] = X_train[:, j].max() * 1.5  # one feature beyond anything seen in training

explainers = {
    "IsolationForest, DIFFI": OutlierExplainer(IsolationForest(random_state=0)),
    "AutoEncoder, reconstruction error": OutlierExplainer(
        AutoEncoderOutlierDetector(max_epochs=5 if FAST else 50, random_state=0)),
    "any detector, tail score": OutlierExplainer(IsolationForest(random_state=0), method="tail"),
}
for title, explainer in explainers.items():
    explainer.fit(X_train)
    contributions = explainer.explain(row[None])[0]
    print(f"{title}: top feature {names[contributions.argmax()]!r}")
    plot_outlier_explanation(contributions, feature_names=names, X_row=row, quantiles=explainer.quantiles_,
                             n_features=6, title=title)
plt.show()
