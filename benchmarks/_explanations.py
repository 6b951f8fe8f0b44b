"""``bench_anomaly.py --protocol explanations``: is the top-ranked feature the one that was perturbed?

On each of the 20 shared sets: ``--train-rows`` rows (all labels: the unsupervised setting) are the training
rows; ``--rows`` other normal rows (y == 0) are copied and one feature of each, drawn at random among the
features that vary, is pushed ``--k`` spreads beyond the training range (up or down at random; spread = the
training IQR, or the standard deviation where the IQR is 0, as for binary features). Two settings: "new rows"
(the detector is fitted on the training rows and explains the injected rows) and "in training" (the injected
rows are added to the training rows before fitting, as ADBench injects anomalies into a data set). Each method
ranks the features of each injected row; the score is the share of rows whose top-ranked feature is the
perturbed one (chance: 1 / the number of features that vary). SHAP's KernelExplainer (``pip install shap``;
benchmark only) explains IsolationForest's ``score_samples`` on the first ``--shap-rows`` injected rows of each
set in the "new rows" setting (background: 10 k-means centres of the training rows, ``2 d + 200`` evaluations per
row), its contributions negated (a negative SHAP value lowers the normality score).
"""

import time
import warnings
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, print_table
from sklearn.ensemble import IsolationForest

from sklearn_unsup.inspection import OutlierExplainer
from sklearn_unsup.outlier import AutoEncoderOutlierDetector, VAEOutlierDetector


def inject(X_train, normal_rows, k, rng):
    """Copies of ``normal_rows`` with one varying feature each set ``k`` spreads beyond the training range."""
    lo, hi = X_train.min(0), X_train.max(0)
    q1, q3 = np.percentile(X_train, [25, 75], axis=0)
    spread = np.where(q3 > q1, q3 - q1, X_train.std(0))
    varying = np.flatnonzero(hi > lo)
    rows = normal_rows.copy()
    j = rng.choice(varying, size=len(rows))
    up = rng.rand(len(rows)) < 0.5
    rows[np.arange(len(rows)), j] = np.where(up, hi[j] + k * spread[j], lo[j] - k * spread[j])
    return rows, j, len(varying)


def _shap_contributions(forest, X_train, rows, seed):
    import shap

    background = shap.kmeans(X_train, 10)
    explainer = shap.KernelExplainer(forest.score_samples, background, seed=seed)
    values = explainer.shap_values(rows, nsamples=2 * rows.shape[1] + 200, silent=True)
    return -np.asarray(values)


def run_explanations(args):
    methods = {
        "AutoEncoderOutlierDetector, reconstruction": lambda s: OutlierExplainer(AutoEncoderOutlierDetector(
            random_state=s)),
        "VAEOutlierDetector, reconstruction": lambda s: OutlierExplainer(VAEOutlierDetector(random_state=s)),
        "IsolationForest, DIFFI": lambda s: OutlierExplainer(IsolationForest(random_state=s)),
        "tail (ECOD-style, any detector)": lambda s: OutlierExplainer(IsolationForest(random_state=s), method="tail"),
    }
    methods = {m: f for m, f in methods.items() if not args.methods or any(x.lower() in m.lower()
                                                                                for x in args.methods)}
    try:
        import shap  # noqa: F401
        shap_name = "SHAP KernelExplainer on IsolationForest.score_samples"
    except ImportError:
        print("shap not installed: its row is left out")
        shap_name = None
    per_set, secs, shap_hits = [], {}, []
    for f in sorted((SHARED_DATA / "anomaly").glob("*.npz")):
        label = Path(f).stem
        if args.sets and label not in args.sets:
            continue
        data = np.load(f)
        X, y = data["X"].astype(np.float64), data["y"]
        row = {"data": f"{label} {X.shape[0]}x{X.shape[1]}"}
        hits = {}
        for seed in range(args.seeds):
            rng = np.random.RandomState(seed)
            normal = rng.permutation(np.flatnonzero(y == 0))[:args.rows]
            rest = np.setdiff1d(np.arange(len(X)), normal)
            train = X[rng.choice(rest, min(args.train_rows, len(rest)), replace=False)]
            rows, j, n_varying = inject(train, X[normal], args.k, rng)
            row["chance"] = 1 / n_varying
            for name, make in methods.items():
                for setting, fit_rows in (("new rows", train), ("in training", np.r_[train, rows])):
                    t = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        top = make(seed).fit(fit_rows).explain(rows).argmax(axis=1)
                    secs[name] = secs.get(name, 0.0) + time.perf_counter() - t
                    hits.setdefault(f"{name} ({setting})", []).append(np.mean(top == j))
            if shap_name and seed == 0:
                n = min(args.shap_rows, len(rows))
                forest = IsolationForest(random_state=seed).fit(train)
                t = time.perf_counter()
                top = _shap_contributions(forest, train, rows[:n], seed).argmax(axis=1)
                secs[shap_name] = secs.get(shap_name, 0.0) + time.perf_counter() - t
                diffi = OutlierExplainer(forest).fit(train).explain(rows[:n]).argmax(axis=1)
                shap_hits.append((np.mean(top == j[:n]), np.mean(diffi == j[:n]), n))
                row[shap_name] = shap_hits[-1][0]
                row["DIFFI, same rows"] = shap_hits[-1][1]
        row.update({m: float(np.mean(v)) for m, v in hits.items()})
        per_set.append(row)
        print(f"done {label}", flush=True)
    names = [f"{m} ({setting})" for m in methods for setting in ("new rows", "in training")]
    print(f"\n## Explanations: share of injected rows whose top-ranked feature is the perturbed one "
          f"({args.rows} rows per set, k = {args.k}, {args.seeds} seed(s), fit on at most {args.train_rows} rows)\n")
    summary = [{"method": m, "mean over sets": float(np.mean([r[m] for r in per_set])),
                "sets >= 0.8": int(np.sum([r[m] >= 0.8 for r in per_set])),
                "worst set": float(np.min([r[m] for r in per_set])),
                "seconds (fit + explain, both settings)": secs[m.rsplit(" (", 1)[0]]}
               for m in names]
    summary.append({"method": "chance (1 / varying features)", "mean over sets": float(np.mean(
        [r["chance"] for r in per_set]))})
    print_table(summary, ["method", "mean over sets", "sets >= 0.8", "worst set",
                          "seconds (fit + explain, both settings)"])
    if shap_hits:
        w = np.array([h[2] for h in shap_hits], dtype=float)
        print(f"\nOn the same {int(w.sum())} rows ({int(w[0])} per set, seed 0, new rows): {shap_name} "
              f"{np.average([h[0] for h in shap_hits], weights=w):.3f}, DIFFI "
              f"{np.average([h[1] for h in shap_hits], weights=w):.3f}; SHAP took {secs[shap_name]:.0f} s "
              "(explanations only).")
    print("\n## Per set\n")
    print_table(per_set, ["data", "chance"] + names + ([shap_name, "DIFFI, same rows"] if shap_hits else []))
