"""Clustering embeddings without choosing k (issue 19): DenseMulticut against average-linkage agglomerative
clustering with a distance threshold and HDBSCAN, in one run; and DenseMulticut's scaling against KMeans(k=100).

    python benchmarks/bench_embedding_clustering.py [--data digits,stackoverflow_minilm]
    python benchmarks/bench_embedding_clustering.py --pick stability [--data digits,stackoverflow_minilm]
    python benchmarks/bench_embedding_clustering.py --scaling [--sizes 100000,300000,1000000]
    python benchmarks/bench_embedding_clustering.py --curation [--seeds 0,1,2]
    python benchmarks/bench_embedding_clustering.py --curation --pool-size 100000 [--seeds 0,1,2]
    python benchmarks/bench_embedding_clustering.py --hkm-scaling [--sizes 100000,1000000]

Curation protocol (HierarchicalKMeans + balanced_subsample, Vo et al. 2024): from stackoverflow_minilm
(20 classes of 1,000 L2-normalised rows) hold out 200 rows per class (a balanced test set); the pool keeps
``round(800 * r ** -1.2)`` (at least 10) of the other rows of the class of rank r (a random class order per
seed): 2,287 rows from 800 down to 22. Every method picks 25% of the pool (571 rows): a uniform random
subset; "k-means only" (one k-means level with sqrt(n) clusters, no resampling, rows split evenly over the
clusters by the same water-filling: SemDeDup-style); and the hierarchical curation (HierarchicalKMeans with
its defaults, balanced_subsample random picks). Reported: the subset's class entropy (nats; max ln 20 = 3.00)
and the macro-F1 of a 10-NN cosine classifier trained on the subset, tested on the balanced held-out rows.
(The issue asks for a 100,000-row pool; the data set has 20,000 rows, so the pool is smaller.)
With ``--pool-size N`` the pool is N rows with power-law class shares (``N * r ** -exponent / sum``, 1.2 default),
drawn with replacement from each class's 800 non-test rows and jittered (Gaussian noise of norm ~0.2, then
re-normalised): near-duplicates dominate the head classes, as in web-scale pools. The budget is again 25%;
the hierarchy is fitted on the whole pool and, as the route for pools larger than memory, on a random 10%
sample with the pool then assigned to it (``balanced_subsample(X, n, hierarchy=...)``).

Quality protocol: each method's one free setting is picked label-free, by the
same index: the cosine silhouette (noise rows left out, fewer than two
clusters scored -1, as ``make_cluster_scorer("silhouette", metric="cosine")``)
of the transductive labels on a fixed random subset of 4,000 rows (all rows
of digits). The grids: DenseMulticut's ``offset``; the average-linkage tree's
cosine ``distance_threshold`` (scipy's average linkage, which is what
``AgglomerativeClustering(linkage="average", metric="cosine",
distance_threshold=t)`` runs without a connectivity matrix: the tree is built
once and cut at each threshold); HDBSCAN's ``min_cluster_size``. ARI against
the classes is then reported for the picked setting, and, for context only,
for the best setting of the grid ("oracle", which uses the labels). Rows as
in bench_clustering: pixels / 16 (digits), L2-normalised sentence vectors.

With ``--pick stability`` every method's setting is picked instead by
``make_stability_scorer(reference="fit", subsample=0.5, n_resamples=4,
min_cluster_size=10, max_cluster_share=0.5)`` on all rows (transductive,
as ``GridSearchCV(cv=[(rows, rows)])``): the mean ARI between the fit on all
rows and 4 refits on random halves (on the rows each half saw), times the
share of rows in clusters of at least 10 rows (noise counts as uncovered);
a partition with fewer than two such clusters or one holding more than half
of the rows scores -1. DenseMulticut is labelled by ``predict`` there (what
the scorer does with a clusterer that predicts), the peers by ``labels_``.
HDBSCAN's single stackoverflow setting is not re-run (522 s; see the
silhouette run). ``--data`` also takes optdigits_train and mnist5k, sets not
used to choose the rule.

Scaling protocol: Gaussian blobs in 64-d, 100 centres of power-law sizes,
each method in a fresh process (fit time after a small warm-up fit, so numba
compilation is not counted; peak resident memory of the process, data
included), DenseMulticut with its defaults but ``offset=0.5`` against
scikit-learn's ``KMeans(100)`` (``n_init=1``, k-means++).

HierarchicalKMeans scaling (``--hkm-scaling``): the same blobs and fresh processes; HierarchicalKMeans with
its defaults (level 1 by mini-batch above 50,000 rows) against scikit-learn's ``MiniBatchKMeans`` with the
same level-1 k (its defaults otherwise: batch 1024, k-means++ on 3 batches, early stopping), and, where
``--lloyd-max`` allows, HierarchicalKMeans with ``minibatch_threshold=None`` (Lloyd on every level).
Level-1 inertia is reported for context only: resampling moves centres out of dense regions on purpose.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import machine_line, print_table
from bench_clustering import load
from sklearn.metrics import adjusted_rand_score

from sklearn_unsup.cluster import DenseMulticut
from sklearn_unsup.metrics import silhouette_score

OFFSETS = {"digits": [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9],
           "stackoverflow_minilm": [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]}
STABILITY_OFFSETS = {"stackoverflow_minilm": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4],
                     "mnist5k": [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9]}
DIGIT_OFFSETS = [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
STABILITY = {"reference": "fit", "subsample": 0.5, "n_resamples": 4, "min_cluster_size": 10,
             "max_cluster_share": 0.5}
THRESHOLDS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
# HDBSCAN: ~minutes per fit on the 20k stackoverflow rows
MIN_CLUSTER_SIZES = {"digits": [5, 10, 15, 25, 50], "stackoverflow_minilm": [15], "mnist5k": [10, 25]}


def label_free(X, sub):
    """The picking index: cosine silhouette of the labels on the rows ``sub`` (noise left out)."""
    def score(labels):
        lab = labels[sub]
        kept = lab >= 0
        k = len(np.unique(lab[kept]))
        if k < 2 or k > kept.sum() - 1:
            return -1.0
        return float(silhouette_score(X[sub][kept], lab[kept], metric="cosine"))
    return score


def pick(name, y, runs, score):
    """runs: (setting, labels, seconds) -> one result row: the picked setting and the oracle's ARI."""
    rows = [(s, lab, t, score(lab), adjusted_rand_score(y, lab)) for s, lab, t in runs]
    best = max(rows, key=lambda r: r[3])
    oracle = max(rows, key=lambda r: r[4])
    print(f"  {name}: " + ", ".join(f"{r[0]}: sil {r[3]:.3f} ARI {r[4]:.3f} k {len(np.unique(r[1]))}"
                                    for r in rows), flush=True)
    return {"method": name, "picked": best[0], "clusters": len(np.unique(best[1][best[1] >= 0])),
            "noise": float(np.mean(best[1] < 0)), "silhouette": best[3], "ARI": best[4],
            "oracle ARI": oracle[4], "fit s (per setting)": float(np.mean([r[2] for r in rows]))}


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def quality_rows(name):
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import HDBSCAN

    X, y = load(name)
    n = len(X)
    sub = np.arange(n) if n <= 4000 else np.sort(np.random.RandomState(0).choice(n, 4000, replace=False))
    score = label_free(X, sub)
    print(f"\n## {name} ({n} x {X.shape[1]}, {len(np.unique(y))} classes)", flush=True)
    rows = []
    runs = [(a, *timed(lambda a=a: DenseMulticut(offset=a).fit(X).labels_)) for a in OFFSETS[name]]
    rows.append(pick("DenseMulticut (offset)", y, runs, score))
    Z, t_tree = timed(lambda: linkage(X, method="average", metric="cosine"))
    runs = [(t, fcluster(Z, t, criterion="distance") - 1, t_tree) for t in THRESHOLDS]
    rows.append(pick("Agglomerative average cosine (distance_threshold)", y, runs, score))
    runs = [(m, *timed(lambda m=m: HDBSCAN(min_cluster_size=m, copy=True).fit(X).labels_))
            for m in MIN_CLUSTER_SIZES[name]]
    rows.append(pick("HDBSCAN (min_cluster_size)", y, runs, score))
    return rows


class _Transductive:
    """A peer as a clusterer with ``labels_`` only (no predict), so the stability scorer labels it transductively."""

    def __init__(self, fit_labels=None):
        self.fit_labels = fit_labels

    def get_params(self, deep=True):
        return {"fit_labels": self.fit_labels}

    def set_params(self, **params):
        self.fit_labels = params.get("fit_labels", self.fit_labels)
        return self

    def fit(self, X, y=None):
        self.labels_ = np.asarray(self.fit_labels(X))
        return self


def stability_rows(name):
    """Quality rows with every method's setting picked by the stability scorer (``--pick stability``)."""
    import hashlib

    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import HDBSCAN

    from sklearn_unsup.metrics import make_stability_scorer

    X, y = load(name)
    scorer = make_stability_scorer(**STABILITY)
    print(f"\n## {name} ({len(X)} x {X.shape[1]}, {len(np.unique(y))} classes), pick: stability", flush=True)
    rows = []
    runs = []
    for a in STABILITY_OFFSETS.get(name, DIGIT_OFFSETS):
        est, t = timed(lambda a=a: DenseMulticut(offset=a).fit(X))
        t0 = time.perf_counter()
        runs.append((a, est.labels_, t, scorer(est, X), est.predict(X)))
        print(f"    offset {a}: score {runs[-1][3]:.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
    rows.append(pick_by_score("DenseMulticut (offset)", y, runs))
    trees = {}

    def tree(Xs):  # one average-linkage tree per row set, cut at every threshold
        key = hashlib.sha1(np.ascontiguousarray(Xs).tobytes()).hexdigest()
        if key not in trees:
            trees[key] = linkage(Xs, method="average", metric="cosine")
        return trees[key]

    runs = []
    for thr in THRESHOLDS:
        est, t = timed(lambda thr=thr: _Transductive(
            lambda Xs, thr=thr: fcluster(tree(Xs), thr, criterion="distance") - 1).fit(X))
        runs.append((thr, est.labels_, t, scorer(est, X), est.labels_))
    rows.append(pick_by_score("Agglomerative average cosine (distance_threshold)", y, runs))
    if name != "stackoverflow_minilm":
        runs = []
        for m in MIN_CLUSTER_SIZES.get(name, [5, 10, 15, 25, 50]):
            est, t = timed(lambda m=m: _Transductive(lambda Xs, m=m: HDBSCAN(min_cluster_size=m, copy=True)
                                                      .fit(Xs).labels_).fit(X))
            runs.append((m, est.labels_, t, scorer(est, X), est.labels_))
        rows.append(pick_by_score("HDBSCAN (min_cluster_size)", y, runs))
    return rows


def pick_by_score(name, y, runs):
    """runs: (setting, labels_, seconds, score, labels the scorer used) -> one row for the best score."""
    best = max(runs, key=lambda r: r[3])
    oracle = max(runs, key=lambda r: adjusted_rand_score(y, r[1]))
    print(f"  {name}: " + ", ".join(f"{r[0]}: score {r[3]:.3f} ARI {adjusted_rand_score(y, r[1]):.3f} "
                                    f"k {len(np.unique(r[1]))}" for r in runs), flush=True)
    return {"method": name, "picked": best[0], "clusters": len(np.unique(best[1][best[1] >= 0])),
            "noise": float(np.mean(best[1] < 0)), "stability x coverage": best[3],
            "ARI": adjusted_rand_score(y, best[1]), "ARI (scored labels)": adjusted_rand_score(y, best[4]),
            "oracle ARI": adjusted_rand_score(y, oracle[1]),
            "fit s (per setting)": float(np.mean([r[2] for r in runs]))}


def run_quality(names, how="silhouette"):
    for name in names:
        if how == "stability":
            rows = stability_rows(name)
            print()
            print_table(rows, list(rows[0]))
            continue
        rows = quality_rows(name)
        print()
        print_table(rows, ["method", "picked", "clusters", "noise", "silhouette", "ARI", "oracle ARI",
                           "fit s (per setting)"])


def blobs(n, seed=0):
    rng = np.random.RandomState(seed)
    weights = 1.0 / np.arange(1, 101) ** 0.8
    sizes = np.floor(n * weights / weights.sum()).astype(int)
    sizes[0] += n - sizes.sum()
    centers = rng.uniform(-10, 10, size=(100, 64))
    y = np.repeat(np.arange(100), sizes)
    X = (centers[y] + rng.normal(size=(n, 64))).astype(np.float32)
    return X, y


def worker(method, n):
    """One scaling measurement in this (fresh) process; prints a JSON line."""
    from sklearn.cluster import KMeans

    make = {"DenseMulticut": lambda: DenseMulticut(offset=0.5, random_state=0),
            "KMeans(100)": lambda: KMeans(100, n_init=1, random_state=0)}[method]
    Xw, _ = blobs(3000, seed=1)
    make().fit(Xw)  # warm-up: numba compilation and caches
    X, y = blobs(n)
    est, seconds = timed(lambda: make().fit(X))
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps({"method": method, "n": n, "fit s": seconds, "peak RSS GB": rss_gb,
                      "data GB": X.nbytes / 2**30, "clusters": int(len(np.unique(est.labels_))),
                      "ARI": float(adjusted_rand_score(y, est.labels_))}))


def hkm_worker(method, n):
    """One HierarchicalKMeans scaling measurement in this (fresh) process; prints a JSON line."""
    from sklearn.cluster import MiniBatchKMeans

    from sklearn_unsup.cluster import HierarchicalKMeans

    k1 = HierarchicalKMeans()._levels(n)[0][0]
    warm = {"HierarchicalKMeans": HierarchicalKMeans(minibatch_threshold=1500, random_state=0),
            "HierarchicalKMeans (Lloyd)": HierarchicalKMeans(minibatch_threshold=None, random_state=0),
            "MiniBatchKMeans": MiniBatchKMeans(50, random_state=0)}[method]
    warm.fit(blobs(3000, seed=1)[0])  # warm-up: numba compilation (mini-batch or Lloyd path)
    X = np.load(_blobs_file(n))  # written by the parent: data generation's temporaries stay out of the peak
    est = {"HierarchicalKMeans": HierarchicalKMeans(random_state=0),
           "HierarchicalKMeans (Lloyd)": HierarchicalKMeans(minibatch_threshold=None, random_state=0),
           "MiniBatchKMeans": MiniBatchKMeans(k1, random_state=0)}[method]
    _, seconds = timed(lambda: est.fit(X))
    # VmHWM (this process's own peak): ru_maxrss would carry the parent's peak over from fork + exec
    rss_gb = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 2**20
    levels = getattr(est, "n_clusters_per_level_", (est.n_clusters,))
    print(json.dumps({"method": method, "n": n, "fit s": seconds, "peak RSS GB": rss_gb,
                      "data GB": X.nbytes / 2**30, "levels": list(levels),
                      "inertia / n": float(est.inertia_) / n}))


def _blobs_file(n):
    import tempfile

    return Path(tempfile.gettempdir()) / f"bench_embedding_clustering_blobs_{n}.npy"


def run_hkm_scaling(sizes, lloyd_max):
    rows = []
    for n in sizes:
        np.save(_blobs_file(n), blobs(n)[0])
        res = {}
        methods = ["MiniBatchKMeans", "HierarchicalKMeans"] + (["HierarchicalKMeans (Lloyd)"] if n <= lloyd_max
                                                                 else [])
        for method in methods:
            out = subprocess.run([sys.executable, __file__, "--hkm-worker", method, str(n)], capture_output=True,
                                 text=True, cwd=Path(__file__).parent)
            if out.returncode:
                print(out.stderr[-3000:])
                raise SystemExit(out.returncode)
            res[method] = json.loads(out.stdout.strip().splitlines()[-1])
            print("  ", res[method], flush=True)
        _blobs_file(n).unlink()
        mb = res["MiniBatchKMeans"]
        for method in methods[1:]:
            h = res[method]
            rows.append({"n": n, "method": method, "levels": str(tuple(h["levels"])), "fit s": h["fit s"],
                         "MiniBatchKMeans(k1) fit s": mb["fit s"], "time ratio": h["fit s"] / mb["fit s"],
                         "peak RSS GB": h["peak RSS GB"], "MBKM peak RSS GB": mb["peak RSS GB"],
                         "memory ratio": h["peak RSS GB"] / mb["peak RSS GB"], "data GB": h["data GB"],
                         "inertia / n": h["inertia / n"], "MBKM inertia / n": mb["inertia / n"]})
    print("\n## HierarchicalKMeans scaling: 64-d Gaussian blobs, 100 power-law sized clusters\n")
    print_table(rows, list(rows[0]))


def run_scaling(sizes):
    rows = []
    for n in sizes:
        res = {}
        for method in ("KMeans(100)", "DenseMulticut"):
            out = subprocess.run([sys.executable, __file__, "--worker", method, str(n)], capture_output=True,
                                 text=True, cwd=Path(__file__).parent)
            if out.returncode:
                print(out.stderr[-3000:])
                raise SystemExit(out.returncode)
            res[method] = json.loads(out.stdout.strip().splitlines()[-1])
            print("  ", res[method], flush=True)
        mc, km = res["DenseMulticut"], res["KMeans(100)"]
        rows.append({"n": n, "DenseMulticut fit s": mc["fit s"], "KMeans(100) fit s": km["fit s"],
                     "time ratio": mc["fit s"] / km["fit s"], "DenseMulticut clusters": mc["clusters"],
                     "DenseMulticut ARI": mc["ARI"], "KMeans ARI": km["ARI"],
                     "peak RSS GB (DM / KM)": f"{mc['peak RSS GB']:.2f} / {km['peak RSS GB']:.2f}",
                     "data GB": mc["data GB"]})
    print("\n## Scaling: 64-d Gaussian blobs, 100 power-law sized clusters\n")
    print_table(rows, list(rows[0]))


def curation_rows(seed):
    from sklearn.metrics import f1_score
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_unsup.cluster import HierarchicalKMeans, balanced_subsample

    X, y = load("stackoverflow_minilm")
    rng = np.random.RandomState(seed)
    test, pool = [], []
    for rank, c in enumerate(rng.permutation(np.unique(y)), start=1):
        rows = rng.permutation(np.flatnonzero(y == c))
        test.append(rows[:200])
        pool.append(rows[200:200 + max(10, int(round(800 * rank ** -1.2)))])
    test, pool = np.concatenate(test), np.concatenate(pool)
    Xp, yp = X[pool], y[pool]
    budget = len(pool) // 4

    def entropy(lab):
        p = np.bincount(lab) / len(lab)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    t0 = time.perf_counter()
    hkm = HierarchicalKMeans(random_state=seed).fit(Xp)
    fit_s = time.perf_counter() - t0
    km = HierarchicalKMeans(hkm.n_clusters_per_level_[0], n_resamples=0, random_state=seed).fit(Xp)
    subsets = {"random": rng.choice(len(pool), budget, replace=False),
               "k-means only": balanced_subsample(km, budget, random_state=seed),
               "hierarchical (curation)": balanced_subsample(hkm, budget, random_state=seed)}
    rows = []
    for name, idx in subsets.items():
        knn = KNeighborsClassifier(10, metric="cosine").fit(Xp[idx], yp[idx])
        rows.append({"seed": seed, "subset": name, "rows": len(idx), "classes": len(np.unique(yp[idx])),
                     "entropy": entropy(yp[idx]), "kNN macro-F1": f1_score(y[test], knn.predict(X[test]),
                                                                             average="macro")})
    print(f"pool {len(pool)} rows, entropy {entropy(yp):.3f}; HierarchicalKMeans{hkm.n_clusters_per_level_} "
          f"fit {fit_s:.1f} s", flush=True)
    return rows


def large_pool_curation_rows(seed, pool_size, exponent=1.2, levels="auto"):
    from sklearn.metrics import f1_score
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_unsup.cluster import HierarchicalKMeans, balanced_subsample

    X, y = load("stackoverflow_minilm")
    rng = np.random.RandomState(seed)
    classes = rng.permutation(np.unique(y))
    share = np.arange(1, len(classes) + 1) ** -exponent
    counts = np.maximum(10, np.round(pool_size * share / share.sum())).astype(int)
    test, parts, labels = [], [], []
    for c, m in zip(classes, counts):
        rows = rng.permutation(np.flatnonzero(y == c))
        test.append(rows[:200])
        parts.append(rng.choice(rows[200:], m, replace=True))
        labels.append(np.full(m, c))
    test, base, yp = np.concatenate(test), np.concatenate(parts), np.concatenate(labels)
    Xp = X[base] + rng.normal(scale=0.2 / np.sqrt(X.shape[1]), size=(len(base), X.shape[1])).astype(X.dtype)
    Xp /= np.linalg.norm(Xp, axis=1, keepdims=True)
    budget = len(Xp) // 4

    def entropy(lab):
        p = np.bincount(lab) / len(lab)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    subsets, times = {"random": rng.choice(len(Xp), budget, replace=False)}, {"random": 0.0}
    t0 = time.perf_counter()
    hkm = HierarchicalKMeans(levels, random_state=seed).fit(Xp)
    subsets["hierarchical, fit on the pool"] = balanced_subsample(hkm, budget, random_state=seed)
    times["hierarchical, fit on the pool"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sample = np.sort(rng.choice(len(Xp), len(Xp) // 10, replace=False))
    small = HierarchicalKMeans(hkm.n_clusters_per_level_, random_state=seed).fit(Xp[sample])
    subsets["hierarchical, fit on a 10% sample"] = balanced_subsample(Xp, budget, hierarchy=small,
                                                                      random_state=seed)
    times["hierarchical, fit on a 10% sample"] = time.perf_counter() - t0
    rows = []
    for name, idx in subsets.items():
        knn = KNeighborsClassifier(10, metric="cosine").fit(Xp[idx], yp[idx])
        rows.append({"seed": seed, "subset": name, "rows": len(idx), "entropy": entropy(yp[idx]),
                     "kNN macro-F1": f1_score(y[test], knn.predict(X[test]), average="macro"),
                     "curation s": times[name]})
    print(f"pool {len(Xp)} rows (exponent {exponent}, classes {counts.max()} down to {counts.min()} rows), "
          f"entropy {entropy(yp):.3f}; levels {hkm.n_clusters_per_level_}", flush=True)
    return rows


def run_curation(seeds, pool_size=None, exponent=1.2, levels="auto"):
    if pool_size:
        rows = [r for s in seeds for r in large_pool_curation_rows(s, pool_size, exponent, levels)]
        print(f"\n## Curation: long-tailed {pool_size}-row pool from stackoverflow_minilm, 25% subsets\n")
        print_table(rows, list(rows[0]))
        names = list(dict.fromkeys(r["subset"] for r in rows))
        mean = [{"subset": n, **{m: float(np.mean([r[m] for r in rows if r["subset"] == n]))
                                 for m in ("entropy", "kNN macro-F1", "curation s")}} for n in names]
        print()
        print_table(mean, list(mean[0]))
        return
    rows = [r for s in seeds for r in curation_rows(s)]
    print("\n## Curation: long-tailed stackoverflow_minilm pool, 25% subsets\n")
    print_table(rows, list(rows[0]))
    names = list(dict.fromkeys(r["subset"] for r in rows))
    mean = [{"subset": n, **{m: float(np.mean([r[m] for r in rows if r["subset"] == n]))
                             for m in ("entropy", "kNN macro-F1")}} for n in names]
    print()
    print_table(mean, list(mean[0]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits,stackoverflow_minilm")
    parser.add_argument("--pick", choices=["silhouette", "stability"], default="silhouette")
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--curation", action="store_true")
    parser.add_argument("--pool-size", type=int, default=None)
    parser.add_argument("--exponent", type=float, default=1.2, help="power law of the --pool-size pool")
    parser.add_argument("--levels", default="auto", help="HierarchicalKMeans levels for --pool-size, e.g. 100,20")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--hkm-scaling", action="store_true")
    parser.add_argument("--lloyd-max", type=int, default=100000)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--hkm-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    if args.hkm_worker:
        hkm_worker(args.hkm_worker[0], int(args.hkm_worker[1]))
        return
    print(f"# bench_embedding_clustering — {machine_line()}")
    if args.curation:
        levels = "auto" if args.levels == "auto" else tuple(int(k) for k in args.levels.split(","))
        run_curation([int(s) for s in args.seeds.split(",")], args.pool_size, args.exponent, levels)
    elif args.hkm_scaling:
        run_hkm_scaling([int(s) for s in args.sizes.split(",")], args.lloyd_max)
    elif args.scaling:
        run_scaling([int(s) for s in args.sizes.split(",")])
    else:
        run_quality(args.data.split(","), args.pick)


if __name__ == "__main__":
    main()
