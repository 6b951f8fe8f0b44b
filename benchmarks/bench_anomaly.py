"""Deep outlier detectors against scikit-learn and PyOD, unsupervised protocol, same run.

    python benchmarks/bench_anomaly.py [--sets a,b,...] [--skip-pyod]

Protocol (../shared/data/README.md): fit on all X of each of the 20 sets in
anomaly/, score all X, AUROC and average precision with y = 1 anomaly. Our
detectors and scikit-learn's follow scikit-learn's sign (higher = more
normal), so the anomaly score is ``-score_samples``; PyOD's
``decision_scores_`` are already "higher = more abnormal". PyOD detectors run
with their defaults and ``random_state=0`` where they accept it (benchmark-only
dependency: ``pip install pyod``).
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, machine_line, print_table
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from sklearn_unsup.outlier import AutoEncoderOutlierDetector, DeepSVDD, FlowOutlierDetector, VAEOutlierDetector


def ours_and_sklearn():
    return {
        "IsolationForest (sklearn)": lambda: IsolationForest(random_state=0),
        "AutoEncoderOutlierDetector": lambda: AutoEncoderOutlierDetector(random_state=0),
        "VAEOutlierDetector": lambda: VAEOutlierDetector(random_state=0),
        "DeepSVDD (ours)": lambda: DeepSVDD(random_state=0),
        "FlowOutlierDetector": lambda: FlowOutlierDetector(random_state=0),
    }


def pyod_detectors():
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.deep_svdd import DeepSVDD as PyODDeepSVDD
    from pyod.models.vae import VAE

    return {
        "PyOD AutoEncoder": lambda: AutoEncoder(random_state=0, verbose=0),
        "PyOD VAE": lambda: VAE(random_state=0, verbose=0),
        "PyOD DeepSVDD": lambda d: PyODDeepSVDD(n_features=d, random_state=0, verbose=0),
    }


def anomaly_scores(name, make, X):
    if name.startswith("PyOD"):
        det = make(X.shape[1]) if "DeepSVDD" in name else make()
        det.fit(X)
        return np.asarray(det.decision_scores_, dtype=np.float64)
    det = make().fit(X)
    return -det.score_samples(X)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default=None, help="comma-separated set names (default: all 20)")
    parser.add_argument("--skip-pyod", action="store_true")
    args = parser.parse_args()
    files = sorted((SHARED_DATA / "anomaly").glob("*.npz"))
    if args.sets:
        keep = set(args.sets.split(","))
        files = [f for f in files if f.stem in keep]
    methods = ours_and_sklearn()
    if not args.skip_pyod:
        methods.update(pyod_detectors())
    print(f"# Anomaly detection, unsupervised protocol; {machine_line()}\n")
    auroc = {m: [] for m in methods}
    ap = {m: [] for m in methods}
    secs = {m: 0.0 for m in methods}
    per_set = []
    for f in files:
        data = np.load(f)
        X, y = data["X"].astype(np.float64), data["y"]
        row = {"data": f"{Path(f).stem} {X.shape[0]}x{X.shape[1]}"}
        for name, make in methods.items():
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = anomaly_scores(name, make, X)
            secs[name] += time.perf_counter() - t
            if not np.all(np.isfinite(s)):
                row[name] = "non-finite"
                auroc[name].append(np.nan)
                ap[name].append(np.nan)
                continue
            auroc[name].append(roc_auc_score(y, s))
            ap[name].append(average_precision_score(y, s))
            row[name] = auroc[name][-1]
        per_set.append(row)
        print(f"done {row['data']}", flush=True)
    print("\n## Mean over the sets (AUROC, average precision, total fit+score seconds)\n")
    summary = [{"method": m, "mean AUROC": float(np.nanmean(auroc[m])), "mean AP": float(np.nanmean(ap[m])),
                "sets": int(np.sum(np.isfinite(auroc[m]))), "seconds": secs[m]} for m in methods]
    print_table(summary, ["method", "mean AUROC", "mean AP", "sets", "seconds"])
    print("\n## AUROC per set\n")
    print_table(per_set, ["data"] + list(methods))


if __name__ == "__main__":
    main()
