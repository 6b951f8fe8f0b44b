"""Unsupervised feature selection (issue 21 §6): QuickSelection against InfFS, top variance, Laplacian score, random.

    python benchmarks/bench_feature_selection.py --set mnist5k --seeds 0      # one set and seed per call, appends
    python benchmarks/bench_feature_selection.py --report                     # markdown table of all appended runs

The authors' protocol (QuickSelection's evaluation script): the rows are split 80/20 (stratified, seed = the run's
seed), every selector is fitted on the training rows without labels and keeps K = 50 features; then, on the
standardised selected features (StandardScaler fitted on the training rows),
- ExtraTreesClassifier(50 trees) fitted on the training rows, accuracy on the test rows;
- KMeans(n_clusters = number of classes, n_init=10) on the training rows, clustering accuracy (Hungarian).
Sets: mnist5k (pixels / 255) and optdigits_train (/ 16) from ../shared/data/cluster/.

Selectors (same run, same split), all fitted on the pixels (in [0, 1]): QuickSelection with its defaults (100
epochs), ``QuickSelection(max_epochs=10)`` (the paper's QS10), and QuickSelection (100 epochs) on standardised
pixels (the authors' input for MNIST: StandardScaler fitted on the training rows); InfFS (defaults);
top variance (of the pixels: a standardised column's variance is 1); the Laplacian score (He, Cai and Niyogi
2005, written here: 5-NN heat-kernel graph, t = the mean squared kNN distance, lowest score first);
K random features; and all features (no selection) as a reference. Fit times are the selectors' (2-core CPU).
Rows are appended to results/feature_selection_runs.jsonl.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _common import load_shared, machine_line
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.feature_selection import InfFS, QuickSelection
from sklearn_unsup.metrics import cluster_accuracy

RUNS = Path(__file__).parent / "results" / "feature_selection_runs.jsonl"
SETS = {"mnist5k": ("cluster/mnist5k.npz", 255.0), "optdigits": ("cluster/optdigits_train.npz", 16.0)}
K = 50


def laplacian_score(X, n_neighbors=5):
    """He, Cai and Niyogi's Laplacian score of each column (lower = better preserves the kNN graph)."""
    dist, ind = NearestNeighbors(n_neighbors=n_neighbors + 1).fit(X).kneighbors(X)
    dist, ind = dist[:, 1:], ind[:, 1:]
    t = np.mean(dist**2)
    n = X.shape[0]
    S = sparse.csr_matrix((np.exp(-dist.ravel() ** 2 / t), (np.repeat(np.arange(n), n_neighbors), ind.ravel())),
                          shape=(n, n))
    S = S.maximum(S.T)
    deg = np.asarray(S.sum(axis=1)).ravel()
    F = X - (deg @ X) / deg.sum()  # remove the degree-weighted mean of each column
    dF = (deg[:, None] * F**2).sum(axis=0)
    lF = dF - (F * (S @ F)).sum(axis=0)  # f' L f with L = D - S
    score = np.full(X.shape[1], np.inf)
    ok = dF > 1e-12
    score[ok] = lF[ok] / dF[ok]
    return score


def selectors(seed):
    return {
        "QuickSelection (100 epochs)": lambda X: QuickSelection(K, random_state=seed).fit(X).get_support(indices=True),
        "QuickSelection (10 epochs, QS10)": lambda X: QuickSelection(K, max_epochs=10, random_state=seed)
        .fit(X).get_support(indices=True),
        "QuickSelection (100 epochs, standardised input)": lambda X: QuickSelection(K, random_state=seed)
        .fit(StandardScaler().fit_transform(X)).get_support(indices=True),
        "InfFS": lambda X: InfFS(K).fit(X).get_support(indices=True),
        "top variance": lambda X: np.argsort(-X.var(axis=0), kind="stable")[:K],
        "Laplacian score": lambda X: np.argsort(laplacian_score(X), kind="stable")[:K],
        "random": lambda X: np.random.RandomState(seed).choice(X.shape[1], K, replace=False),
        "all features": lambda X: np.arange(X.shape[1]),
    }


def evaluate(idx, X_tr, y_tr, X_te, y_te, seed):
    scaler = StandardScaler().fit(X_tr[:, idx])
    Z_tr, Z_te = scaler.transform(X_tr[:, idx]), scaler.transform(X_te[:, idx])
    et = ExtraTreesClassifier(50, random_state=seed, n_jobs=1).fit(Z_tr, y_tr).score(Z_te, y_te)
    labels = KMeans(len(np.unique(y_tr)), n_init=10, random_state=seed).fit_predict(Z_tr)
    return float(et), float(cluster_accuracy(y_tr, labels))


def run(name, seed, only, out):
    path, scale = SETS[name]
    X, y = load_shared(path)
    X = X.astype(np.float64) / scale
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
    for method, select in selectors(seed).items():
        if only and not any(o.lower() in method.lower() for o in only):
            continue
        t0 = time.perf_counter()
        idx = np.asarray(select(X_tr))
        fit_s = time.perf_counter() - t0
        et, acc = evaluate(idx, X_tr, y_tr, X_te, y_te, seed)
        row = dict(set=name, seed=seed, method=method, extra_trees=et, kmeans_acc=acc, fit_s=fit_s,
                   n_selected=int(idx.size), machine=machine_line())
        print(json.dumps(row), flush=True)
        with Path(out).open("a") as f:
            f.write(json.dumps(row) + "\n")


def report(path):
    rows = {}
    for line in Path(path).read_text().splitlines():
        r = json.loads(line)
        rows[(r["set"], r["method"], r["seed"])] = r  # a later run of the same key wins
    methods = list(dict.fromkeys(k[1] for k in rows))
    for name in SETS:
        print(f"\n{name}: K = {K}, mean ± sd over seeds (n seeds)\n")
        print("| selector | ExtraTrees accuracy | KMeans ACC | fit (s) | seeds |")
        print("|---|---|---|---|---|")
        for m in methods:
            rs = [r for (s, mm, _), r in rows.items() if s == name and mm == m]
            if not rs:
                continue
            et, acc, fit = (np.array([r[k] for r in rs]) for k in ("extra_trees", "kmeans_acc", "fit_s"))
            print(f"| {m} | {et.mean():.3f} ± {et.std():.3f} | {acc.mean():.3f} ± {acc.std():.3f} | "
                  f"{fit.mean():.2f} | {len(rs)} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=list(SETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--only", nargs="+", help="substrings of the selector names to run")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--out", default=str(RUNS), help="the jsonl file appended to (and read by --report)")
    args = parser.parse_args()
    if args.report:
        report(args.out)
        return
    for seed in args.seeds:
        run(args.set, seed, args.only, args.out)


if __name__ == "__main__":
    main()
