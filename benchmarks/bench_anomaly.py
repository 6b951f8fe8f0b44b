"""Deep outlier detectors against scikit-learn and PyOD, measured in the same run.

    python benchmarks/bench_anomaly.py                                   # unsupervised, seed 0
    python benchmarks/bench_anomaly.py --seeds 3 --methods AutoEncoder   # head-to-head over seeds
    python benchmarks/bench_anomaly.py --protocol novelty --seeds 3
    python benchmarks/bench_anomaly.py --protocol rejection
    python benchmarks/bench_anomaly.py --protocol thresholds             # contamination options, MCC
    python benchmarks/bench_anomaly.py --protocol retrieval --seeds 3    # query by example, precision@50
    python benchmarks/bench_anomaly.py --protocol explanations           # top feature = the perturbed one?
    python benchmarks/bench_anomaly.py --protocol selection --seeds 3    # label-free detector choice

Protocols (../shared/data/README.md):

* ``unsupervised``: fit on all X of each of the 20 sets in anomaly/, score all
  X, AUROC and average precision with y = 1 anomaly.
* ``novelty``: stratified 70/30 split (seeds 0..seeds-1), fit on the training
  rows with y == 0, score the test rows; the 20 sets plus the 4 embedded sets
  of anomaly/embeddings.
* ``thresholds``: the unsupervised protocol; IsolationForest's and
  FlowOutlierDetector's training scores cut by each ``contamination`` option
  (and by PyThresh's own IQR/ZSCORE/CLF/MIXMOD/FILTER when installed): MCC
  against y, and the seconds each rule takes.
* ``retrieval``: each topic of stackoverflow_minilm in turn kept at ~1 % of
  the pool; precision@50 of ``query_by_example`` from 1, 3 and 5 tagged rows
  of the topic, and of the 50 rarest rows by kNN distance (no tags).
* ``rejection``: the unsupervised protocol with the detector wrapped in
  ``RejectionOutlierDetector(contamination = the set's anomaly rate)``:
  rejection rate, AUROC and accuracy of ``predict`` on the accepted rows
  against all rows.
* ``explanations``: normal rows with one known feature pushed beyond the
  training range; share of them whose top-ranked feature (AE/VAE
  reconstruction error, DIFFI, ECOD-style tail, SHAP) is that one
  (``benchmarks/_explanations.py``).
* ``selection``: the unsupervised protocol; ``select_outlier_detector`` picks
  one of six classical candidates (IsolationForest, kNN distance k=5 and
  k=50, LOF, EllipticEnvelope, the default EnsembleOutlierDetector) by
  Mass-Volume, Excess-Mass or consensus, without labels; the AUROC of its
  pick against IsolationForest's (the default a user would take), the
  oracle pick, and the mean candidate; and how often the pick beats
  IsolationForest.

Our detectors and scikit-learn's follow scikit-learn's sign (higher = more
normal), so the anomaly score is ``-score_samples``; PyOD's scores are "higher
= more abnormal" already. Every detector runs with its defaults, seeded with
the split's seed where it takes one (PyOD is a benchmark-only dependency:
``pip install pyod``). Times are fit + score, summed over the sets and seeds.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, machine_line, print_table
from sklearn.ensemble import IsolationForest
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.cluster import SelfOrganizingMap
from sklearn_unsup.ood import InvariantsDetector, KNNDetector
from sklearn_unsup.outlier import (
    AutoEncoderOutlierDetector,
    DeepSVDD,
    EnsembleOutlierDetector,
    FlowOutlierDetector,
    InternalContrastiveDetector,
    NeuralTransformationDetector,
    RejectionOutlierDetector,
    VAEOutlierDetector,
)


class SklearnLOF:
    """LocalOutlierFactor in either protocol (novelty=True to score new rows)."""

    def __init__(self, novelty):
        self.novelty = novelty

    def fit(self, X):
        self.lof_ = LocalOutlierFactor(novelty=self.novelty).fit(X)
        return self

    def score_samples(self, X):
        return self.lof_.score_samples(X) if self.novelty else self.lof_.negative_outlier_factor_


def detectors(seed, novelty):
    d = {
        "IsolationForest (sklearn)": lambda: IsolationForest(random_state=seed),
        "LocalOutlierFactor (sklearn)": lambda: SklearnLOF(novelty),
        "AutoEncoderOutlierDetector": lambda: AutoEncoderOutlierDetector(random_state=seed),
        "VAEOutlierDetector": lambda: VAEOutlierDetector(random_state=seed),
        "DeepSVDD (ours)": lambda: DeepSVDD(random_state=seed),
        "FlowOutlierDetector": lambda: FlowOutlierDetector(random_state=seed),
        "kNN distance k=5 on standardised X (ours)": lambda: make_pipeline(
            StandardScaler(), KNNDetector(n_neighbors=5, normalize=False)),
        "SelfOrganizingMap 10x10 BMU distance on standardised X (ours)": lambda: make_pipeline(
            StandardScaler(), SelfOrganizingMap(random_state=seed)),
        "EnsembleOutlierDetector (ours, mean)": lambda: EnsembleOutlierDetector(random_state=seed),
        "EnsembleOutlierDetector (ours, max)": lambda: EnsembleOutlierDetector(combination="max", random_state=seed),
        "EnsembleOutlierDetector (ours, rank)": lambda: EnsembleOutlierDetector(combination="rank",
                                                                                random_state=seed),
        "EnsembleOutlierDetector (ours, aom)": lambda: EnsembleOutlierDetector(combination="aom", random_state=seed),
    }
    if novelty:
        d["KNNDetector (ours, k=50)"] = lambda: KNNDetector()
        d["InvariantsDetector (ours)"] = lambda: InvariantsDetector(random_state=seed)
        d["InternalContrastiveDetector (ours, ICL)"] = lambda: InternalContrastiveDetector(random_state=seed)
        d["NeuralTransformationDetector (ours, NeuTraL)"] = lambda: NeuralTransformationDetector(random_state=seed)
    return d


def pyod_detectors(seed):
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.cblof import CBLOF
    from pyod.models.deep_svdd import DeepSVDD as PyODDeepSVDD
    from pyod.models.ecod import ECOD
    from pyod.models.knn import KNN
    from pyod.models.vae import VAE

    return {
        "PyOD ECOD": lambda d: ECOD(),
        "PyOD KNN": lambda d: KNN(),
        "PyOD CBLOF": lambda d: CBLOF(random_state=seed),
        "PyOD AutoEncoder": lambda d: AutoEncoder(random_state=seed, verbose=0),
        "PyOD VAE": lambda d: VAE(random_state=seed, verbose=0),
        "PyOD DeepSVDD": lambda d: PyODDeepSVDD(n_features=d, random_state=seed, verbose=0),
    }


def anomaly_scores(name, make, Xfit, Xscore):
    """Anomaly scores (higher = more abnormal) of Xscore after fitting on Xfit."""
    if name.startswith("PyOD"):
        det = make(Xfit.shape[1]).fit(Xfit)
        s = det.decision_scores_ if Xscore is Xfit else det.decision_function(Xscore)
        return np.asarray(s, dtype=np.float64)
    det = make().fit(Xfit)
    return -np.asarray(det.score_samples(Xscore), dtype=np.float64)


def tasks(protocol, seeds):
    """(set label, X_fit, X_score, y_score, seed) for every set and seed."""
    files = sorted((SHARED_DATA / "anomaly").glob("*.npz"))
    if protocol == "novelty":
        files += sorted((SHARED_DATA / "anomaly" / "embeddings").glob("*.npz"))
    for f in files:
        data = np.load(f)
        X, y = data["X"].astype(np.float64), data["y"]
        label = f"{Path(f).stem} {X.shape[0]}x{X.shape[1]}"
        for seed in range(seeds):
            if protocol == "novelty":
                Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
                yield label, Xtr[ytr == 0], Xte, yte, seed
            else:
                yield label, X, X, y, seed


def _keep(name, methods):
    return not methods or any(m.lower() in name.lower() for m in methods)


def run_scores(args):
    auroc, ap, secs, per_set = {}, {}, {}, {}
    for label, Xfit, Xscore, y, seed in tasks(args.protocol, args.seeds):
        if args.sets and label.split()[0] not in args.sets:
            continue
        methods = detectors(seed, args.protocol == "novelty")
        if not args.skip_pyod:
            methods.update(pyod_detectors(seed))
        for name, make in methods.items():
            if not _keep(name, args.methods):
                continue
            t = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s = anomaly_scores(name, make, Xfit, Xscore)
                ok = np.all(np.isfinite(s))
            except ValueError as exc:  # e.g. PyOD CBLOF: "Could not form valid cluster separation"
                print(f"{name} failed on {label} seed {seed}: {exc}", flush=True)
                s, ok = None, False
            secs[name] = secs.get(name, 0.0) + time.perf_counter() - t
            a = roc_auc_score(y, s) if ok else np.nan
            per_set.setdefault(label, {}).setdefault(name, []).append(a)
            if seed == args.seeds - 1:
                vals = per_set[label][name]
                auroc.setdefault(name, []).append(np.nanmean(vals))
                ap.setdefault(name, []).append(average_precision_score(y, s) if ok else np.nan)
        print(f"done {label} seed {seed}", flush=True)
    names = list(auroc)
    print(f"\n## {args.protocol} protocol, mean over the sets (AUROC averaged over {args.seeds} seed(s); AP of the "
          "last seed; fit+score seconds summed)\n")
    summary = [{"method": m, "mean AUROC": float(np.nanmean(auroc[m])), "mean AP": float(np.nanmean(ap[m])),
                "sets": int(np.sum(np.isfinite(auroc[m]))), "seconds": secs[m]} for m in names]
    print("(a set where a method failed or gave non-finite scores is left out of its mean; 'sets' counts the rest)\n")
    print_table(summary, ["method", "mean AUROC", "mean AP", "sets", "seconds"])
    print("\n## AUROC per set\n")
    rows = [{"data": label, **{m: float(np.nanmean(v)) for m, v in res.items()}} for label, res in per_set.items()]
    print_table(rows, ["data"] + names)


PYTHRESH_MIXMOD_MAX_ROWS = 10_000


def run_thresholds(args):
    """MCC of each contamination option on the training scores of IsolationForest and our flow detector."""
    from sklearn.metrics import matthews_corrcoef

    from sklearn_unsup.utils._thresholds import THRESHOLDS, offset_from_scores

    peers = {}
    try:  # PyThresh's implementations of the same rules, in the same run (pip install pythresh)
        from pythresh.thresholds.clf import CLF
        from pythresh.thresholds.filter import FILTER
        from pythresh.thresholds.iqr import IQR
        from pythresh.thresholds.mixmod import MIXMOD
        from pythresh.thresholds.zscore import ZSCORE

        peers = {"PyThresh IQR": IQR, "PyThresh ZSCORE": ZSCORE, "PyThresh CLF": CLF, "PyThresh MIXMOD": MIXMOD,
                 "PyThresh FILTER (file order)": FILTER}
    except ImportError:
        print("pythresh not installed: its rows are left out")
    makers = {"IsolationForest": lambda s: IsolationForest(random_state=s),
              "FlowOutlierDetector": lambda s: FlowOutlierDetector(random_state=s)}
    rows = []
    for label, X, _, y, seed in tasks("unsupervised", 1):
        if args.sets and label.split()[0] not in args.sets:
            continue
        for name, make in makers.items():
            if not _keep(name, args.methods):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = make(seed).fit(X).score_samples(X)
            options, seconds = {}, {}
            rules = {f"ours {c}": c for c in THRESHOLDS}
            rules["oracle (true share)"] = min(0.5, float(y.mean()))
            for option, contamination in rules.items():
                start = time.perf_counter()
                options[option] = scores < offset_from_scores(scores, contamination)
                seconds[option] = time.perf_counter() - start
            for peer, cls in peers.items():
                if peer == "PyThresh MIXMOD" and scores.size > PYTHRESH_MIXMOD_MAX_ROWS:
                    continue  # its EM runs on every row: minutes per fit on the largest sets
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    options[peer] = cls().eval(-scores).astype(bool)
                seconds[peer] = time.perf_counter() - start
            for option, flagged in options.items():
                rows.append({"data": label, "detector": name, "threshold": option, "seconds": seconds[option],
                             "MCC": matthews_corrcoef(y, flagged), "flagged / true share": flagged.mean() / y.mean()})
        print(f"done {label}", flush=True)
    print("\n## Thresholds: mean MCC over the sets (unsupervised protocol, seed 0); median of flagged / true share\n")
    summary = []
    for name in makers:
        for option in dict.fromkeys(r["threshold"] for r in rows if r["detector"] == name):
            sub = [r for r in rows if r["detector"] == name and r["threshold"] == option]
            summary.append({"detector": name, "threshold": option, "mean MCC": float(np.mean([r["MCC"] for r in sub])),
                            "median flagged / true": float(np.median([r["flagged / true share"] for r in sub])),
                            "seconds (sum)": float(np.sum([r["seconds"] for r in sub])), "sets": len(sub)})
    print_table(summary, ["detector", "threshold", "mean MCC", "median flagged / true", "seconds (sum)", "sets"])
    for name in makers:
        theirs = {r["data"]: r["MCC"] for r in rows if r["detector"] == name and r["threshold"] == "PyThresh MIXMOD"}
        ours = [r["MCC"] for r in rows if r["detector"] == name and r["threshold"] == "ours mixmod"
                and r["data"] in theirs]
        if theirs:
            print(f"\n{name}, the {len(theirs)} sets of at most {PYTHRESH_MIXMOD_MAX_ROWS} rows where PyThresh "
                  f"MIXMOD ran: mean MCC ours mixmod {np.mean(ours):.3f}, "
                  f"PyThresh {np.mean(list(theirs.values())):.3f}")


def run_retrieval(args):
    """Rare-kind search on sentence embeddings: precision@50 of query_by_example from 1, 3 and 5 tagged rows."""
    from sklearn_unsup.neighbors import query_by_example

    data = np.load(SHARED_DATA / "cluster" / "stackoverflow_minilm.npz")
    X, y = data["X"].astype(np.float32), data["y"]
    rows, n_results = [], 50
    for topic in np.unique(y):
        for seed in range(args.seeds):
            rng = np.random.RandomState(seed)
            rare = rng.choice(np.flatnonzero(y == topic), size=int(0.01 * np.sum(y != topic)) + 5, replace=False)
            keep = np.r_[np.flatnonzero(y != topic), rare]  # the topic kept at ~1 % of the pool (+5 to tag)
            Xp, is_rare = X[keep], y[keep] == topic
            tagged_pool = np.flatnonzero(is_rare)[:5]
            row = {"topic": int(topic), "seed": seed, "share": float(is_rare.mean())}
            for n_tagged in (1, 3, 5):
                for combine in ("max", "mean"):
                    found, _ = query_by_example(Xp, tagged_pool[:n_tagged], n_results=n_results, combine=combine)
                    row[f"{n_tagged} tagged, {combine}"] = float(is_rare[found].mean())
            rarity = -KNNDetector(n_neighbors=10).fit(Xp).score_samples(Xp)  # label-free: the rarest rows
            row["kNN rarity, no tags"] = float(is_rare[np.argsort(-rarity, kind="stable")[:n_results]].mean())
            rows.append(row)
    cols = [c for c in rows[0] if c not in ("topic", "seed", "share")]
    print(f"\n## Query by example: precision@{n_results}, each of the 20 stackoverflow_minilm topics kept at "
          f"~1 % of the pool ({args.seeds} seed(s)); random ranking = the share\n")
    summary = [{"ranking": c, "mean precision@50": float(np.mean([r[c] for r in rows])),
                "worst topic": float(np.min([np.mean([r[c] for r in rows if r["topic"] == t])
                                             for t in np.unique(y)]))} for c in ["share", *cols]]
    print_table(summary, ["ranking", "mean precision@50", "worst topic"])


def run_rejection(args):
    rows = []
    makers = {"IsolationForest": lambda s: IsolationForest(random_state=s),
              "AutoEncoderOutlierDetector": lambda s: AutoEncoderOutlierDetector(random_state=s)}
    for label, X, _, y, seed in tasks("unsupervised", 1):
        if args.sets and label.split()[0] not in args.sets:
            continue
        for name, make in makers.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rej = RejectionOutlierDetector(make(seed), contamination=min(0.5, float(y.mean()))).fit(X)
            pred = rej.predict(X)
            acc_rows = pred != rej.reject_label
            s = -rej.score_samples(X)
            truth = np.where(y == 1, -1, 1)
            both = len(np.unique(y[acc_rows])) == 2
            rows.append({
                "data": label, "detector": name, "rejection rate": float(np.mean(~acc_rows)),
                "AUROC all": roc_auc_score(y, s),
                "AUROC accepted": roc_auc_score(y[acc_rows], s[acc_rows]) if both else np.nan,
                "accuracy all": accuracy_score(truth, np.where(s > -rej.offset_, -1, 1)),
                "accuracy accepted": accuracy_score(truth[acc_rows], pred[acc_rows]),
            })
        print(f"done {label}", flush=True)
    cols = ["rejection rate", "AUROC all", "AUROC accepted", "accuracy all", "accuracy accepted"]
    print("\n## Rejection (unsupervised protocol, contamination = the set's anomaly rate, rejection_tolerance = 32)\n")
    summary = []
    for name in makers:
        sub = [r for r in rows if r["detector"] == name]
        summary.append({"detector": name, **{c: float(np.nanmean([r[c] for r in sub])) for c in cols}})
    print_table(summary, ["detector"] + cols)
    print("\n## Per set\n")
    print_table(rows, ["data", "detector"] + cols)


def selection_candidates(seed):
    from sklearn.covariance import EllipticEnvelope

    return [
        ("IsolationForest", IsolationForest(random_state=seed)),
        ("kNN k=5", make_pipeline(StandardScaler(), KNNDetector(n_neighbors=5, normalize=False))),
        ("kNN k=50", make_pipeline(StandardScaler(), KNNDetector(n_neighbors=50, normalize=False))),
        ("LOF", make_pipeline(StandardScaler(), LocalOutlierFactor(novelty=True))),
        ("EllipticEnvelope", make_pipeline(StandardScaler(), EllipticEnvelope(random_state=seed))),
        ("Ensemble (mean)", EnsembleOutlierDetector(random_state=seed)),
    ]


def run_selection(args):
    from sklearn.base import clone

    from sklearn_unsup.model_selection import select_outlier_detector

    criteria = [c for c in ["mass_volume", "excess_mass", "consensus"] if _keep(c, args.methods)]
    rows = []
    for label, X, _, y, seed in tasks("unsupervised", args.seeds):
        if args.sets and label.split()[0] not in args.sets:
            continue
        X = StandardScaler().fit_transform(X)  # one scale for the uniform box of every candidate
        candidates = selection_candidates(seed)
        auroc = {}
        for name, det in candidates:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    auroc[name] = roc_auc_score(y, -clone(det).fit(X).score_samples(X))
                except ValueError:  # e.g. a singular covariance
                    auroc[name] = np.nan
        ok = [(n, d) for n, d in candidates if np.isfinite(auroc[n])]
        row = {"data": label, "seed": seed, "IsolationForest": auroc["IsolationForest"],
               "oracle": max(auroc[n] for n, _ in ok), "mean candidate": float(np.mean([auroc[n] for n, _ in ok]))}
        for criterion in criteria:
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pick = select_outlier_detector(ok, X, criterion=criterion, random_state=seed).best_name
            row[f"{criterion} pick"] = pick
            row[criterion] = auroc[pick]
            row[f"{criterion} s"] = time.perf_counter() - t
        rows.append(row)
        print(f"done {label} seed {seed}: " + ", ".join(f"{c} -> {row[c + ' pick']}" for c in criteria), flush=True)
    cols = ["IsolationForest", "oracle", "mean candidate"] + criteria
    print(f"\n## Mean AUROC over {len(rows)} (set, seed) runs\n")
    summary = [{"choice": c, "mean AUROC": float(np.mean([r[c] for r in rows])),
                "beats IsolationForest": int(sum(r[c] > r["IsolationForest"] + 1e-12 for r in rows)),
                "below IsolationForest": int(sum(r[c] < r["IsolationForest"] - 1e-12 for r in rows)),
                "seconds": float(sum(r.get(f"{c} s", 0.0) for r in rows))} for c in cols]
    print_table(summary, ["choice", "mean AUROC", "beats IsolationForest", "below IsolationForest", "seconds"])
    print("\n## Per set\n")
    print_table(rows, ["data", "seed"] + cols + [f"{c} pick" for c in criteria])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", default="unsupervised",
                        choices=["unsupervised", "novelty", "rejection", "thresholds", "retrieval", "explanations",
                                 "selection"])
    parser.add_argument("--sets", default=None, help="comma-separated set names (default: all)")
    parser.add_argument("--methods", default="", help="comma-separated substrings of method names")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--skip-pyod", action="store_true")
    parser.add_argument("--rows", type=int, default=100, help="explanations: injected rows per set")
    parser.add_argument("--train-rows", type=int, default=2000, help="explanations: training rows per set")
    parser.add_argument("--k", type=float, default=1.0, help="explanations: spreads beyond the training range")
    parser.add_argument("--shap-rows", type=int, default=10, help="explanations: rows per set SHAP explains")
    args = parser.parse_args()
    args.sets = set(args.sets.split(",")) if args.sets else None
    args.methods = [m for m in args.methods.split(",") if m]
    print(f"# Anomaly detection, {args.protocol} protocol; {machine_line()}\n")
    if args.protocol == "rejection":
        run_rejection(args)
    elif args.protocol == "thresholds":
        run_thresholds(args)
    elif args.protocol == "selection":
        run_selection(args)
    elif args.protocol == "retrieval":
        run_retrieval(args)
    elif args.protocol == "explanations":
        from _explanations import run_explanations  # its docstring describes the protocol

        run_explanations(args)
    else:
        run_scores(args)


if __name__ == "__main__":
    main()
