"""
AutoEncoder codes for clustering digits
=======================================

An :class:`~sklearn_unsup.decomposition.AutoEncoder` compresses each 8x8 digit
to 5 numbers; KMeans then clusters the codes. In a
:class:`~sklearn.pipeline.Pipeline` it is one estimator among others, and
``GridSearchCV`` can tune the code size with no labels (the final KMeans step's
``score``). The clusters are compared with KMeans on the raw pixels.
"""

import os

import matplotlib.pyplot as plt
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.metrics import cluster_accuracy

# Small settings when the examples run as tests.
FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
pipe = Pipeline(
    [
        ("scale", MinMaxScaler()),
        ("ae", AutoEncoder(n_components=5, max_epochs=3 if FAST else 100, batch_size=64, random_state=0)),
        ("km", KMeans(10, n_init=10, random_state=0)),
    ]
)
labels = pipe.fit_predict(X)
baseline = KMeans(10, n_init=10, random_state=0).fit_predict(X / 16)

for name, lab in [("AutoEncoder + KMeans", labels), ("KMeans on pixels", baseline)]:
    print(f"{name:22s} ACC {cluster_accuracy(y, lab):.3f}  NMI {normalized_mutual_info_score(y, lab):.3f}")

# %%
# The codes, projected to two dimensions, coloured by cluster
codes = pipe[:-1].transform(X)
xy = PCA(2).fit_transform(codes)
fig, ax = plt.subplots(figsize=(6, 5))
ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=6)
ax.set_title("AutoEncoder codes of the digits, coloured by KMeans cluster")
plt.show()
