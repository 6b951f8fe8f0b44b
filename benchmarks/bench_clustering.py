"""Deep clusterers against KMeans, GaussianMixture, HDBSCAN and UMAP+GMM, in one run.

    python benchmarks/bench_clustering.py [--seeds 3] [--seed0 0] [--data digits,mnist5k,...] [--quick] [--no-umap-rows]
    python benchmarks/bench_clustering.py --encoders pca,tldr,umap [--deep SCAN,DeepCluster]  # encoder stages
    python benchmarks/bench_clustering.py --voting [--seeds 3]     # VotingClustering vs its members, HDBSCAN
    python benchmarks/bench_clustering.py --gdl [--umap] [--jule] [--data ...]  # GDL, JULE vs Ward, KMeans
    python benchmarks/bench_clustering.py --rate-reduction [--seeds 3] [--data ...]  # CPP/MLC vs KMeans, UMAP+GMM
    python benchmarks/bench_clustering.py --prior --seeds 3 --data ...  # SCAN/SeLa/SwAV cluster_prior: uniform vs auto
    python benchmarks/bench_clustering.py --restarts --seeds 3 --data ...  # SCAN/SeLa/SwAV n_init: 1 vs auto
    python benchmarks/bench_clustering.py --restarts --deep DEC,IDEC,DeepCluster --data ...  # those vs KMeans only
    python benchmarks/bench_clustering.py --clam --seeds 3 --data ecoli,...  # ClAM vs KMeans, agglomerative

Protocol of ../shared/data/README.md: transductive ``fit_predict`` on all rows,
``n_clusters`` = number of classes, ACC (Hungarian) / NMI / ARI, mean over
seeds. Scaling as a user would: pixels / 255 (mnist5k), / 16 (digits,
optdigits), L2-normalised sentence vectors (stackoverflow_minilm),
StandardScaler for mnist1d and the UCI tables. Every method runs with its
documented defaults (only ``n_clusters`` and ``random_state`` are set).
Fit time is reported as a ratio to UMAP+GMM's in the same run.

"UMAP(10)+<method>" rows are ``make_umap_pipeline(<method>)``: the UMAP step
(10 components, 20 neighbours, min_dist 0; cosine for the sentence vectors)
is fitted once per seed and its time is added to every such row, which is what
running each pipeline would cost.
"""

import argparse
import time
from functools import partial

import numpy as np
from _common import load_shared, machine_line, print_table, warm_up_umap
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.cluster import (
    DEC,
    JULE,
    SCAN,
    ClAM,
    DeepCluster,
    GraphDegreeLinkage,
    RateReductionClustering,
    SeLa,
    SwAV,
    VotingClustering,
)
from sklearn_unsup.metrics import cluster_accuracy, silhouette_score

DATASETS = ["digits", "mnist5k", "stackoverflow_minilm", "optdigits_train", "mnist1d",
            "ecoli", "glass", "wine", "yeast", "wdbc"]


def load(name):
    if name == "digits":
        d = load_digits()
        return d.data / 16.0, d.target
    X, y = load_shared(f"cluster/{name}.npz")
    X = X.astype(np.float64)
    if name == "mnist5k":
        return X / 255.0, y
    if name == "optdigits_train":
        return X / 16.0, y
    if name == "stackoverflow_minilm":
        return X / np.linalg.norm(X, axis=1, keepdims=True), y
    return StandardScaler().fit_transform(X), y


def umap_codes(X, seed, metric):
    import umap

    t0 = time.perf_counter()
    Z = umap.UMAP(n_components=10, n_neighbors=20, min_dist=0.0, metric=metric, random_state=seed).fit_transform(X)
    return Z.astype(np.float64), time.perf_counter() - t0


DEEP = {
    "SCAN": lambda k, s: SCAN(k, random_state=s),
    "DEC": lambda k, s: DEC(k, random_state=s),
    "IDEC": lambda k, s: DEC(k, reconstruction_weight=10.0, random_state=s),
    "DeepCluster": lambda k, s: DeepCluster(k, random_state=s),
    "DeepCluster (online)": lambda k, s: DeepCluster(k, online=True, random_state=s),
    "SwAV": lambda k, s: SwAV(k, random_state=s),
    "SeLa": lambda k, s: SeLa(k, random_state=s),
}


def encoder_stage(name, seed):
    """The ``encoder=`` value for ``--encoders``: "pca", "umap", "none" or "tldr" (TLDR(10), an instance)."""
    if name == "tldr":
        from sklearn_unsup.manifold import TLDR

        return TLDR(n_components=10, random_state=seed)
    return None if name == "none" else name


def encoder_methods(k, seed, deep, encoders):
    """--encoders: each deep method of ``deep`` with each encoder stage (on the input rows, not the UMAP codes)."""
    return [(f"{label} (encoder={enc})",
             lambda label=label, enc=enc: DEEP[label](k, seed).set_params(encoder=encoder_stage(enc, seed)), False)
            for label in deep for enc in encoders]


def methods(name, k, seed, n, umap_rows=True, encoders=None, deep=None):
    """(label, make, on_umap): on_umap methods run on the seed's UMAP(10) codes (make_umap_pipeline's step)."""
    out = [
        ("KMeans", lambda: KMeans(k, n_init=10, random_state=seed), False),
        ("GaussianMixture (diag)", lambda: GaussianMixture(k, covariance_type="diag", random_state=seed), False),
        ("UMAP(10)+GMM", lambda: GaussianMixture(k, random_state=seed), True),
    ]
    if encoders:  # the peers and the chosen deep methods with each encoder stage
        return out + encoder_methods(k, seed, deep, encoders)
    big = n > 10000  # the large embedding set: the peers and SCAN, the method made for it
    if seed == 0 and not big:  # no random state: one run (and minutes on the 20,000 x 384 set)
        out.insert(2, ("HDBSCAN", lambda: __import__("sklearn.cluster", fromlist=["HDBSCAN"]).HDBSCAN(
            min_cluster_size=15, copy=True), False))
    for label, make in DEEP.items():
        if big and label != "SCAN":
            continue
        out.append((label, partial(make, k, seed), False))
    for label, make in DEEP.items():
        if big and label != "SCAN" or not umap_rows:
            continue
        out.append((f"UMAP(10)+{label}", partial(make, k, seed), True))
    return out


VOTING = {
    "KMeans": lambda k, s: KMeans(k, n_init=10, random_state=s),
    "Ward": lambda k, s: __import__("sklearn.cluster", fromlist=["x"]).AgglomerativeClustering(k, linkage="ward"),
    "Birch": lambda k, s: __import__("sklearn.cluster", fromlist=["x"]).Birch(n_clusters=k),
    "HDBSCAN (min_cluster_size 15)": lambda k, s: __import__("sklearn.cluster", fromlist=["x"]).HDBSCAN(
        min_cluster_size=15, copy=True),
    "VotingClustering (unanimous)": lambda k, s: VotingClustering(n_clusters=k, random_state=s),
    "VotingClustering (2 of 3)": lambda k, s: VotingClustering(n_clusters=k, min_agreement=2, random_state=s),
}
DETERMINISTIC = {"Ward", "Birch", "HDBSCAN (min_cluster_size 15)"}


def _abstaining_scores(y, labels):
    kept = labels >= 0
    acc_kept = cluster_accuracy(y[kept], labels[kept]) if kept.any() else np.nan
    return kept.mean(), acc_kept, cluster_accuracy(y, np.where(kept, labels, -1))


def run_voting(args):
    """VotingClustering (coverage, ACC on the kept rows) against each member alone and HDBSCAN, same run."""
    for name in args.data.split(","):
        X, y = load(name)
        if args.quick:
            X, y = X[:1000], y[:1000]
        k = len(np.unique(y))
        rows = {}
        for seed in range(args.seeds):
            for label, make in VOTING.items():
                if seed > 0 and label in DETERMINISTIC:
                    continue
                if label.startswith("HDBSCAN") and X.shape[0] > 10000:
                    continue  # over 10 minutes on the 20,000 x 384 set here
                t0 = time.perf_counter()
                labels = np.asarray(make(k, seed).fit_predict(X))
                seconds = time.perf_counter() - t0
                r = rows.setdefault(label, {"method": label, "cov": [], "kept": [], "all": [], "s": []})
                for key, value in zip(("cov", "kept", "all"), _abstaining_scores(y, labels)):
                    r[key].append(value)
                r["s"].append(seconds)
                print(f"  {name} seed {seed} {label}: coverage {r['cov'][-1]:.3f} ACC kept {r['kept'][-1]:.3f}",
                      flush=True)
        ref = np.mean(rows["KMeans"]["s"])
        cols = ["method", "coverage", "ACC kept", "ACC all (abstained = wrong)", "fit time / KMeans"]
        table = [dict(zip(cols, (r["method"], float(np.mean(r["cov"])), float(np.mean(r["kept"])),
                                 float(np.mean(r["all"])), float(np.mean(r["s"]) / ref)))) for r in rows.values()]
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes), voting\n")
        print_table(table, cols)
        print()


def _agglomerative(linkage):
    from sklearn.cluster import AgglomerativeClustering

    return lambda k: AgglomerativeClustering(k, linkage=linkage)


GDL = {
    "KMeans (seed 0)": lambda k: KMeans(k, n_init=10, random_state=0),
    "Agglomerative (ward)": _agglomerative("ward"),
    "Agglomerative (average)": _agglomerative("average"),
    "GraphDegreeLinkage": lambda k: GraphDegreeLinkage(k),
    "GraphDegreeLinkage (k_c=1, plain AGDL)": lambda k: GraphDegreeLinkage(k, k_c=1),
}
# --gdl --jule: JULE (the linkage alternated with triplet training of an MLP encoder), defaults, three seeds
JULE_SEEDS = (0, 1, 2)


def run_gdl(args):
    """GraphDegreeLinkage (JULE's clusterer, no deep features) against Ward, average linkage and KMeans, same run.

    Every method but KMeans draws no random numbers: one run. Average linkage (a dense n x n distance matrix) is
    left out above 10,000 rows.
    """
    GraphDegreeLinkage(2).fit(np.random.RandomState(0).rand(50, 3))  # load the numba kernels before timing
    for name in args.data.split(","):
        X, y = load(name)
        if args.quick:
            X, y = X[:1000], y[:1000]
        k = len(np.unique(y))
        rows = []
        methods = dict(GDL)
        if args.jule:
            methods.update({f"JULE (seed {s})": (lambda k, s=s: JULE(k, random_state=s)) for s in JULE_SEEDS})
        for label, make in methods.items():
            if label.endswith("(average)") and X.shape[0] > 10000:
                continue
            t0 = time.perf_counter()
            labels = np.asarray(make(k).fit_predict(X))
            seconds = time.perf_counter() - t0
            rows.append({"method": label, "ACC": cluster_accuracy(y, labels),
                         "NMI": normalized_mutual_info_score(y, labels), "ARI": adjusted_rand_score(y, labels),
                         "s": seconds})
            print(f"  {name} {label}: ACC {rows[-1]['ACC']:.3f} NMI {rows[-1]['NMI']:.3f} ({seconds:.1f} s)",
                  flush=True)
        if args.jule:  # the mean of the seeded JULE rows
            jrows = [r for r in rows if r["method"].startswith("JULE (seed")]
            rows.append({"method": f"JULE (mean of {len(jrows)} seeds)",
                         **{key: float(np.mean([r[key] for r in jrows])) for key in ("ACC", "NMI", "ARI", "s")}})
        if args.umap:  # the package's documented UMAP step (seed 0), its time added to each row
            Z, umap_seconds = umap_codes(X, 0, "cosine" if name == "stackoverflow_minilm" else "euclidean")
            for label in ("KMeans (seed 0)", "Agglomerative (ward)", "GraphDegreeLinkage"):
                t0 = time.perf_counter()
                labels = np.asarray(GDL[label](k).fit_predict(Z))
                seconds = time.perf_counter() - t0 + umap_seconds
                rows.append({"method": f"UMAP(10)+{label}", "ACC": cluster_accuracy(y, labels),
                             "NMI": normalized_mutual_info_score(y, labels), "ARI": adjusted_rand_score(y, labels),
                             "s": seconds})
                print(f"  {name} UMAP(10)+{label}: ACC {rows[-1]['ACC']:.3f} NMI {rows[-1]['NMI']:.3f}", flush=True)
        ref = rows[0]["s"]
        for r in rows:
            r["fit time / KMeans"] = r.pop("s") / ref
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes), graph degree linkage; KMeans fit {ref:.2f} s\n")
        print_table(rows, ["method", "ACC", "NMI", "ARI", "fit time / KMeans"])
        print()


def run_prior(args):
    """SCAN, SeLa and SwAV with equal cluster sizes (the papers') against ``cluster_prior="auto"`` (the default).

    Where "auto" keeps equal sizes (the k-means shares' normalised entropy >= .95) both rows are the same fit, so it
    runs once. KMeans and GaussianMixture (diag) are the classical peers.
    """
    for name in args.data.split(","):
        X, y = load(name)
        if args.quick:
            X, y = X[:1000], y[:1000]
        k = len(np.unique(y))
        rows, choices, entropies = {}, [], []

        def add(label, labels, rows=rows, y=y):
            rows.setdefault(label, {"method": label, "ACC": [], "NMI": []})
            rows[label]["ACC"].append(cluster_accuracy(y, labels))
            rows[label]["NMI"].append(normalized_mutual_info_score(y, labels))

        for seed in range(args.seeds):
            add("KMeans", KMeans(k, n_init=10, random_state=seed).fit_predict(X))
            add("GaussianMixture (diag)", GaussianMixture(k, covariance_type="diag", random_state=seed).fit_predict(X))
            shares = SCAN(k, cluster_prior="kmeans", random_state=seed)._cluster_prior(X)
            entropies.append(-float(np.sum(shares * np.log(shares))) / np.log(k))
            for cls in (SCAN, SeLa, SwAV):
                uniform = cls(k, cluster_prior="uniform", n_init=1, random_state=seed).fit(X)
                add(f"{cls.__name__} (equal sizes)", uniform.labels_)
                auto = cls(k, n_init=1, random_state=seed)
                auto_is_uniform = np.ptp(auto._cluster_prior(X)) == 0
                add(f"{cls.__name__} (auto, default)", uniform.labels_ if auto_is_uniform else auto.fit(X).labels_)
            choices.append("equal sizes" if auto_is_uniform else "k-means shares")
            print(f"  {name} seed {seed}: " + ", ".join(f"{r['method']} {r['ACC'][-1]:.3f}" for r in rows.values()),
                  flush=True)
        table = [{"method": r["method"], "ACC": np.mean(r["ACC"]), "ACC sd": np.std(r["ACC"]), "NMI": np.mean(r["NMI"])}
                 for r in rows.values()]
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes): k-means shares' normalised entropy "
              f"{np.mean(entropies):.3f}; auto chose {', '.join(sorted(set(choices)))}\n")
        print_table(table, ["method", "ACC", "ACC sd", "NMI"])
        print()


def run_restarts(args):
    """SCAN, SeLa and SwAV with one training run against ``n_init="auto"`` (the default: 5 runs kept by
    silhouette on small tables without an encoder stage), beside KMeans, GaussianMixture and UMAP(10)+GMM.

    With ``--deep``: KMeans and the named methods of ``DEEP`` only, each with its defaults, and with ``n_init=1``
    too where its ``n_init`` counts training runs.
    """
    for name in args.data.split(","):
        X, y = load(name)
        if args.quick:
            X, y = X[:1000], y[:1000]
        k = len(np.unique(y))
        rows = {}

        def add(label, est, rows=rows, y=y, X=X, on_umap=False, seed=0):
            t0 = time.perf_counter()
            Z = umap_codes(X, seed, "euclidean")[0] if on_umap else X
            labels = np.asarray(est.fit_predict(Z))
            r = rows.setdefault(label, {"method": label, "ACC": [], "NMI": [], "s": []})
            r["ACC"].append(cluster_accuracy(y, labels))
            r["NMI"].append(normalized_mutual_info_score(y, labels))
            r["s"].append(time.perf_counter() - t0)

        for seed in range(args.seed0, args.seed0 + args.seeds):
            add("KMeans", KMeans(k, n_init=10, random_state=seed))
            if not args.deep:
                add("GaussianMixture (diag)", GaussianMixture(k, covariance_type="diag", random_state=seed))
                add("GaussianMixture (full)", GaussianMixture(k, random_state=seed))
                add("UMAP(10)+GMM", GaussianMixture(k, random_state=seed), on_umap=True, seed=seed)
            for label in args.deep or ("SCAN", "SeLa", "SwAV"):
                est = DEEP[label](k, seed)
                if est._restarts_by_silhouette:
                    add(f"{label} (n_init=1)", clone(est).set_params(n_init=1))
                add(f"{label} (default)", est)
            print(f"  {name} seed {seed}: " + ", ".join(f"{r['method']} {r['ACC'][-1]:.3f} ({r['s'][-1]:.1f} s)"
                                                         for r in rows.values()), flush=True)
        ref = np.mean(rows["KMeans"]["s"])
        table = [{"method": r["method"], "ACC": np.mean(r["ACC"]), "ACC sd": np.std(r["ACC"]), "NMI": np.mean(r["NMI"]),
                  "s / fit": np.mean(r["s"]), "fit / KMeans": np.mean(r["s"]) / ref} for r in rows.values()]
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes), seeds {args.seed0}..."
              f"{args.seed0 + args.seeds - 1}\n")
        print_table(table, ["method", "ACC", "ACC sd", "NMI", "s / fit", "fit / KMeans"])
        print()


K_GRID = (5, 8, 9, 10, 11, 15, 20, 30, 50)  # RateReductionClustering's default candidates


def _record(rows, y, tag, label, labels, seconds):
    r = rows.setdefault(label, {"method": label, "ACC": [], "NMI": [], "ARI": [], "s": []})
    r["ACC"].append(cluster_accuracy(y, labels))
    r["NMI"].append(normalized_mutual_info_score(y, labels))
    r["ARI"].append(adjusted_rand_score(y, labels))
    r["s"].append(seconds)
    print(f"  {tag} {label}: ACC {r['ACC'][-1]:.3f} ({seconds:.1f} s)", flush=True)


def run_rate_reduction(args):
    """RateReductionClustering (CPP/MLC) with the true k and with n_clusters=None, against KMeans and UMAP(10)+GMM.

    The k choice is compared with GaussianMixture + BIC over the same candidates on the seed's UMAP(10) codes (a
    full-covariance mixture on the raw 384/784 columns is too slow and too flat to be a fair peer).
    """
    for name in args.data.split(","):
        X, y = load(name)
        if args.quick:
            X, y = X[:1000], y[:1000]
        k = len(np.unique(y))
        metric = "cosine" if name == "stackoverflow_minilm" else "euclidean"
        rows, picks = {}, []

        for seed in range(args.seed0, args.seed0 + args.seeds):
            Z, umap_seconds = umap_codes(X, seed, metric)
            record = partial(_record, rows, y, f"{name} seed {seed}")
            t0 = time.perf_counter()
            record("KMeans", KMeans(k, n_init=10, random_state=seed).fit_predict(X), time.perf_counter() - t0)
            t0 = time.perf_counter()
            record("UMAP(10)+GMM", GaussianMixture(k, random_state=seed).fit_predict(Z),
                   time.perf_counter() - t0 + umap_seconds)
            for label, n_clusters, data, extra in (("RateReductionClustering", k, X, 0.0),
                                                   ("RateReductionClustering (n_clusters=None)", None, X, 0.0),
                                                   ("UMAP(10)+RateReductionClustering", k, Z, umap_seconds)):
                t0 = time.perf_counter()
                est = RateReductionClustering(n_clusters, random_state=seed).fit(data)
                record(label, est.labels_, time.perf_counter() - t0 + extra)
                if n_clusters is None:
                    picks.append({"seed": seed, "method": label, "k chosen": est.n_clusters_, "true k": k,
                                  "ACC at chosen k": rows[label]["ACC"][-1]})
            t0 = time.perf_counter()
            grid = [c for c in K_GRID if c < len(X)]
            gmms = [GaussianMixture(c, random_state=seed).fit(Z) for c in grid]
            bics = [g.bic(Z) for g in gmms]
            best = int(np.argmin(bics))
            picks.append({"seed": seed, "method": "UMAP(10)+GaussianMixture, BIC", "k chosen": grid[best],
                          "true k": k, "ACC at chosen k": cluster_accuracy(y, gmms[best].predict(Z))})
            print(f"  {name} seed {seed} GMM+BIC: k {grid[best]} ({time.perf_counter() - t0:.1f} s)", flush=True)
        ref = np.mean(rows["UMAP(10)+GMM"]["s"])
        table = [{"method": r["method"], "ACC": float(np.mean(r["ACC"])), "ACC sd": float(np.std(r["ACC"])),
                  "NMI": float(np.mean(r["NMI"])), "ARI": float(np.mean(r["ARI"])),
                  "fit time / UMAP+GMM": float(np.mean(r["s"]) / ref)} for r in rows.values()]
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes), rate reduction; UMAP+GMM {ref:.1f} s\n")
        print_table(table, ["method", "ACC", "ACC sd", "NMI", "ARI", "fit time / UMAP+GMM"])
        print(f"\n### {name}: choice of k (candidates {', '.join(map(str, K_GRID))})\n")
        print_table(picks, ["seed", "method", "k chosen", "true k", "ACC at chosen k"])
        print()


# ClAM's label-free selection grid (the authors search beta and lr, and rank by silhouette)
CLAM_GRID = {"beta": [0.5, 1.0, 2.0], "lr": [0.003, 0.01, 0.03]}


def run_clam(args):
    """ClAM with its defaults and with beta / lr chosen by silhouette (GridSearchCV, no labels).

    The peers are KMeans (n_init=10) and agglomerative clustering (Ward; average linkage), all on the same rows;
    silhouette in the (standardised) input space, ACC by the Hungarian matching. The selection fits every grid point
    on all rows and keeps the one whose clusters have the highest silhouette, as the authors do; its fit time
    includes the whole grid.
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.model_selection import GridSearchCV

    ClAM(2, max_epochs=1).fit(np.random.RandomState(0).rand(20, 3))  # load torch's kernels before timing
    for name in args.data.split(","):
        X, y = load(name)
        k = len(np.unique(y))
        rows = {}

        def record(tag, label, labels, seconds, rows=rows, y=y, X=X):
            r = rows.setdefault(label, {"method": label, "ACC": [], "silhouette": [], "s": [], "choice": []})
            r["ACC"].append(cluster_accuracy(y, labels))
            r["silhouette"].append(silhouette_score(X, labels) if len(np.unique(labels)) > 1 else -1.0)
            r["s"].append(seconds)
            print(f"  {tag} {label}: ACC {r['ACC'][-1]:.3f} silhouette {r['silhouette'][-1]:.3f} ({seconds:.1f} s)",
                  flush=True)

        all_rows = [(np.arange(len(X)), np.arange(len(X)))]
        for seed in range(args.seed0, args.seed0 + args.seeds):
            peers = [("KMeans", KMeans(k, n_init=10, random_state=seed))]
            if seed == args.seed0:  # no random state: one run
                peers += [("Agglomerative (ward)", AgglomerativeClustering(k, linkage="ward")),
                          ("Agglomerative (average)", AgglomerativeClustering(k, linkage="average"))]
            peers.append(("ClAM (defaults)", ClAM(k, random_state=seed)))
            for label, est in peers:
                t0 = time.perf_counter()
                labels = np.asarray(est.fit_predict(X))
                record(f"{name} seed {seed}", label, labels, time.perf_counter() - t0)
            t0 = time.perf_counter()
            search = GridSearchCV(ClAM(k, random_state=seed), CLAM_GRID, cv=all_rows).fit(X)
            record(f"{name} seed {seed}", "ClAM (silhouette-selected)", search.best_estimator_.labels_,
                   time.perf_counter() - t0)
            rows["ClAM (silhouette-selected)"]["choice"].append(
                f"{search.best_params_['beta']}/{search.best_params_['lr']}")
        ref = np.mean(rows["KMeans"]["s"])
        table = [{"method": r["method"], "runs": len(r["ACC"]), "silhouette": float(np.mean(r["silhouette"])),
                  "silhouette sd": float(np.std(r["silhouette"])), "ACC": float(np.mean(r["ACC"])),
                  "ACC sd": float(np.std(r["ACC"])), "fit s": float(np.mean(r["s"])),
                  "fit / KMeans": float(np.mean(r["s"]) / ref), "beta/lr chosen": " ".join(r["choice"])}
                 for r in rows.values()]
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes), ClAM; KMeans fit {ref:.2f} s\n")
        print_table(table, ["method", "runs", "silhouette", "silhouette sd", "ACC", "ACC sd", "fit s",
                            "fit / KMeans", "beta/lr chosen"])
        print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--data", default="digits,mnist5k,stackoverflow_minilm")
    parser.add_argument("--quick", action="store_true", help="1,000 rows per data set (smoke test)")
    parser.add_argument("--voting", action="store_true", help="VotingClustering against its members and HDBSCAN")
    parser.add_argument("--gdl", action="store_true", help="GraphDegreeLinkage against Ward, average and KMeans")
    parser.add_argument("--jule", action="store_true", help="with --gdl: add JULE rows (seeds 0, 1, 2)")
    parser.add_argument("--umap", action="store_true", help="with --gdl: also on the UMAP(10) codes (seed 0)")
    parser.add_argument("--rate-reduction", action="store_true",
                        help="RateReductionClustering (k given and None) against KMeans, UMAP+GMM, GMM+BIC")
    parser.add_argument("--seed0", type=int, default=0, help="first seed (main protocol and --rate-reduction)")
    parser.add_argument("--encoders", type=lambda v: v.split(","), default=None,
                        help="main protocol: the peers and --deep methods with each encoder stage, e.g. "
                             "pca,tldr,umap,none")
    parser.add_argument("--deep", type=lambda v: v.split(","), default=None,
                        help="with --encoders (default SCAN,DeepCluster) or --restarts: deep methods (names of the "
                             "DEEP table)")
    parser.add_argument("--no-umap-rows", action="store_true",
                        help="main protocol without the UMAP(10)+<deep method> rows (the defaults' encoder='auto' "
                             "already puts UMAP in front of them on the larger, wider sets)")
    parser.add_argument("--prior", action="store_true", help="SCAN/SeLa/SwAV: equal sizes vs cluster_prior='auto'")
    parser.add_argument("--restarts", action="store_true", help="SCAN/SeLa/SwAV: n_init=1 vs n_init='auto'")
    parser.add_argument("--clam", action="store_true", help="ClAM (defaults, silhouette-selected) vs KMeans, Ward")
    args = parser.parse_args()
    print(f"# bench_clustering — {machine_line()}, seeds {args.seed0}..{args.seed0 + args.seeds - 1}\n")
    if args.voting:
        run_voting(args)
        return
    if args.gdl:
        if args.umap:
            warm_up_umap()
        run_gdl(args)
        return
    if args.rate_reduction:
        warm_up_umap()
        run_rate_reduction(args)
        return
    if args.prior:
        run_prior(args)
        return
    if args.restarts:
        warm_up_umap()
        run_restarts(args)
        return
    if args.clam:
        run_clam(args)
        return
    warm_up_umap()
    for name in args.data.split(","):
        X, y = load(name)
        if args.quick:
            X, y = X[:1000], y[:1000]
        k = len(np.unique(y))
        rows = {}
        metric = "cosine" if name == "stackoverflow_minilm" else "euclidean"
        for seed in range(args.seed0, args.seed0 + args.seeds):
            Z, umap_seconds = umap_codes(X, seed, metric)
            for label, make, on_umap in methods(name, k, seed, X.shape[0], umap_rows=not args.no_umap_rows,
                                                encoders=args.encoders, deep=args.deep or ["SCAN", "DeepCluster"]):
                t0 = time.perf_counter()
                labels = make().fit_predict(Z if on_umap else X)
                dt = time.perf_counter() - t0 + (umap_seconds if on_umap else 0.0)
                r = rows.setdefault(label, {"method": label, "ACC": [], "NMI": [], "ARI": [], "s": []})
                r["ACC"].append(cluster_accuracy(y, labels))
                r["NMI"].append(normalized_mutual_info_score(y, labels))
                r["ARI"].append(adjusted_rand_score(y, labels))
                r["s"].append(dt)
                print(f"  {name} seed {seed} {label}: ACC {r['ACC'][-1]:.3f} ({dt:.1f} s)", flush=True)
        ref = np.mean(rows["UMAP(10)+GMM"]["s"])
        table = []
        for r in rows.values():
            table.append({"method": r["method"], "ACC": float(np.mean(r["ACC"])), "ACC sd": float(np.std(r["ACC"])),
                          "NMI": float(np.mean(r["NMI"])), "ARI": float(np.mean(r["ARI"])),
                          "fit time / UMAP+GMM": float(np.mean(r["s"]) / ref)})
        print(f"\n## {name} ({X.shape[0]} x {X.shape[1]}, {k} classes)\n")
        print_table(table, ["method", "ACC", "ACC sd", "NMI", "ARI", "fit time / UMAP+GMM"])
        print()


if __name__ == "__main__":
    main()
