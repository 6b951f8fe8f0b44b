"""
Binary codes for neighbour search
=================================

A few dozen bits per row instead of a float vector: the codes take 16 to 64
times less memory, and their Hamming distance is one XOR and one population
count per 64 bits, so a search over them is much faster than over floats (the
benchmark, ``benchmarks/results/hashing.md``, measures 10 to 43 times on 20,000
sentence embeddings). What matters is how much of the neighbourhood the bits
keep.

Here the rows are the 1,797 digits (standardised pixels) and a neighbour is
relevant when it shows the same digit: precision among the 50 nearest rows of
every row. Three ways to get the bits, none of which sees the classes:

- random hyperplanes (LSH): the sign of random projections;
- ``sign(PCA)``: the signs of the first principal components;
- :class:`~sklearn_unsup.decomposition.SimilarityCalibratedHashing` (SDC), a
  small network trained so that the code similarities of pairs follow a
  spread-out profile and the codes stay close to their signs.

:func:`~sklearn_unsup.neighbors.hamming_kneighbors` searches the packed bits
exactly; the float search on the standardised pixels (cosine) is the
reference.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.decomposition import SimilarityCalibratedHashing
from sklearn_unsup.neighbors import hamming_kneighbors, kneighbors

# Small settings when the examples run as tests.
FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
K = 50


def precision_at_k(indices):
    """Share of each row's neighbours that show the same digit, averaged over rows."""
    return float(np.mean(y[indices] == y[:, None]))


_, nearest = kneighbors(X, n_neighbors=K, metric="cosine")
reference = precision_at_k(nearest)
print(f"float cosine ({X.shape[1]} x 32 bits): precision@{K} {reference:.3f}")

# %%
# Precision of the codes as the number of bits grows
# --------------------------------------------------
bit_counts = [16] if FAST else [8, 16, 32, 64]
rng = np.random.RandomState(0)
results = {"LSH": [], "sign(PCA)": [], "SDC": []}
for n_bits in bit_counts:
    codes = {
        "LSH": X @ rng.normal(size=(X.shape[1], n_bits)) > 0,
        "sign(PCA)": PCA(min(n_bits, X.shape[1]), random_state=0).fit_transform(X) > 0,
    }
    hasher = SimilarityCalibratedHashing(n_bits=n_bits, max_epochs=5 if FAST else 100, random_state=0)
    codes["SDC"] = hasher.fit_transform(X) > 0  # "sign" output: -1 / +1
    for name, bits in codes.items():
        _, nearest = hamming_kneighbors(np.packbits(bits, axis=1), n_neighbors=K)
        results[name].append(precision_at_k(nearest))
    print(f"{n_bits:2d} bits: " + ", ".join(f"{name} {values[-1]:.3f}" for name, values in results.items()))

fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in results.items():
    ax.plot(bit_counts, values, "o-", label=name)
ax.axhline(reference, color="grey", ls="--", label="float cosine")
ax.set_xscale("log", base=2)
ax.set_xticks(bit_counts, [str(b) for b in bit_counts])
ax.set_xlabel("bits per row")
ax.set_ylabel(f"precision@{K} (same digit)")
ax.set_title("Digits: neighbours kept by binary codes")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Packed codes in a pipeline
# --------------------------
# ``output="bits"`` makes ``transform`` return the codes packed eight bits to
# the byte (``uint8``), ready for :func:`~sklearn_unsup.neighbors.hamming_kneighbors`;
# new rows are coded by the fitted network, so a query needs no refit.
hasher.set_params(output="bits")
packed = hasher.transform(X)
print(f"packed codes: {packed.shape[1]} bytes per row, {packed.nbytes / X.astype(np.float32).nbytes:.3f} of float32")
distances, neighbours = hamming_kneighbors(packed, n_neighbors=5, query=hasher.transform(X[:3]), exclude_self=False)
print("Hamming distances of the first three rows' 5 nearest codes:")
print(distances)
plt.show()
