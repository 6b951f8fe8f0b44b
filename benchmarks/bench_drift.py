"""Drift detectors (issue 20 §4): type-I error on no-drift splits, power on three shifts, two embedding sets.

    python benchmarks/bench_drift.py --protocol type1 --data minilm --detectors MMD,KS
    python benchmarks/bench_drift.py --protocol power --data resnet --splits 50

Data (../shared/data): ``minilm`` = stackoverflow_minilm (20,000 MiniLM sentence embeddings, 384-d, 20
topics); ``resnet`` = ResNet18_CIFAR10_0 (ResNet-18 features, 512-d: 5,000 airplane images, y = 0, and 263
images of the other classes, y = 1). Each split draws ``--n-ref`` reference rows and ``--n-test`` batch rows,
disjoint, at random (seed = split index) from the no-drift pool (minilm: all rows; resnet: the airplanes).

- ``type1``: the batch is another random draw from the pool; the rejection rate at alpha = 0.05 over
  ``--splits`` splits (the issue's bar: 0.05 ± 0.02 over 200 splits). A level-0.05 test rejects k of 200 splits
  with k in [4, 17] with probability 0.99 (binomial).
- ``power``: the batch is shifted: ``mean`` adds ``delta`` per-feature standard deviations (of the pool) to a
  random 10% of the features; ``scale`` moves every row away from the pool mean by a factor ``c``;
  ``class-mix`` replaces a share ``rho`` of the batch by rows of two random topics (minilm; 10% of the
  pool) or of the other CIFAR-10 classes (resnet: rows the reference never holds). Rejection rate over
  ``--splits`` splits, two magnitudes each.

Detectors: MMD (median-heuristic RBF, 100 permutations), per-feature KS with Bonferroni, the classifier test
(HistGradientBoosting, 5 folds, AUC), each on the raw embeddings and/or after PCA(32); a preprocessor is fitted
on half of the reference rows and the other half is compared (the detectors' default). The row
"MMD + PCA(32) fitted on the compared rows" shows why: PCA fitted on the rows it then compares (frozen) makes
the test reject without drift.

alibi-detect (not installed: TensorFlow/PyTorch extras) publishes no type-I or power tables for MMDDrift,
KSDrift or ClassifierDrift; its documentation has single-run example notebooks only.
"""

import argparse
import time

import numpy as np
from _common import load_shared, print_table
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator

from sklearn_unsup.drift import ClassifierDriftDetector, KSDriftDetector, MMDDriftDetector

DATA = {"minilm": "cluster/stackoverflow_minilm.npz", "resnet": "anomaly/embeddings/ResNet18_CIFAR10_0.npz"}
SHIFTS = {"mean": (0.25, 0.5), "scale": (1.05, 1.1), "class-mix": (0.1, 0.2)}
RESNET_MIX = (0.05, 0.1)  # share of other-class images in the batch


def make_detectors(seed):
    """name -> callable(X_ref) returning a fitted detector."""
    return {
        "MMD": lambda R: MMDDriftDetector(random_state=seed).fit(R),
        "MMD + PCA(32)": lambda R: MMDDriftDetector(preprocessor=PCA(32), random_state=seed).fit(R),
        "MMD + PCA(32) fitted on the compared rows": lambda R: MMDDriftDetector(
            preprocessor=FrozenEstimator(PCA(32).fit(R[: len(R) // 2])), random_state=seed).fit(R[: len(R) // 2]),
        "KS (Bonferroni)": lambda R: KSDriftDetector().fit(R),
        "KS + PCA(32)": lambda R: KSDriftDetector(preprocessor=PCA(32), random_state=seed).fit(R),
        "Classifier + PCA(32)": lambda R: ClassifierDriftDetector(preprocessor=PCA(32), random_state=seed).fit(R),
    }


def load(name):
    X, y = load_shared(DATA[name])
    X = X.astype(np.float64)
    if name == "resnet":
        return X[y == 0], y[y == 0], X[y == 1]
    return X, y, None


def make_split(pool, labels, extra, name, shift, magnitude, n_ref, n_test, seed):
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(pool))
    ref, batch = pool[order[:n_ref]], pool[order[n_ref:n_ref + n_test]].copy()
    if shift == "mean":
        features = rng.choice(pool.shape[1], max(1, pool.shape[1] // 10), replace=False)
        batch[:, features] += magnitude * pool[:, features].std(axis=0)
    elif shift == "scale":
        center = pool.mean(axis=0)
        batch = center + magnitude * (batch - center)
    elif shift == "class-mix":
        n_mix = int(round(magnitude * n_test))
        if name == "resnet":
            donors = extra[rng.choice(len(extra), n_mix, replace=False)]
        else:  # rows of two topics, not among the reference or batch rows
            topics = rng.choice(np.unique(labels), 2, replace=False)
            unused = order[n_ref + n_test:]
            donors = pool[rng.choice(unused[np.isin(labels[unused], topics)], n_mix, replace=False)]
        batch[:n_mix] = donors
    return ref, batch


def run(args, cells):
    names = [d for d in make_detectors(0) if not args.detectors or any(s in d for s in args.detectors.split(","))]
    if args.protocol == "power":  # the frozen-PCA row only shows the level problem
        names = [d for d in names if "compared rows" not in d]
    rows = []
    for data in args.data.split(","):
        pool, labels, extra = load(data)
        for shift, magnitude in cells(data):
            for det in names:
                drifts, seconds = [], 0.0
                for split in range(args.start, args.start + args.splits):
                    ref, batch = make_split(pool, labels, extra, data, shift, magnitude, args.n_ref, args.n_test,
                                            split)
                    start = time.perf_counter()
                    drifts.append(make_detectors(split)[det](ref).test(batch).drift)
                    seconds += time.perf_counter() - start
                rate = float(np.mean(drifts))
                row = {"data": data, "shift": shift, "magnitude": magnitude, "detector": det,
                       "rejected": f"{int(np.sum(drifts))}/{args.splits}", "rate": rate,
                       "s / test": seconds / args.splits}
                if shift == "none":
                    row["within .05 ± .02"] = "yes" if abs(rate - 0.05) <= 0.02 + 1e-12 else "no"
                rows.append(row)
                print(row, flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", choices=["type1", "power"], default="type1")
    parser.add_argument("--data", default="minilm,resnet")
    parser.add_argument("--detectors", default="", help="comma-separated substrings of detector names")
    parser.add_argument("--splits", type=int, default=None, help="default: 200 (type1), 50 (power)")
    parser.add_argument("--start", type=int, default=0, help="first split (seed); runs can be cut in pieces")
    parser.add_argument("--shifts", default="mean,scale,class-mix")
    parser.add_argument("--n-ref", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=500)
    args = parser.parse_args()
    args.splits = args.splits or (200 if args.protocol == "type1" else 50)

    if args.protocol == "type1":
        rows = run(args, lambda data: [("none", "")])
        columns = ["data", "detector", "rejected", "rate", "within .05 ± .02", "s / test"]
    else:
        def cells(data):
            return [(s, m) for s in args.shifts.split(",")
                    for m in (RESNET_MIX if (s, data) == ("class-mix", "resnet") else SHIFTS[s])]
        rows = run(args, cells)
        columns = ["data", "shift", "magnitude", "detector", "rejected", "rate", "s / test"]
    print(f"\n## {args.protocol}: n_ref={args.n_ref}, n_test={args.n_test}, alpha=0.05, splits {args.start}.."
          f"{args.start + args.splits - 1}\n")
    print_table(rows, columns)


if __name__ == "__main__":
    main()
