"""
Time series to codes, a 2-d map and clusters with TSTEncoder
=============================================================

Series of three shapes (sine, square and sawtooth waves with random phase,
period and noise; two channels) are encoded without labels by a
:class:`~sklearn_unsup.timeseries.TSTEncoder`: a transformer trained to fill in
hidden stretches of each series. KMeans then clusters the 64-d codes, and PCA
draws them on a 2-d map. The same KMeans on the raw series (a flattened table
of 2 x 60 values) is the baseline. Finally, the encoder fills a gap in a series
with :meth:`~sklearn_unsup.timeseries.TSTEncoder.impute`.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.timeseries import TSTEncoder

# Small settings when the examples run as tests.
FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

rng = np.random.RandomState(0)
n, n_timepoints = 300, 60
y = rng.randint(0, 3, n)
t = np.arange(n_timepoints) / n_timepoints
phase = rng.uniform(0, 1, (n, 2, 1))
period = rng.uniform(0.3, 0.6, (n, 1, 1))
cycle = ((t + phase) / period) % 1.0
waves = np.stack([np.sin(2 * np.pi * cycle), np.sign(np.sin(2 * np.pi * cycle)), 2 * cycle - 1])
X = waves[y, np.arange(n)] + 0.2 * rng.normal(size=(n, 2, n_timepoints))  # (n_series, n_channels, n_timepoints)

encoder = TSTEncoder(max_epochs=2 if FAST else 60, random_state=0)
pipe = make_pipeline(encoder, StandardScaler(), KMeans(3, n_init=10, random_state=0))
labels = pipe.fit_predict(X)
baseline = KMeans(3, n_init=10, random_state=0).fit_predict(X.reshape(n, -1))
print(f"KMeans on TST codes  ACC {cluster_accuracy(y, labels):.3f}")
print(f"KMeans on raw series ACC {cluster_accuracy(y, baseline):.3f}")

# %%
# The codes on a 2-d map, coloured by KMeans cluster
codes = encoder.transform(X)
xy = PCA(2).fit_transform(StandardScaler().fit_transform(codes))
fig, ax = plt.subplots(figsize=(6, 5))
ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=8)
ax.set_title("TSTEncoder codes (PCA), coloured by KMeans cluster")
plt.show()

# %%
# Filling a gap: NaN inside a series is a missing value, filled by ``impute``
gappy = X[:1].copy()
gappy[0, 0, 20:28] = np.nan
filled = encoder.impute(gappy)
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(X[0, 0], color="0.7", label="true")
ax.plot(filled[0, 0], "--", label="imputed")
ax.plot(gappy[0, 0], label="observed")
ax.legend()
plt.show()
