"""Clustering under latent label shift: DDFA vs KMeans on optdigits (or another shared set) with semi-synthetic domains.

Protocol (as in Roberts et al. 2022): each of r domains gets class proportions p(y|d) ~ Dirichlet(alpha); each row
of class y is assigned to domain d with probability proportional to p(y|d) (every row used once). The true p(y|d)
is then each domain's empirical class mix. Metrics: Hungarian ACC of the training labels, and the L1 error of the
estimated p(y|d) (clusters matched to classes by the same Hungarian matching), summed over classes and averaged
over domains (0 = exact, 2 = disjoint). KMeans' p(y|d) is its clusters' mix per domain. DDFA's is the NMF
estimate ``class_prior_per_domain_``; ACC is reported for its domain-agnostic p(y|x) (``labels_``) and for the
domain-adjusted p_d(y|x) (``predict_proba(X, domains)``, which uses the discriminator fitted on all rows), and,
so that the reweighting is compared on one footing, for ``predict(X)``: the domain-agnostic p(y|x) from that same
discriminator (in-sample p(d|x), where ``labels_`` uses out-of-fold p(d|x)).

    python bench_label_shift.py --alpha 0.5 --domains 20 --seeds 0 1 2 [--discriminator mlp|mlp256x2|logreg]
        [--data optdigits|mnist5k|stackoverflow]   (rows scaled to [0, 1] for the digit sets: the "x16" rows)
    python bench_label_shift.py --summary
Each run appends one JSON line per (setting, seed, method) to results/label_shift_runs.jsonl.
"""

import argparse
import json
import time

import numpy as np
from _common import ROOT, load_shared, machine_line
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.cluster import contingency_matrix
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.cluster import DDFA
from sklearn_unsup.metrics import cluster_accuracy

RUNS = ROOT / "benchmarks" / "results" / "label_shift_runs.jsonl"
#: data set -> (file in shared/data, divisor putting the rows in [0, 1]; 1 for unit-norm embeddings)
DATA = {"optdigits": ("cluster/optdigits_train.npz", 16.0), "mnist5k": ("cluster/mnist5k.npz", 255.0),
        "stackoverflow": ("cluster/stackoverflow_minilm.npz", 1.0)}


def make_domains(y, n_domains, alpha, seed):
    rng = np.random.RandomState(seed)
    k = int(y.max()) + 1
    p_yd = rng.dirichlet(np.full(k, alpha), size=n_domains).T  # (k, r)
    p_dy = p_yd / p_yd.sum(axis=1, keepdims=True)
    d = np.array([rng.choice(n_domains, p=p_dy[c]) for c in y])
    true = np.zeros((k, n_domains))
    np.add.at(true, (y, d), 1.0)
    return d, true / np.maximum(true.sum(axis=0, keepdims=True), 1)


def matching(y, labels, k):
    cm = contingency_matrix(y, labels)  # classes x clusters
    rows, cols = linear_sum_assignment(-cm)
    perm = np.full(k, -1)
    perm[np.unique(labels)[cols]] = rows  # cluster -> class
    return perm


def l1_error(true, est, perm):
    aligned = np.zeros_like(true)
    for cluster, cls in enumerate(perm):
        if cls >= 0:
            aligned[cls] += est[cluster]
    return float(np.abs(true - aligned).sum(axis=0).mean())


def discriminator(name, seed):
    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    if name == "mlp256x2":
        return make_pipeline(StandardScaler(), MLPClassifier((256, 256), early_stopping=True, random_state=seed))
    return None  # the default


def summary():
    """Mean (std) over seeds per setting and method, from the runs file."""
    latest = {}  # a rerun of a (setting, method, seed) replaces the earlier row
    for line in open(RUNS):
        r = json.loads(line)
        latest[(r.get("data", "optdigits"), r["domains"], r["alpha"], r["method"], r["seed"])] = r
    groups = {}
    for r in latest.values():
        groups.setdefault((r.get("data", "optdigits"), r["domains"], r["alpha"], r["method"]), []).append(r)
    print("| data | r | alpha | method | ACC p(y\\|x) (labels_) | ACC p(y\\|x) in-sample | ACC p_d(y\\|x) in-sample | "
          "L1 p(y\\|d) | fit s | seeds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (data, r, a, m), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[0][2], kv[0][3])):
        def cell(key, rs=rs):
            v = [x[key] for x in rs if key in x]
            return f"{np.mean(v):.3f} ({np.std(v):.3f})" if v else ""
        print(f"| {data} | {r} | {a:g} | {m} | {cell('acc')} | {cell('acc_p_in')} | {cell('acc_pd')} | {cell('l1')} | "
              f"{np.mean([x['time'] for x in rs]):.1f} | {len(rs)} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", action="store_true", help="print the table of the runs file and stop")
    ap.add_argument("--alpha", type=float)
    ap.add_argument("--domains", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--discriminator", default="mlp")
    ap.add_argument("--n-discretization", type=int, default=None)
    ap.add_argument("--no-kmeans", action="store_true")
    ap.add_argument("--data", default="optdigits", choices=sorted(DATA))
    args = ap.parse_args()
    if args.summary:
        return summary()
    path, divisor = DATA[args.data]
    X, y = load_shared(path)
    X = np.asarray(X, dtype=np.float64)
    y = y.astype(int)
    k = int(y.max()) + 1
    print(machine_line())
    for seed in args.seeds:
        d, true = make_domains(y, args.domains, args.alpha, seed)
        setting = dict(alpha=args.alpha, domains=args.domains, seed=seed)
        if args.data != "optdigits":
            setting["data"] = args.data
        rows = []
        for scaling, Xs in (("std", StandardScaler().fit_transform(X)), ("x16", X / divisor)):
            if args.no_kmeans:
                continue
            t = time.perf_counter()
            km = KMeans(k, n_init=10, random_state=seed).fit(Xs)
            mix = np.zeros((k, args.domains))
            np.add.at(mix, (km.labels_, d), 1.0)
            mix /= np.maximum(mix.sum(axis=0, keepdims=True), 1)
            rows.append(dict(method=f"KMeans({scaling})", acc=cluster_accuracy(y, km.labels_),
                             l1=l1_error(true, mix, matching(y, km.labels_, k)), time=time.perf_counter() - t))
        t = time.perf_counter()
        est = DDFA(k, discriminator=discriminator(args.discriminator, seed), n_discretization=args.n_discretization,
                   random_state=seed).fit(X / divisor, domains=d)
        fit_time = time.perf_counter() - t
        acc_pd = cluster_accuracy(y, est.predict(X / divisor, domains=d))
        acc_p_in = cluster_accuracy(y, est.predict(X / divisor))
        name = f"DDFA({args.discriminator}, m={est.n_discretization_})"
        rows.append(dict(method=name, acc=cluster_accuracy(y, est.labels_), acc_p_in=acc_p_in, acc_pd=acc_pd,
                         l1=l1_error(true, est.class_prior_per_domain_, matching(y, est.labels_, k)), time=fit_time,
                         condition_number=est.condition_number_, reconstruction_err=est.reconstruction_err_,
                         domain_information=est.domain_information_))
        with open(RUNS, "a") as f:
            for r in rows:
                print(json.dumps({**setting, **r}))
                f.write(json.dumps({**setting, **r, "machine": machine_line()}) + "\n")


if __name__ == "__main__":
    main()
