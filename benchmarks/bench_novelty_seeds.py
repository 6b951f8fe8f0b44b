"""Novelty protocol of ``bench_anomaly.py`` for chosen seeds, one CSV row per (set, seed, method).

    python benchmarks/bench_novelty_seeds.py --seeds 1,2 --out rows.csv
    python benchmarks/bench_novelty_seeds.py --seeds 0 --variant scaling-standard --out rows.csv

Same splits, detectors and seeding as ``bench_anomaly.py --protocol novelty`` (imported from it), but
any subset of seeds can be run and every AUROC is appended to the CSV as soon as it is measured, so a
run stopped at a deadline keeps what it finished. Loops seeds outermost (all sets of one seed before
the next). ``--variant scaling-standard`` runs ICL and NeuTraL with ``scaling="standard"`` instead of
their defaults (the peers are unaffected and left out).
"""

import argparse
import csv
import time
import warnings

import numpy as np
from bench_anomaly import anomaly_scores, detectors, tasks
from sklearn.metrics import average_precision_score, roc_auc_score

from sklearn_unsup.outlier import InternalContrastiveDetector, NeuralTransformationDetector

DEFAULT_METHODS = ["IsolationForest (sklearn)", "kNN distance k=5 on standardised X (ours)", "FlowOutlierDetector",
                   "InternalContrastiveDetector (ours, ICL)", "NeuralTransformationDetector (ours, NeuTraL)"]


def methods_for(seed, variant, keep):
    if variant == "scaling-standard":
        d = {"ICL scaling=standard": lambda: InternalContrastiveDetector(scaling="standard", random_state=seed),
             "NeuTraL scaling=standard": lambda: NeuralTransformationDetector(scaling="standard",
                                                                               random_state=seed)}
    else:
        d = {k: v for k, v in detectors(seed, novelty=True).items() if k in DEFAULT_METHODS}
    return {k: v for k, v in d.items() if not keep or any(m.lower() in k.lower() for m in keep)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="1,2", help="comma-separated seeds")
    parser.add_argument("--sets", default=None, help="comma-separated set names (default: all 24)")
    parser.add_argument("--methods", default="", help="comma-separated substrings of method names")
    parser.add_argument("--variant", default="defaults", choices=["defaults", "scaling-standard"])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    sets = set(args.sets.split(",")) if args.sets else None
    keep = [m for m in args.methods.split(",") if m]
    splits = [t for t in tasks("novelty", max(seeds) + 1) if t[4] in seeds
              and (sets is None or t[0].split()[0] in sets)]
    splits.sort(key=lambda t: seeds.index(t[4]))  # stable: sets stay in file order within a seed
    with open(args.out, "a", newline="") as fh:
        w = csv.writer(fh)
        for label, Xfit, Xscore, y, seed in splits:
            for name, make in methods_for(seed, args.variant, keep).items():
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s = anomaly_scores(name, make, Xfit, Xscore)
                secs = time.perf_counter() - t
                ok = bool(np.all(np.isfinite(s)))
                a = roc_auc_score(y, s) if ok else np.nan
                p = average_precision_score(y, s) if ok else np.nan
                w.writerow([label, seed, name, f"{a:.6f}", f"{p:.6f}", f"{secs:.2f}"])
                fh.flush()
                print(f"{label} seed {seed} {name}: AUROC {a:.3f} ({secs:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
