"""MNIST-Nd (issue 21 §8): clustering across latent dimensions on MoG-VAE codes of mnist5k, same run.

    python benchmarks/bench_mnist_nd.py --dims 2 --seeds 0          # one latent size per call, appends
    python benchmarks/bench_mnist_nd.py --report                    # markdown table of all appended runs

Data (see _mnist_nd.py; a reconstruction of Turishcheva et al. 2024, not their files): for each latent size d in
2, 4, 8, 16, 32, 64 a mixture-of-Gaussians-prior VAE (10 components, KL weight 2 / d) is trained on mnist5k
(pixels / 255, 5,000 rows) with seed ``--vae-seed`` (0); the data set is the encoder means, the labels the
digits. The codes are cached under ``--cache`` so that more method seeds reuse the same data set (the paper
also keeps the data sets fixed and varies the methods' seeds). The codes are clustered as they are (no scaling).

Methods (true k = 10 where a method takes k; seed = the run's seed):
- KMeans(n_init=10); GaussianMixture(covariance_type="full") (the paper's "GMM full");
- HDBSCAN(min_cluster_size=25) (scikit-learn's; deterministic: run at a call's first seed, reported once): noise
  rows count as errors in ACC and form one label (-1) in ARI, taken over all rows; the noise share is reported;
- SCAN(encoder=None) (the codes are already low-dimensional; n_init 'auto' = 1 run at 5,000 rows);
- issue 21's GraphContrastiveEncoder (GRACE on the 10-NN graph, 16-d codes, defaults) + KMeans(n_init=10):
  the graph-based representation of the issue, the family closest to the paper's most robust method (Leiden on
  a kNN graph), and the best of the issue's kNN-graph encoders on mnist5k (results/representation.md);
- Louvain (networkx ``louvain_communities``, resolution 1) on the symmetrised 15-NN graph (scanpy's default
  neighbour count): a stand-in for the paper's Leiden, which is not installed here (no leidenalg / igraph);
  it picks its own number of communities;
- reference, not a method: the generating VAE's own assignment (argmax of p(c | mean)).
Scores: ACC (Hungarian; extra clusters count as errors), ARI, number of clusters found. Rows are appended to
results/mnist_nd_runs.jsonl.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _common import load_shared, machine_line
from _mnist_nd import DIMS, make_mnist_nd
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from sklearn_unsup.cluster import SCAN
from sklearn_unsup.manifold import GraphContrastiveEncoder
from sklearn_unsup.metrics import cluster_accuracy

RUNS = Path(__file__).parent / "results" / "mnist_nd_runs.jsonl"
K = 10
MIN_CLUSTER_SIZE = 25
LOUVAIN_NEIGHBORS = 15


def louvain(X, seed):
    import networkx as nx
    from sklearn.neighbors import NearestNeighbors

    ind = NearestNeighbors(n_neighbors=LOUVAIN_NEIGHBORS + 1).fit(X).kneighbors(X, return_distance=False)[:, 1:]
    G = nx.Graph()
    G.add_nodes_from(range(len(X)))
    G.add_edges_from((i, int(j)) for i in range(len(X)) for j in ind[i])
    labels = np.empty(len(X), dtype=int)
    for c, members in enumerate(nx.community.louvain_communities(G, resolution=1.0, seed=seed)):
        labels[list(members)] = c
    return labels


def grace_kmeans(X, seed):
    Z = GraphContrastiveEncoder(16, random_state=seed).fit_transform(X)
    return KMeans(K, n_init=10, random_state=seed).fit_predict(Z)


METHODS = {
    "KMeans": lambda X, s: KMeans(K, n_init=10, random_state=s).fit_predict(X),
    "GMM (full)": lambda X, s: GaussianMixture(K, covariance_type="full", random_state=s).fit(X).predict(X),
    f"HDBSCAN (min_cluster_size {MIN_CLUSTER_SIZE})": lambda X, s: HDBSCAN(
        min_cluster_size=MIN_CLUSTER_SIZE, copy=True).fit_predict(X),
    "SCAN (encoder=None)": lambda X, s: SCAN(K, encoder=None, random_state=s).fit(X).labels_,
    "GRACE(16) + KMeans": grace_kmeans,
    f"Louvain ({LOUVAIN_NEIGHBORS}-NN graph)": louvain,
}
DETERMINISTIC = {f"HDBSCAN (min_cluster_size {MIN_CLUSTER_SIZE})"}


def scores(y, labels):
    kept = labels >= 0
    acc = cluster_accuracy(y[kept], labels[kept]) * kept.mean() if kept.any() else 0.0  # noise rows: errors
    return {"acc": acc, "ari": float(adjusted_rand_score(y, labels)), "noise": float(1 - kept.mean()),
            "clusters": int(len(np.unique(labels[kept])))}


def codes(d, vae_seed, cache):
    X, y = load_shared("cluster/mnist5k.npz")
    path = Path(cache) / f"mnist{d}d_vae{vae_seed}.npz"
    if path.exists():
        f = np.load(path, allow_pickle=False)
        return f["Z"], y, json.loads(str(f["info"])), f["vae_labels"]
    Z, info = make_mnist_nd(X / 255.0, d, seed=vae_seed)
    vae_labels = info.pop("vae_assignments")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, Z=Z, info=json.dumps(info), vae_labels=vae_labels)
    return Z, y, info, vae_labels


def run(d, seeds, vae_seed, cache, only, out):
    Z, y, info, vae_labels = codes(d, vae_seed, cache)
    print(f"# {d}-d: VAE {info['vae_s']:.0f} s, beta {info['beta']:.4g}, active units {info['active_units']}, "
          f"mean posterior variance {info['mean_posterior_var']:.3g}", flush=True)
    base = dict(dim=d, vae_seed=vae_seed, **{k: info[k] for k in ("beta", "active_units", "vae_s")},
                machine=machine_line())
    def record(row):
        print(json.dumps(row), flush=True)
        with Path(out).open("a") as f:
            f.write(json.dumps(row) + "\n")

    record(dict(base, seed=vae_seed, method="(reference) generating VAE's p(c | mean)", fit_s=0.0,
                **scores(y, vae_labels)))
    for seed in seeds:
        for method, fit in METHODS.items():
            if only and not any(o in method for o in only) or (method in DETERMINISTIC and seed != seeds[0]):
                continue
            t0 = time.perf_counter()
            labels = np.asarray(fit(Z, seed))
            record(dict(base, seed=seed, method=method, fit_s=time.perf_counter() - t0, **scores(y, labels)))


def report(path):
    rows = {}
    for line in Path(path).read_text().splitlines():
        r = json.loads(line)
        seed = 0 if r["method"] in DETERMINISTIC else r["seed"]  # no random state: one result
        rows[(r["dim"], r["method"], seed)] = r  # a later run of the same key wins
    dims = sorted({k[0] for k in rows})
    methods = list(dict.fromkeys(k[1] for k in rows))
    print("\nACC / ARI, mean over the method seeds (seeds in brackets)\n")
    print("| method | " + " | ".join(f"{d}-d" for d in dims) + " |")
    print("|---|" + "---|" * len(dims))
    for m in methods:
        cells = []
        for d in dims:
            rs = [r for (dd, mm, _), r in rows.items() if dd == d and mm == m]
            cells.append(f"{np.mean([r['acc'] for r in rs]):.3f} / {np.mean([r['ari'] for r in rs]):.3f} ({len(rs)})"
                         if rs else "")
        print(f"| {m.replace('|', 'given')} | " + " | ".join(cells) + " |")
    print("\nclusters found / noise share / fit s (means)\n")
    print("| method | " + " | ".join(f"{d}-d" for d in dims) + " |")
    print("|---|" + "---|" * len(dims))
    for m in methods:
        cells = []
        for d in dims:
            rs = [r for (dd, mm, _), r in rows.items() if dd == d and mm == m]
            cells.append(" / ".join([f"{np.mean([r['clusters'] for r in rs]):.0f}",
                                     f"{np.mean([r['noise'] for r in rs]):.2f}",
                                     f"{np.mean([r['fit_s'] for r in rs]):.1f}"]) if rs else "")
        print(f"| {m.replace('|', 'given')} | " + " | ".join(cells) + " |")
    print("\ngenerator: " + "; ".join(
        f"{d}-d: beta {r['beta']:.4g}, {r['active_units']} active units, {r['vae_s']:.0f} s"
        for d in dims for r in [next(r for (dd, _, _), r in rows.items() if dd == d)]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dims", type=int, nargs="+", default=list(DIMS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--vae-seed", type=int, default=0)
    parser.add_argument("--cache", default="/tmp/mnist_nd_cache", help="folder of the generated data sets")
    parser.add_argument("--only", nargs="+", help="substrings of the method names to run")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--out", default=str(RUNS), help="the jsonl file appended to (and read by --report)")
    args = parser.parse_args()
    if args.report:
        report(args.out)
        return
    for d in args.dims:
        run(d, args.seeds, args.vae_seed, args.cache, args.only, args.out)


if __name__ == "__main__":
    main()
