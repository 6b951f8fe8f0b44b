"""Semi-supervised learning (issue 18): a few labels per class, against scikit-learn's semi-supervised peers.

    python benchmarks/bench_semi_supervised.py --only fewshot --data digits --shots 1,5 --seeds 0,1,2
    python benchmarks/bench_semi_supervised.py --only fewshot --data stackoverflow --shots 5 --seeds 0 \
        --out /tmp/fewshot.jsonl        # one piece of a long run; --summarize /tmp/fewshot.jsonl prints the means

Sections (``--only``; each is one function, ``SECTIONS`` maps the name to it):

- ``gcd``: generalized category discovery — the first half of the classes are old, half of their rows
  labelled; All/Old/New accuracy on the unlabelled rows (one Hungarian matching over all of them) and the
  estimated number of classes. SplitMergeGMM vs seeded KMeans given the true k and GaussianMixture with k
  chosen by BIC (k 2-40, on the same 10 principal components). ``mnist5k`` is a set the defaults were
  not chosen on.
- ``fewshot``: ``r`` labelled rows per class drawn at random (seed), every other row unlabelled (y = -1);
  accuracy on the unlabelled rows of the transductive labels (``transduction_``, or ``predict`` for
  the inductive peers on the rows they were fitted on). Peers: LabelSpreading(kernel="knn",
  n_neighbors=10), seeded KMeans (KMeans started at the labelled class means, n_init=1, cluster k read
  as class k), SelfTrainingClassifier(LogisticRegression) with its default threshold 0.75.
- ``ncd``: novel class discovery — ``--data digits,optdigits``, classes 0-4 known (every row labelled), 5-9
  novel (y = -1), standardised pixels; ACC on the novel rows and the number of novel classes found:
  ProjectionBasedNCD with the true k, with the silhouette k, and with w / n_components tuned by
  GridSearchCV over HiddenClassKFold (known classes only), vs KMeans and NCD k-means on the pixels.

- ``pairwise``: clustering from pairs (``--data digits``; ``--data stackoverflow --pairs 100,1000,10000``):
  ``--pairs`` random row pairs (seeded), each labelled +1 (same class) or -1 from the true classes; ARI on all
  rows of PairwiseConstrainedClustering (no k: stopped by the must-link rate of the pairs; and given the true k)
  vs KMeans (true k, no pairs) and COP-KMeans (Wagstaff et al. 2001, true k, written below: k-means++ starts,
  must-link closures assigned as one unit, never two cannot-linked units in one cluster; a run that finds no
  feasible assignment is restarted from the next seed, up to 10 times).

Data: ``digits`` (scikit-learn's 1,797 8x8 digits, 64 pixels, 10 classes) and ``stackoverflow``
(../shared/data/cluster/stackoverflow_minilm.npz: 20,000 MiniLM sentence embeddings, 384-d, 20 topics).
"""

import argparse
import json
import time

import numpy as np
from _common import load_shared, machine_line, print_table
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier

from sklearn_unsup.semi_supervised import DeepLowDensitySeparation, LaplacianKPrototypes, PairwiseConstrainedClustering


def load(name):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = load_shared("cluster/stackoverflow_minilm.npz")
    return X.astype(np.float64), np.asarray(y, dtype=np.int64)


def few_labels(y, per_class, seed):
    """y with ``per_class`` random rows of each class kept and every other row set to -1."""
    rng = np.random.RandomState(seed)
    y_semi = np.full_like(y, -1)
    for c in np.unique(y):
        y_semi[rng.choice(np.flatnonzero(y == c), per_class, replace=False)] = c
    return y_semi


def seeded_kmeans(X, y_semi):
    classes = np.unique(y_semi[y_semi >= 0])
    init = np.array([X[y_semi == c].mean(axis=0) for c in classes])
    return classes[KMeans(len(classes), init=init, n_init=1, random_state=0).fit(X).labels_]


FEWSHOT_METHODS = {
    "LaplacianKPrototypes": lambda X, y: LaplacianKPrototypes().fit(X, y).transduction_,
    "LaplacianKPrototypes(kmeans, cl2n)": lambda X, y: LaplacianKPrototypes(
        prototype="kmeans", normalize="cl2n").fit(X, y).transduction_,
    # the official script's settings: knn=3 (two neighbours), lambda 0.7, CL2N, K-means prototypes, no clamping
    "LaplacianKPrototypes(official settings)": lambda X, y: LaplacianKPrototypes(
        prototype="kmeans", n_neighbors=2, laplacian_weight=0.7, normalize="cl2n",
        clamp_labelled=False).fit(X, y).transduction_,
    # standardised input, as its docstring asks (the network trains with a fixed learning rate)
    "DeepLowDensitySeparation": lambda X, y: make_pipeline(
        StandardScaler(), DeepLowDensitySeparation(random_state=0)).fit(X, y)[-1].transduction_,
    "LabelSpreading(knn, 10)": lambda X, y: LabelSpreading(kernel="knn", n_neighbors=10).fit(X, y).transduction_,
    "seeded KMeans": seeded_kmeans,
    "SelfTraining(LogReg)": lambda X, y: SelfTrainingClassifier(LogisticRegression(max_iter=1000)).fit(X, y).predict(X),
}
PEERS = ("LabelSpreading(knn, 10)", "seeded KMeans", "SelfTraining(LogReg)")


def fewshot(args):
    rows = []
    for data in args.data.split(","):
        X, y = load(data)
        for shots in [int(s) for s in args.shots.split(",")]:
            for seed in [int(s) for s in args.seeds.split(",")]:
                y_semi = few_labels(y, shots, seed)
                unlabelled = y_semi == -1
                for name, method in FEWSHOT_METHODS.items():
                    if args.methods and not any(m in name for m in args.methods.split(",")):
                        continue
                    start = time.perf_counter()
                    pred = method(X, y_semi)
                    seconds = time.perf_counter() - start
                    acc = float(np.mean(pred[unlabelled] == y[unlabelled]))
                    rows.append(dict(section="fewshot", data=data, shots=shots, seed=seed, method=name,
                                     accuracy=acc, seconds=seconds))
                    print(f"{data} {shots}/class seed {seed} {name}: {acc:.3f} ({seconds:.1f} s)", flush=True)
    return rows


def summarize_fewshot(rows):
    out = []
    keys = sorted({(r["data"], r["shots"]) for r in rows}, key=lambda k: (k[0] != "digits", k))
    for data, shots in keys:
        sub = [r for r in rows if r["data"] == data and r["shots"] == shots]
        names = [m for m in FEWSHOT_METHODS if any(r["method"] == m for r in sub)]
        best_peer = max((np.mean([r["accuracy"] for r in sub if r["method"] == m]) for m in PEERS
                         if m in names), default=np.nan)
        for m in names:
            acc = [r["accuracy"] for r in sub if r["method"] == m]
            sec = [r["seconds"] for r in sub if r["method"] == m]
            out.append({"data": data, "labels/class": shots, "method": m, "seeds": len(acc),
                        "accuracy": float(np.mean(acc)), "std": float(np.std(acc)),
                        "vs best peer": "" if m in PEERS else f"{np.mean(acc) - best_peer:+.3f}",
                        "s / fit": float(np.mean(sec))})
    print_table(out, ["data", "labels/class", "method", "seeds", "accuracy", "std", "vs best peer", "s / fit"])


# ------------------------------------------------------------------ ncd: novel class discovery (PBN)
NCD_DATA = ("digits", "optdigits")


def load_ncd(name):
    """Standardised rows (as the PBN authors do) and classes; 0-4 are the known classes, 5-9 the novel ones."""
    from sklearn.preprocessing import StandardScaler

    if name == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = load_shared("cluster/optdigits_train.npz")
    return StandardScaler().fit_transform(X.astype(np.float64)), np.asarray(y, dtype=np.int64)


def _ncd_methods(seed):
    from sklearn.model_selection import GridSearchCV

    from sklearn_unsup.model_selection import HiddenClassKFold, make_hidden_class_scorer
    from sklearn_unsup.semi_supervised import ProjectionBasedNCD
    from sklearn_unsup.semi_supervised._ncd_clustering import estimate_n_clusters, ncd_kmeans

    def raw_kmeans(X, y_semi, k_true):
        return KMeans(k_true, n_init=10, random_state=seed).fit_predict(X[y_semi == -1]), None

    def raw_ncd_kmeans(X, y_semi, k_true):
        known = np.array([X[y_semi == c].mean(0) for c in np.unique(y_semi[y_semi >= 0])])
        return ncd_kmeans(X[y_semi == -1], known, k_true, random_state=seed).labels_, None

    def raw_kmeans_auto(X, y_semi, k_true):
        k, _ = estimate_n_clusters(X[y_semi == -1], random_state=seed)
        return KMeans(k, n_init=10, random_state=seed).fit_predict(X[y_semi == -1]), k

    def pbn(**params):
        def run(X, y_semi, k_true):
            k = k_true if params.get("n_novel_clusters") == "true" else params.get("n_novel_clusters", "auto")
            model = ProjectionBasedNCD(**{**params, "n_novel_clusters": k}, random_state=seed).fit(X, y_semi)
            return model.labels_[y_semi == -1], model.n_novel_clusters_
        return run

    def pbn_tuned(X, y_semi, k_true):
        # w and n_components tuned without the novel labels: GridSearchCV over folds that hide known classes
        search = GridSearchCV(ProjectionBasedNCD(n_novel_clusters="auto", random_state=seed),
                              {"w": [0.1, 0.5, 0.9], "n_components": [16, 64]}, cv=HiddenClassKFold(n_splits=3),
                              scoring=make_hidden_class_scorer("true")).fit(X, y_semi)
        model = search.best_estimator_
        best = search.best_params_
        return model.labels_[y_semi == -1], (model.n_novel_clusters_, f"{best['w']}/{best['n_components']}")

    return {
        "KMeans (raw, true k)": raw_kmeans,
        "NCD k-means (raw, true k)": raw_ncd_kmeans,
        "KMeans (raw, silhouette k)": raw_kmeans_auto,
        "PBN (true k)": pbn(n_novel_clusters="true"),
        "PBN (true k, ncd_kmeans)": pbn(n_novel_clusters="true", clusterer="ncd_kmeans"),
        "PBN (silhouette k)": pbn(),
        "PBN (silhouette k, w and n_components by HiddenClassKFold)": pbn_tuned,
    }


def ncd(args):
    from sklearn_unsup.metrics import cluster_accuracy

    rows = []
    names = [d for d in args.data.split(",") if d in NCD_DATA] or list(NCD_DATA)
    for data in names:
        X, y = load_ncd(data)
        y_semi = np.where(y < 5, y, -1)
        novel = y_semi == -1
        k_true = len(np.unique(y[novel]))
        for seed in [int(s) for s in args.seeds.split(",")]:
            for name, method in _ncd_methods(seed).items():
                if args.methods and not any(m in name for m in args.methods.split(",")):
                    continue
                start = time.perf_counter()
                labels, extra = method(X, y_semi, k_true)
                seconds = time.perf_counter() - start
                k, w = (extra if isinstance(extra, tuple) else (extra, None))
                acc = cluster_accuracy(y[novel], labels)
                rows.append(dict(section="ncd", data=data, seed=seed, method=name, accuracy=acc,
                                 k=k if k is not None else k_true, k_true=k_true, tuned=w, seconds=seconds))
                print(f"{data} seed {seed} {name}: ACC {acc:.3f} k={rows[-1]['k']} tuned={w} ({seconds:.1f} s)",
                      flush=True)
    return rows


def summarize_ncd(rows):
    out = []
    for data in [d for d in NCD_DATA if any(r["data"] == d for r in rows)]:
        sub = [r for r in rows if r["data"] == data]
        for m in dict.fromkeys(r["method"] for r in sub):
            mine = [r for r in sub if r["method"] == m]
            acc = [r["accuracy"] for r in mine]
            out.append({"data": data, "method": m, "seeds": len(acc), "novel ACC": float(np.mean(acc)),
                        "std": float(np.std(acc)), "k (true 5)": ", ".join(str(r["k"]) for r in mine),
                        "tuned w/n_components": ", ".join(str(r["tuned"]) for r in mine if r.get("tuned")),
                        "s / fit": float(np.mean([r["seconds"] for r in mine]))})
    print_table(out, ["data", "method", "seeds", "novel ACC", "std", "k (true 5)", "tuned w/n_components", "s / fit"])


# ------------------------------------------------------------------ gcd: generalized category discovery (GPC)
GCD_DATA = ("digits", "stackoverflow", "mnist5k")
GMM_K_RANGE = range(2, 41)  # the same candidate range on every set (the true k is not given to the search)


def load_gcd(name):
    if name == "mnist5k":
        X, y = load_shared("cluster/mnist5k.npz")
        return X.astype(np.float64), np.asarray(y, dtype=np.int64)
    return load(name)


def gcd_split(y, seed):
    """The GCD protocol: the first half of the classes are old, half of their rows (at random) labelled."""
    rng = np.random.RandomState(seed)
    classes = np.unique(y)
    old = classes[: classes.size // 2]
    y_semi = np.full_like(y, -1)
    for c in old:
        rows = np.flatnonzero(y == c)
        y_semi[rng.choice(rows, rows.size // 2, replace=False)] = c
    return y_semi, old


def gcd_accuracies(y_true, pred, old):
    """All/Old/New ACC on the unlabelled rows: one Hungarian matching over all of them, then split by class."""
    from scipy.optimize import linear_sum_assignment

    p_values, p_idx = np.unique(pred, return_inverse=True)
    t_values, t_idx = np.unique(y_true, return_inverse=True)
    counts = np.zeros((p_values.size, t_values.size))
    np.add.at(counts, (p_idx, t_idx), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapped = np.full(pred.size, -1)
    for r, c in zip(rows, cols):
        mapped[p_idx == r] = t_values[c]
    hit = mapped == y_true
    is_old = np.isin(y_true, old)
    return float(hit.mean()), float(hit[is_old].mean()), float(hit[~is_old].mean())


def _gcd_methods(seed):
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture

    from sklearn_unsup._kernels._kmeans import kmeans_plusplus
    from sklearn_unsup.semi_supervised import SplitMergeGMM

    def split_merge(**params):
        def run(X, y_semi, k_true):
            model = SplitMergeGMM(random_state=seed, **params).fit(X, y_semi)
            return model.labels_, model.n_clusters_
        return run

    def seeded_kmeans_true_k(X, y_semi, k_true):
        classes = np.unique(y_semi[y_semi >= 0])
        known = np.array([X[y_semi == c].mean(axis=0) for c in classes])
        new = kmeans_plusplus(X[y_semi == -1], k_true - classes.size, np.random.RandomState(seed))[0]
        init = np.vstack([known, new])
        return KMeans(k_true, init=init, n_init=1, random_state=seed).fit_predict(X), k_true

    def gmm_bic(X, y_semi, k_true):
        Z = PCA(10, random_state=seed).fit_transform(X)  # the same 10 components SplitMergeGMM runs on
        best = min((GaussianMixture(k, random_state=seed).fit(Z) for k in GMM_K_RANGE), key=lambda g: g.bic(Z))
        return best.predict(Z), best.n_components

    return {
        "SplitMergeGMM": split_merge(),
        "seeded KMeans (true k)": seeded_kmeans_true_k,
        "GaussianMixture + BIC (PCA 10, k 2-40)": gmm_bic,
    }


def gcd(args):
    rows = []
    names = [d for d in args.data.split(",") if d in GCD_DATA] or list(GCD_DATA)
    for data in names:
        X, y = load_gcd(data)
        k_true = len(np.unique(y))
        for seed in [int(s) for s in args.seeds.split(",")]:
            y_semi, old = gcd_split(y, seed)
            unlabelled = y_semi == -1
            for name, method in _gcd_methods(seed).items():
                if args.methods and not any(m in name for m in args.methods.split(",")):
                    continue
                start = time.perf_counter()
                labels, k = method(X, y_semi, k_true)
                seconds = time.perf_counter() - start
                acc_all, acc_old, acc_new = gcd_accuracies(y[unlabelled], labels[unlabelled], old)
                rows.append(dict(section="gcd", data=data, seed=seed, method=name, all=acc_all, old=acc_old,
                                 new=acc_new, k=int(k), k_true=k_true, seconds=seconds))
                print(f"{data} seed {seed} {name}: All {acc_all:.3f} Old {acc_old:.3f} New {acc_new:.3f} "
                      f"k={k} (true {k_true}) ({seconds:.1f} s)", flush=True)
    return rows


def summarize_gcd(rows):
    out = []
    for data in [d for d in GCD_DATA if any(r["data"] == d for r in rows)]:
        sub = [r for r in rows if r["data"] == data]
        for m in dict.fromkeys(r["method"] for r in sub):
            mine = [r for r in sub if r["method"] == m]
            out.append({"data": data, "method": m, "seeds": len(mine),
                        **{key: float(np.mean([r[key] for r in mine])) for key in ("all", "old", "new")},
                        "k": ", ".join(str(r["k"]) for r in mine), "true k": mine[0]["k_true"],
                        "s / fit": float(np.mean([r["seconds"] for r in mine]))})
    print_table(out, ["data", "method", "seeds", "all", "old", "new", "k", "true k", "s / fit"])


# ------------------------------------------------------------------ pairwise: must-link / cannot-link pairs
def random_pairs(y, m, seed):
    """``m`` random pairs of distinct rows, labelled +1 when both rows have the same class, else -1."""
    rng = np.random.RandomState(seed)
    pairs = np.array([rng.choice(len(y), 2, replace=False) for _ in range(m)], dtype=np.int64).reshape(-1, 2)
    return pairs, np.where(y[pairs[:, 0]] == y[pairs[:, 1]], 1, -1)


def cop_kmeans(X, pairs, labels, k, seed, max_iter=100, restarts=10):
    """COP-KMeans (Wagstaff et al., ICML 2001) with must-link closures as units; None when every start fails."""
    from sklearn.cluster import kmeans_plusplus

    n = len(X)
    parent = np.arange(n)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs[labels > 0]:
        parent[root(a)] = root(b)
    unit = np.unique([root(i) for i in range(n)], return_inverse=True)[1].reshape(-1)
    n_units = unit.max() + 1
    cannot = [set() for _ in range(n_units)]
    for a, b in pairs[labels < 0]:
        cannot[unit[a]].add(unit[b])
        cannot[unit[b]].add(unit[a])
    for attempt in range(restarts):
        rng = np.random.RandomState(seed + 1000 * attempt)
        centers = kmeans_plusplus(X, k, random_state=rng)[0]
        order = rng.permutation(n_units)
        assign = None
        for _ in range(max_iter):
            d = (X**2).sum(axis=1)[:, None] - 2.0 * X @ centers.T + (centers**2).sum(axis=1)[None]
            cost = np.zeros((n_units, k))
            np.add.at(cost, unit, d)
            new = np.full(n_units, -1)
            for u in order:
                taken = {new[v] for v in cannot[u] if new[v] >= 0}
                allowed = [c for c in np.argsort(cost[u]) if c not in taken]
                if not allowed:
                    new = None
                    break
                new[u] = allowed[0]
            if new is None:
                assign = None
                break
            if assign is not None and np.array_equal(new, assign):
                break
            assign = new
            rows = assign[unit]
            centers = np.array([X[rows == c].mean(axis=0) if np.any(rows == c) else centers[c] for c in range(k)])
        if assign is not None:
            return assign[unit], attempt
    return None, restarts


PAIRWISE_METHODS = {
    "PairwiseConstrainedClustering": lambda X, P, L, k, s: PairwiseConstrainedClustering().fit(
        X, pairs=P, pair_labels=L).labels_,
    "PairwiseConstrainedClustering(n_clusters=true k)": lambda X, P, L, k, s: PairwiseConstrainedClustering(
        n_clusters=k).fit(X, pairs=P, pair_labels=L).labels_,
    "KMeans (no pairs)": lambda X, P, L, k, s: KMeans(k, n_init=10, random_state=s).fit_predict(X),
    "COP-KMeans": lambda X, P, L, k, s: cop_kmeans(X, P, L, k, s)[0],
}
PAIRWISE_PEERS = ("KMeans (no pairs)", "COP-KMeans")


def pairwise(args):
    rows = []
    for data in args.data.split(","):
        X, y = load(data)
        k = len(np.unique(y))
        for m in [int(v) for v in args.pairs.split(",")]:
            for seed in [int(s) for s in args.seeds.split(",")]:
                P, L = random_pairs(y, m, seed)
                for name, method in PAIRWISE_METHODS.items():
                    if args.methods and not any(t in name for t in args.methods.split(",")):
                        continue
                    start = time.perf_counter()
                    pred = method(X, P, L, k, seed)
                    seconds = time.perf_counter() - start
                    score = float("nan") if pred is None else float(adjusted_rand_score(y, pred))
                    found = 0 if pred is None else int(len(np.unique(pred)))
                    violated = 0 if pred is None else int(np.sum((pred[P[:, 0]] == pred[P[:, 1]]) != (L > 0)))
                    rows.append(dict(section="pairwise", data=data, pairs=m, seed=seed, method=name, ari=score,
                                     clusters=found, violated=violated, seconds=seconds))
                    print(f"{data} {m} pairs seed {seed} {name}: ARI {score:.3f}, {found} clusters, "
                          f"{violated} pairs violated ({seconds:.2f} s)", flush=True)
    return rows


def summarize_pairwise(rows):
    out = []
    for data, m in sorted({(r["data"], r["pairs"]) for r in rows}):
        sub = [r for r in rows if r["data"] == data and r["pairs"] == m]
        kmeans = np.mean([r["ari"] for r in sub if r["method"] == "KMeans (no pairs)"] or [np.nan])
        for name in [n for n in PAIRWISE_METHODS if any(r["method"] == n for r in sub)]:
            mine = [r for r in sub if r["method"] == name]
            scores = [r["ari"] for r in mine]
            out.append({"data": data, "pairs": m, "method": name, "seeds": len(mine),
                        "ARI": float(np.nanmean(scores)), "std": float(np.nanstd(scores)),
                        "vs KMeans": "" if name in PAIRWISE_PEERS else f"{np.nanmean(scores) - kmeans:+.3f}",
                        "clusters": float(np.mean([r["clusters"] for r in mine])),
                        "violated": float(np.mean([r["violated"] for r in mine])),
                        "failed": int(np.sum(np.isnan(scores))),
                        "s / fit": float(np.mean([r["seconds"] for r in mine]))})
    print_table(out, ["data", "pairs", "method", "seeds", "ARI", "std", "vs KMeans", "clusters", "violated",
                      "failed", "s / fit"])


SECTIONS = {"fewshot": (fewshot, summarize_fewshot), "ncd": (ncd, summarize_ncd), "gcd": (gcd, summarize_gcd),
            "pairwise": (pairwise, summarize_pairwise)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["fewshot", "ncd", "gcd", "pairwise"], default="fewshot",
                        help="section to run (ncd, gcd: added by their estimators' benchmarks)")
    parser.add_argument("--data", default="digits,stackoverflow")
    parser.add_argument("--shots", default="1,5", help="labelled rows per class")
    parser.add_argument("--pairs", default="10,100,1000", help="numbers of labelled pairs (pairwise)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default="", help="comma-separated substrings of method names")
    parser.add_argument("--out", default=None, help="append the per-seed rows to this JSON-lines file")
    parser.add_argument("--summarize", default=None, help="print the mean table of a JSON-lines file and stop")
    args = parser.parse_args()
    if args.only not in SECTIONS:
        parser.error(f"section {args.only!r} is not in this file yet")
    run, summarize = SECTIONS[args.only]
    if args.summarize:
        with open(args.summarize) as f:
            rows = [r for r in map(json.loads, f) if r["section"] == args.only]
        summarize(rows)
        return
    print(machine_line())
    rows = run(args)
    if args.out:
        with open(args.out, "a") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    summarize(rows)


if __name__ == "__main__":
    main()
