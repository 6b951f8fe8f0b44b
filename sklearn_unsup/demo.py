"""Main demo: cluster scikit-learn's digits with representation-learning pipelines.

Run ``python -m sklearn_unsup.demo`` (``--help`` for options). Prints a table
of clustering quality (ACC, NMI, ARI) and time for each pipeline, measured in
the same run against KMeans on the raw pixels and on PCA codes, and writes a
PNG of the learned embedding coloured by cluster. The digits ship with
scikit-learn, so nothing is downloaded. The demo grows as methods land.
"""

import argparse
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from .cluster import SCAN, BalancedKMeans, SwAV
from .decomposition import VAE, AutoEncoder
from .manifold import TLDR
from .metrics import cluster_accuracy


def make_pipelines(random_state=0, max_epochs=100):
    """The pipelines the demo compares, by display name."""
    km = dict(n_clusters=10, n_init=10, random_state=random_state)
    return {
        "KMeans (raw pixels)": Pipeline([("scale", MinMaxScaler()), ("km", KMeans(**km))]),
        "PCA(5) + KMeans": Pipeline(
            [("scale", MinMaxScaler()), ("pca", PCA(5, random_state=random_state)), ("km", KMeans(**km))]
        ),
        "AutoEncoder(5) + KMeans": Pipeline(
            [
                ("scale", MinMaxScaler()),
                (
                    "ae",
                    AutoEncoder(
                        n_components=5,
                        hidden_dims=(256, 128),
                        max_epochs=max_epochs,
                        batch_size=64,
                        random_state=random_state,
                    ),
                ),
                ("km", KMeans(**km)),
            ]
        ),
        "VAE(10) + KMeans": Pipeline(
            [
                ("scale", MinMaxScaler()),
                ("vae", VAE(10, likelihood="bernoulli", max_epochs=max_epochs, batch_size=64,
                            random_state=random_state)),
                ("km", KMeans(**km)),
            ]
        ),
        "TLDR(16, MLP) + KMeans": Pipeline(
            [
                ("scale", MinMaxScaler()),
                ("tldr", TLDR(16, n_neighbors=10, encoder="mlp", max_epochs=max_epochs, batch_size=256,
                              random_state=random_state)),
                ("km", KMeans(**km)),
            ]
        ),
        "BalancedKMeans": Pipeline(
            [("scale", MinMaxScaler()), ("bkm", BalancedKMeans(10, random_state=random_state))]
        ),
        # encoder=None: the networks on the scaled pixels, so the demo shows them (the default encoder="auto"
        # would put a UMAP stage first on these 1,797 x 64 rows: better ACC, and UMAP's compile time on a first run);
        # n_init=1: one training run (without an encoder stage the default keeps the best of 5 on up to 2,000 rows)
        "SwAV": Pipeline(
            [("scale", MinMaxScaler()),
             ("swav", SwAV(10, encoder=None, n_init=1, max_epochs=max(1, 2 * max_epochs // 5),
                           random_state=random_state))]
        ),
        "SCAN": Pipeline(
            [("scale", MinMaxScaler()),
             ("scan", SCAN(10, encoder=None, n_init=1, max_epochs=2 * max_epochs,
                           self_label_epochs=max(1, max_epochs // 5), random_state=random_state))]
        ),
    }


def run(random_state=0, max_epochs=100, plot_path="demo_digits.png", n_samples=None):
    """Fit every pipeline on digits, print the table, save the plot; return the rows."""
    X, y = load_digits(return_X_y=True)
    if n_samples is not None:
        X, y = X[:n_samples], y[:n_samples]
    rows = []
    fitted = {}
    for name, pipe in make_pipelines(random_state, max_epochs).items():
        start = time.perf_counter()
        labels = pipe.fit_predict(X)
        seconds = time.perf_counter() - start
        fitted[name] = (pipe, labels)
        rows.append(
            dict(
                method=name,
                ACC=cluster_accuracy(y, labels),
                NMI=normalized_mutual_info_score(y, labels),
                ARI=adjusted_rand_score(y, labels),
                seconds=seconds,
            )
        )
    print(f"Clustering scikit-learn digits ({X.shape[0]} x {X.shape[1]}), 10 clusters, seed {random_state}")
    print(f"{'method':<26}{'ACC':>7}{'NMI':>7}{'ARI':>7}{'seconds':>9}")
    for r in rows:
        print(f"{r['method']:<26}{r['ACC']:7.3f}{r['NMI']:7.3f}{r['ARI']:7.3f}{r['seconds']:9.2f}")
    print("(ACC: Hungarian-matched accuracy; labels are used only to score)")
    if plot_path:
        pipe, labels = fitted["SCAN"]
        codes = pipe.transform(X)
        _plot_embedding(codes, labels, y, plot_path, "SCAN embedding")
        print(f"plot written to {plot_path}")
    return rows


def _plot_embedding(codes, labels, y, path, name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xy = PCA(2).fit_transform(codes)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), constrained_layout=True)
    for ax, color, title in (
        (axes[0], labels, f"{name}, coloured by cluster"),
        (axes[1], y, "same codes, coloured by true digit"),
    ):
        sc = ax.scatter(xy[:, 0], xy[:, 1], c=color, cmap="tab10", s=6)
        ax.set_title(title)
        ax.set_xlabel(f"PC 1 of the {codes.shape[1]}-d code")
        ax.set_ylabel(f"PC 2 of the {codes.shape[1]}-d code")
    fig.colorbar(sc, ax=axes, ticks=np.arange(10))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--plot", default="demo_digits.png", help="PNG path ('' for none)")
    args = parser.parse_args(argv)
    run(args.random_state, args.max_epochs, args.plot or None)


if __name__ == "__main__":
    main()
