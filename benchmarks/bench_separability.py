"""Label-free separability scores against supervised separability, over a ladder of embeddings.

    python benchmarks/bench_separability.py [--no-slow]

For digits (/16), optdigits_train (/16) and mnist5k (/255): embeddings raw, PCA 2/4/8/16/32, a Gaussian
random projection to 8, TLDR(8, linear) and UMAP(8) (``--no-slow`` leaves out the last two). For each
embedding: the supervised separability (5-fold logistic-regression accuracy on the standardised embedding),
``separability_score`` (H0 persistence, max_samples=2000, random_state=0), the silhouette of a
KMeans(n_classes) partition (label-free peer) and, for reference, the silhouette of the true labels.
Then, per set, the Spearman correlation of each score with the logistic accuracy across the ladder, and
across its 8-d rungs only (PCA, random projection, TLDR, UMAP: equal dimension).
"""

import argparse
import time

import numpy as np
from _common import load_shared, machine_line, print_table
from scipy.stats import spearmanr
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.random_projection import GaussianRandomProjection

from sklearn_unsup.metrics import separability_score, silhouette_score

SETS = [("digits", None, 16.0), ("optdigits_train", "cluster/optdigits_train.npz", 16.0),
        ("mnist5k", "cluster/mnist5k.npz", 255.0)]


def ladder(X, slow):
    yield "raw", X
    for k in (2, 4, 8, 16, 32):
        yield f"PCA({k})", PCA(k, random_state=0).fit_transform(X)
    yield "randproj(8)", GaussianRandomProjection(8, random_state=0).fit_transform(X)
    if slow:
        from umap import UMAP

        from sklearn_unsup.manifold import TLDR

        yield "TLDR(8, linear)", TLDR(8, encoder="linear", device="cpu", random_state=0).fit_transform(X)
        yield "UMAP(8)", UMAP(n_components=8, random_state=0).fit_transform(X)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-slow", action="store_true")
    args = parser.parse_args()
    print(machine_line())
    rows, corr = [], []
    for name, path, scale in SETS:
        X, y = load_digits(return_X_y=True) if path is None else load_shared(path)
        X = X.astype(np.float64) / scale
        n_classes = len(np.unique(y))
        per = []
        for label, Z in ladder(X, not args.no_slow):
            acc = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)), Z, y,
                                  cv=5).mean()
            t1 = time.perf_counter()
            sep = separability_score(Z, max_samples=2000, random_state=0)
            t2 = time.perf_counter()
            km = KMeans(n_classes, n_init=3, random_state=0).fit_predict(Z)
            sil_km = silhouette_score(Z, km, sample_size=2000, random_state=0)
            sil_y = silhouette_score(Z, y, sample_size=2000, random_state=0)
            r = {"set": name, "embedding": label, "logreg acc": float(acc), "separability": sep,
                 "silhouette (KMeans)": float(sil_km), "silhouette (labels)": float(sil_y),
                 "separability s": t2 - t1}
            per.append(r)
            rows.append(r)
            print(r, flush=True)
        acc = [r["logreg acc"] for r in per]
        corr.append({"set": name, "rungs": len(per),
                     "rho separability": float(spearmanr([r["separability"] for r in per], acc)[0]),
                     "rho silhouette (KMeans)": float(spearmanr([r["silhouette (KMeans)"] for r in per], acc)[0]),
                     "rho silhouette (labels)": float(spearmanr([r["silhouette (labels)"] for r in per], acc)[0])})
        eight = [r for r in per if "8" in r["embedding"]]  # equal dimension: PCA, random projection, TLDR, UMAP
        acc8 = [r["logreg acc"] for r in eight]
        corr.append({"set": name + " (8-d rungs)", "rungs": len(eight),
                     "rho separability": float(spearmanr([r["separability"] for r in eight], acc8)[0]),
                     "rho silhouette (KMeans)": float(spearmanr([r["silhouette (KMeans)"] for r in eight], acc8)[0]),
                     "rho silhouette (labels)": float(spearmanr([r["silhouette (labels)"] for r in eight], acc8)[0])})
    print()
    print_table(rows, ["set", "embedding", "logreg acc", "separability", "silhouette (KMeans)",
                       "silhouette (labels)", "separability s"])
    print()
    print_table(corr, ["set", "rungs", "rho separability", "rho silhouette (KMeans)", "rho silhouette (labels)"])


if __name__ == "__main__":
    main()
