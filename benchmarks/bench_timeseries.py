"""Time-series encoders (issue 22): TSTEncoder and CPCEncoder against raw series, PCA and (optional) MiniRocket.

    python benchmarks/bench_timeseries.py --set GunPoint --seeds 0 1 2     # one set per call, appends results
    python benchmarks/bench_timeseries.py --set GunPoint --seeds 1 --only cpc   # CPC, raw and PCA only
    python benchmarks/bench_timeseries.py --set GunPoint --seeds 0 --only none  # raw, PCA, MiniRocket (sktime)
    python benchmarks/bench_timeseries.py --set GunPoint --seeds 0 --only simtpr  # SimTPR objective vs CPC, raw, PCA
    python benchmarks/bench_timeseries.py --report                         # markdown tables of all appended runs

Sets: ../shared/data/timeseries/{BasicMotions, GunPoint, ItalyPowerDemand, ArrowHead, JapaneseVowels}.npz
(JapaneseVowels ragged, NaN-padded) and cluster/mnist1d.npz read as 5,000 univariate series of 40 steps.

Each series' channels are standardised with the training split's mean and scale (mnist1d: TRAIN = the
first 4,000 series, TEST = the last 1,000). TSTEncoder and CPCEncoder run with their defaults
(``max_epochs="auto"``). ``--only cpc`` / ``--only tst`` runs one encoder (raw and PCA are computed in every
run); ``--report`` merges the rows of one (set, seed), later keys winning, so each seed counts once.

1. Representation (the shared data's protocol): TSTEncoder and PCA fitted on all series without labels;
   linear probe (StandardScaler + LogisticRegression, 5-fold stratified accuracy) and KMeans ACC
   (n_classes clusters, standardised features) on TST codes (mean and max pooling of one model), CPCEncoder
   codes (mean and last-context pooling of one model, fitted the same way), on the raw
   flattened series (padding read as 0), PCA (min(64, width) components) and, when sktime is installed,
   MiniRocket features.
2. Imputation on the TEST series: a second TSTEncoder fitted on the TRAIN series only (so it never saw the
   hidden values); 15 % of the TEST values hidden with the paper's geometric masks (per channel, mean run
   3), every series' last observed step kept visible; RMSE (standardised units) of TSTEncoder.impute vs
   linear interpolation along time and sklearn's KNNImputer (5 neighbours, fitted on the flattened TRAIN
   series), on the same masks. ``--impute interpolate`` runs only this part, with
   ``TSTEncoder(masked_input="interpolate")`` (its rows merge with the full run's by set and seed).
3. ``--only simtpr``: raw, PCA, CPCEncoder (InfoNCE) and CPCEncoder(objective="predictive_decorrelation")
   with reg_lambda=0.01 (default) and reg_lambda=0 (no decorrelation), all with their other defaults, in one run:
   the same linear probe and KMeans, plus two ranks of each method's codes (all series): the entropy-based
   effective rank (the encoders' ``effective_rank_``) and the number of singular values of the centred codes
   above 1 % of the largest (a scale-free form of the paper's count of singular values above eps).
4. ``--anomaly``: a Pipeline(TSTEncoder, IsolationForest) against IsolationForest on the flattened series,
   fitted on GunPoint's clean TRAIN series; scored on the TEST series, 10 % of which get one injected anomaly
   (half a spike: +4 standard deviations over 5 steps; half a flat-line: 30 steps held at the value where they
   start). AUROC of the negated ``score_samples``.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _common import SHARED_DATA, machine_line
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import KNNImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn._tst import geometric_keep_mask
from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.timeseries import CPCEncoder, TSTEncoder
from sklearn_unsup.timeseries._rank import effective_rank
from sklearn_unsup.timeseries._validation import series_lengths

SETS = ["BasicMotions", "GunPoint", "ItalyPowerDemand", "ArrowHead", "JapaneseVowels", "mnist1d"]
RUNS = Path(__file__).parent / "results" / "timeseries_runs.jsonl"


def load(name):
    if name == "mnist1d":
        d = np.load(SHARED_DATA / "cluster" / "mnist1d.npz")
        X, y = d["X"][:, None, :].astype(np.float64), d["y"]
        return X, y, np.arange(len(X)) < 4000
    d = np.load(SHARED_DATA / "timeseries" / f"{name}.npz")
    return d["X"].astype(np.float64), d["y"], d["split"] == 0


def minirocket_features(X, seed):
    try:
        from sktime.transformations.panel.rocket import MiniRocketMultivariateVariable
    except ImportError:
        return None
    return MiniRocketMultivariateVariable(random_state=seed).fit_transform(X)


def probe_and_kmeans(Z, y, seed):
    Z = np.nan_to_num(Z)
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    acc = float(cross_val_score(probe, Z, y, cv=cv).mean())
    labels = KMeans(len(np.unique(y)), n_init=10, random_state=seed).fit_predict(StandardScaler().fit_transform(Z))
    return acc, float(cluster_accuracy(y, labels))


def rank_at_1pct(Z):
    """Singular values of the centred codes above 1 % of the largest."""
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    return int((s > 0.01 * s[0]).sum()) if s[0] > 0 else 0


SIMTPR = {"CPC-PD": 0.01, "CPC-PD reg0": 0.0}


def frame_ranks(enc, X, max_frames=20000):
    """Both ranks of the per-step embeddings z_t (valid frames, at most ``max_frames`` evenly spaced): the paper's."""
    with torch.no_grad():
        z, _, valid = enc.net_.module_.eval().context(torch.as_tensor(enc._standardize(X)))
    Z = z[valid].numpy().astype(np.float64)
    Z = Z[:: max(1, len(Z) // max_frames)]
    return effective_rank(Z), rank_at_1pct(Z)


def run_simtpr(name, seed):
    """Raw, PCA, CPC (InfoNCE) and the predictive-decorrelation objective with and without its Barlow term."""
    X, y, train = load(name)
    mean = np.nanmean(X[train], axis=(0, 2))[:, None]
    scale = np.nanstd(X[train], axis=(0, 2))[:, None]
    X = (X - mean) / scale
    flat = np.nan_to_num(X).reshape(len(X), -1)
    rec = {"set": name, "seed": seed, "shape": list(X.shape), "n_train": int(train.sum())}
    feats = {"raw": flat, "PCA": PCA(min(64, flat.shape[1]), random_state=seed).fit_transform(flat)}
    for key, params in {"CPC": {}, **{k: dict(objective="predictive_decorrelation", reg_lambda=v)
                                       for k, v in SIMTPR.items()}}.items():
        t0 = time.perf_counter()
        enc = CPCEncoder(device="cpu", random_state=seed, **params).fit(X)
        rec[f"{key}_fit_s"] = time.perf_counter() - t0
        rec[f"{key}_epochs"] = enc.n_iter_
        rec[f"{key}_loss_first_last"] = [enc.loss_curve_[0], enc.loss_curve_[-1]]
        feats[f"{key} mean"] = enc.transform(X)
        rec[f"erank frames {key}"], rec[f"rank1pct frames {key}"] = frame_ranks(enc, X)
        if key != "CPC":
            feats[f"{key} last"] = enc.set_params(pooling="last").transform(X)
    for key, Z in feats.items():
        rec[f"probe {key}"], rec[f"kmeans {key}"] = probe_and_kmeans(Z, y, seed)
        rec[f"erank {key}"], rec[f"rank1pct {key}"] = effective_rank(Z), rank_at_1pct(np.nan_to_num(Z))
    rec["machine"] = machine_line()
    return rec


def interpolate(X):
    out = X.copy()
    lengths = series_lengths(X)
    for i, c in np.ndindex(X.shape[:2]):
        row = out[i, c, : lengths[i]]
        seen = ~np.isnan(row)
        row[~seen] = np.interp(np.flatnonzero(~seen), np.flatnonzero(seen), row[seen])
    return out


def run(name, seed, methods=("tst", "cpc")):
    X, y, train = load(name)
    mean = np.nanmean(X[train], axis=(0, 2))[:, None]
    scale = np.nanstd(X[train], axis=(0, 2))[:, None]
    X = (X - mean) / scale
    flat = np.nan_to_num(X).reshape(len(X), -1)
    rec = {"set": name, "seed": seed, "shape": list(X.shape), "n_train": int(train.sum())}

    feats = {"raw": flat, "PCA": PCA(min(64, flat.shape[1]), random_state=seed).fit_transform(flat)}
    if "tst" in methods:
        t0 = time.perf_counter()
        tst = TSTEncoder(device="cpu", random_state=seed).fit(X)
        rec["tst_fit_s"] = time.perf_counter() - t0
        rec["tst_epochs"] = tst.n_iter_
        rec["tst_epoch_s"] = rec["tst_fit_s"] / tst.n_iter_
        feats["TST mean"], feats["TST max"] = tst.transform(X), tst.set_params(pooling="max").transform(X)
    if "cpc" in methods:
        t0 = time.perf_counter()
        cpc = CPCEncoder(device="cpu", random_state=seed).fit(X)
        rec["cpc_fit_s"] = time.perf_counter() - t0
        rec["cpc_epochs"] = cpc.n_iter_
        rec["cpc_epoch_s"] = rec["cpc_fit_s"] / cpc.n_iter_
        rec["cpc_strides"], rec["cpc_steps"] = list(cpc.strides_), cpc.n_prediction_steps_
        rec["cpc_loss_first_last"] = [cpc.loss_curve_[0], cpc.loss_curve_[-1]]
        feats["CPC mean"], feats["CPC last"] = cpc.transform(X), cpc.set_params(pooling="last").transform(X)
    t0 = time.perf_counter()
    rocket = minirocket_features(X, seed)
    if rocket is not None:
        feats["MiniRocket"] = np.asarray(rocket)
        rec["minirocket_s"] = time.perf_counter() - t0
    for key, Z in feats.items():
        rec[f"probe {key}"], rec[f"kmeans {key}"] = probe_and_kmeans(Z, y, seed)
    if "tst" not in methods:
        rec["machine"] = machine_line()
        return rec

    # imputation on the test split, the same masks for every method
    rec.update(imputation(X, train, seed, masked_input="zero"))
    rec["machine"] = machine_line()
    return rec


def imputation(X, train, seed, masked_input):
    """RMSE of TSTEncoder.impute (fitted on TRAIN), linear interpolation and KNNImputer on hidden TEST values."""
    Xt = X[~train]
    lengths = series_lengths(Xt)
    keep = geometric_keep_mask(Xt.shape, 0.15, 3.0, torch.Generator().manual_seed(1000 + seed)).numpy()
    hide = ~keep & ~np.isnan(Xt) & (np.arange(Xt.shape[2]) < (lengths - 1)[:, None, None])
    X_missing = np.where(hide, np.nan, Xt)
    truth = Xt[hide]
    rmse = lambda filled: float(np.sqrt(np.mean((filled[hide] - truth) ** 2)))  # noqa: E731
    suffix = "" if masked_input == "zero" else f" {masked_input}"
    rec = {"hidden share": float(hide.sum() / (~np.isnan(Xt)).sum())}
    t0 = time.perf_counter()
    tst_train = TSTEncoder(masked_input=masked_input, device="cpu", random_state=seed).fit(X[train])
    rec[f"tst_train_fit_s{suffix}"] = time.perf_counter() - t0
    rec[f"impute TST{suffix}"] = rmse(tst_train.impute(X_missing))
    rec["impute linear"] = rmse(interpolate(X_missing))
    knn = KNNImputer(n_neighbors=5, keep_empty_features=True).fit(X[train].reshape(int(train.sum()), -1))
    rec["impute KNN"] = rmse(knn.transform(X_missing.reshape(len(Xt), -1)).reshape(Xt.shape))
    return rec


def run_imputation(name, seed, masked_input):
    """Only the imputation part, for one ``masked_input`` (its rows merge with ``run``'s by set and seed)."""
    X, _, train = load(name)
    mean = np.nanmean(X[train], axis=(0, 2))[:, None]
    scale = np.nanstd(X[train], axis=(0, 2))[:, None]
    rec = {"set": name, "seed": seed, **imputation((X - mean) / scale, train, seed, masked_input)}
    rec["machine"] = machine_line()
    return rec


def anomaly(seed):
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline as pipe

    X, _, train = load("GunPoint")
    X = (X - X[train].mean()) / X[train].std()
    rng = np.random.RandomState(seed)
    Xt = X[~train].copy()
    bad = rng.rand(len(Xt)) < 0.10
    for k, i in enumerate(np.flatnonzero(bad)):
        if k % 2 == 0:
            start = rng.randint(0, Xt.shape[2] - 5)
            Xt[i, 0, start : start + 5] += 4.0
        else:
            start = rng.randint(0, Xt.shape[2] - 30)
            Xt[i, 0, start : start + 30] = Xt[i, 0, start]
    rec = {"section": "anomaly", "seed": seed, "n_anomalies": int(bad.sum()), "n_test": len(Xt)}
    for key, det in {"TST + IForest": pipe(TSTEncoder(device="cpu", random_state=seed),
                                           IsolationForest(random_state=seed)),
                     "TST(flatten) + IForest": pipe(TSTEncoder("flatten", device="cpu", random_state=seed),
                                                    IsolationForest(random_state=seed)),
                     "IForest (flattened)": IsolationForest(random_state=seed)}.items():
        Xfit, Xscore = (X[train], Xt) if key.startswith("TST") else (X[train, 0], Xt[:, 0])
        rec[key] = float(roc_auc_score(bad, -det.fit(Xfit).score_samples(Xscore)))
    return rec


def report():
    recs = [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]
    anomalies = [r for r in recs if r.get("section") == "anomaly"]
    merged = {}
    for r in recs:
        if "section" not in r:
            merged.setdefault((r["set"], r["seed"]), {}).update(r)
    recs = list(merged.values())
    methods = ["raw", "PCA", "TST mean", "TST max", "CPC mean", "CPC last", "MiniRocket"]
    for what in ("probe", "kmeans"):
        print(f"\n{what}: mean (sd, seeds with the column) over seeds\n")
        print("| set | seeds | " + " | ".join(methods) + " |")
        print("|---|---|" + "---|" * len(methods))
        for name in SETS:
            rs = [r for r in recs if r["set"] == name]
            if not rs:
                continue
            cells = []
            for m in methods:
                v = [r[f"{what} {m}"] for r in rs if f"{what} {m}" in r]
                cells.append(f"{np.mean(v):.3f} ({np.std(v):.3f}, {len(v)})" if v else "n/a")
            print(f"| {name} | {len(rs)} | " + " | ".join(cells) + " |")
    print("\nimputation RMSE (standardised units), mean over seeds\n")
    print("| set | seeds | hidden share | TST impute (zero input) | TST impute (interpolate) | linear interpolation "
          "| KNNImputer | TST epochs | s/epoch | fit s | fit s (interpolate, TRAIN) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in SETS:
        rs = [r for r in recs if r["set"] == name and "impute linear" in r]
        if rs:
            def cell(key, fmt=".3f", rs=rs):
                v = [r[key] for r in rs if key in r]
                return f"{np.mean(v):{fmt}} ({len(v)})" if v else "n/a"

            print(f"| {name} | {len(rs)} | {np.mean([r['hidden share'] for r in rs]):.3f} | {cell('impute TST')} | "
                  f"{cell('impute TST interpolate')} | {cell('impute linear')} | {cell('impute KNN')} | "
                  f"{cell('tst_epochs', '.0f')} | {cell('tst_epoch_s', '.2f')} | {cell('tst_fit_s', '.0f')} | "
                  f"{cell('tst_train_fit_s interpolate', '.0f')} |")
    print("\nCPCEncoder fit cost (defaults, CPU), mean over seeds\n")
    print("| set | seeds | strides | K | epochs | s/epoch | fit s | InfoNCE first -> last epoch |")
    print("|---|---|---|---|---|---|---|---|")
    for name in SETS:
        rs = [r for r in recs if r["set"] == name and "cpc_fit_s" in r]
        if rs:
            first, last = np.mean([r["cpc_loss_first_last"] for r in rs], axis=0)
            print(f"| {name} | {len(rs)} | {tuple(rs[0]['cpc_strides'])} | {rs[0]['cpc_steps']} | "
                  f"{rs[0]['cpc_epochs']} | {np.mean([r['cpc_epoch_s'] for r in rs]):.2f} | "
                  f"{np.mean([r['cpc_fit_s'] for r in rs]):.0f} | {first:.2f} -> {last:.2f} |")
    simtpr_report(recs)
    if anomalies:
        keys = [k for k in anomalies[0] if k not in ("section", "seed", "n_anomalies", "n_test")]
        print(f"\nanomaly AUROC on GunPoint TEST, {len(anomalies)} seeds: "
              + ", ".join(f"{k} {np.mean([r[k] for r in anomalies]):.3f}" for k in keys))


def simtpr_report(recs):
    rs_all = [r for r in recs if "probe CPC-PD mean" in r]
    if not rs_all:
        return
    methods = ["raw", "PCA", "CPC mean", "CPC-PD mean", "CPC-PD last", "CPC-PD reg0 mean", "CPC-PD reg0 last"]
    for what in ("probe", "kmeans", "erank", "rank1pct"):
        print(f"\nSimTPR objective, {what}: mean (sd, seeds) over seeds\n")
        print("| set | " + " | ".join(methods) + " |")
        print("|---|" + "---|" * len(methods))
        for name in SETS:
            rs = [r for r in rs_all if r["set"] == name]
            if rs:
                cells = []
                for m in methods:
                    v = [r[f"{what} {m}"] for r in rs if f"{what} {m}" in r]
                    cells.append(f"{np.mean(v):.3f} ({np.std(v):.3f}, {len(v)})" if v else "n/a")
                print(f"| {name} | " + " | ".join(cells) + " |")
    keys = ["CPC", *SIMTPR]
    print("\nSimTPR objective, ranks of the per-step embeddings z_t (entropy effective rank / singular values above "
          "1 % of the largest), mean over seeds\n")
    print("| set | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for name in SETS:
        rs = [r for r in rs_all if r["set"] == name and "erank frames CPC" in r]
        if rs:
            print(f"| {name} | " + " | ".join(f"{np.mean([r[f'erank frames {k}'] for r in rs]):.1f} / "
                                               f"{np.mean([r[f'rank1pct frames {k}'] for r in rs]):.0f}"
                                               for k in keys) + " |")
    print("\nSimTPR objective, fit cost (defaults, CPU) and loss first -> last epoch, mean over seeds\n")
    print("| set | seeds | " + " | ".join(f"{k} epochs | {k} fit s | {k} loss" for k in ["CPC", *SIMTPR]) + " |")
    print("|---|---|" + "---|---|---|" * (1 + len(SIMTPR)))
    for name in SETS:
        rs = [r for r in rs_all if r["set"] == name]
        if rs:
            cells = []
            for k in ["CPC", *SIMTPR]:
                first, last = np.mean([r[f"{k}_loss_first_last"] for r in rs], axis=0)
                cells.append(f"{rs[0][f'{k}_epochs']} | {np.mean([r[f'{k}_fit_s'] for r in rs]):.0f} | "
                             f"{first:.2f} -> {last:.2f}")
            print(f"| {name} | {len(rs)} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=SETS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--anomaly", action="store_true")
    parser.add_argument("--only", choices=["tst", "cpc", "simtpr", "none"],
                        help="run one encoder, or none (raw, PCA and MiniRocket when sktime imports always run)")
    parser.add_argument("--impute", choices=["zero", "interpolate"],
                        help="run only the imputation part, with this TSTEncoder masked_input")
    args = parser.parse_args()
    if args.report:
        report()
        return
    for seed in args.seeds:
        methods = {None: ("tst", "cpc"), "none": ()}.get(args.only, (args.only,))
        if args.anomaly:
            rec = anomaly(seed)
        elif args.only == "simtpr":
            rec = run_simtpr(args.set, seed)
        elif args.impute:
            rec = run_imputation(args.set, seed, args.impute)
        else:
            rec = run(args.set, seed, methods)
        print(json.dumps(rec))
        with RUNS.open("a") as f:
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
