"""Generative models against classical peers, measured in the same run.

    python benchmarks/bench_generative.py [--seeds 3] [--quick]

1. Held-out mean log-likelihood (nats per row, 70/30 split, StandardScaler
   fitted on the training part for every model): GaussianMixture with
   n_components and covariance_type chosen by GridSearchCV (3-fold) on the
   training part; RealNVP with its standard-normal base; RealNVP whose base is
   a Gaussian mixture with the grid search's number of components; the VAE's
   importance-weighted bound (K = 100).
2. Clustering on mnist5k (/255): KMeans on the pixels, KMeans on the 10-d VAE
   codes, JointVAE's discrete latent. ACC/NMI, mean over seeds.
3. Seconds per epoch of VAE vs AutoEncoder with the same architecture.

``--part defaults`` is the issue-17 bar: RealNVP with its defaults (the base
chosen on held-out rows inside fit) against GaussianMixture grid-searched over
n_components {1, 2, 4, 8, 16} x {full, diag} by held-out likelihood (3-fold on
the training part), on the continuous inlier sets (70/30 split, standardised),
one row per set and seed.

    python benchmarks/bench_generative.py --part defaults --seeds 3 [--sets cardio,letter] [--seed-list 1,2]

``--part coupled`` is the issue-21 section-4 check: CoupledMixtureVAE (cpl-mixVAE) with its defaults and with
``encoder=None`` (the arms on the pixels) against JointVAE (Bernoulli, as in part 2), KMeans (n_init=10),
GaussianMixture (diag) and UMAP(10)+GMM (the UMAP stage the defaults put in front on these sets), transductive,
``n_clusters`` = number of classes, one row per set and seed; ACC/NMI and fit seconds.
Pixels / 255 (mnist5k), / 16 (digits, optdigits_train).

    python benchmarks/bench_generative.py --part coupled --sets digits,mnist5k --seed-list 0
    python benchmarks/bench_generative.py --part coupled --methods "KMeans (n_init=10),JointVAE (bernoulli)"
"""

import argparse
import time

import numpy as np
from _common import load_shared, machine_line, print_table, warm_up_umap
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.cluster import CoupledMixtureVAE, make_umap_pipeline
from sklearn_unsup.decomposition import VAE, AutoEncoder, JointVAE
from sklearn_unsup.density import RealNVP
from sklearn_unsup.metrics import cluster_accuracy

DENSITY_SETS = [
    ("mnist1d", "cluster/mnist1d.npz", False),
    ("cardio (normal rows)", "anomaly/cardio.npz", True),
    ("pendigits (normal rows)", "anomaly/pendigits.npz", True),
    ("mammography (normal rows)", "anomaly/mammography.npz", True),
    ("vowels (normal rows)", "anomaly/vowels.npz", True),
]


def density_rows(quick):
    rows = []
    for name, path, normal_only in DENSITY_SETS[: 2 if quick else None]:
        X, y = load_shared(path)
        X = X.astype(np.float64)
        if normal_only:
            X = X[y == 0]
        Xtr, Xte = train_test_split(X, test_size=0.3, random_state=0)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        t = time.perf_counter()
        grid = GridSearchCV(
            GaussianMixture(reg_covar=1e-4, random_state=0),
            {"n_components": [1, 2, 3, 5, 8, 12], "covariance_type": ["full", "diag"]},
            cv=3,
        ).fit(Xtr)
        t_gmm = time.perf_counter() - t
        k = grid.best_params_["n_components"]
        row = {"data": f"{name} {X.shape[0]}x{X.shape[1]}",
               "GMM (grid search)": grid.score(Xte),
               "GMM params": f"{k}, {grid.best_params_['covariance_type']}", "GMM s": t_gmm}
        for label, params in [("RealNVP", dict(n_base_components=1)),
                              ("RealNVP + GMM base", dict(n_base_components=k))]:
            t = time.perf_counter()
            flow = RealNVP(max_epochs=200, random_state=0, **params).fit(Xtr)
            row[label] = flow.score(Xte)
            row[label + " s"] = time.perf_counter() - t
        t = time.perf_counter()
        vae = VAE(min(10, max(2, X.shape[1] // 2)), hidden_dims=(128, 64), max_epochs=100,
                  n_importance_samples=100, random_state=0).fit(Xtr)
        row["VAE IW bound (K=100)"] = vae.score(Xte)
        row["VAE s"] = time.perf_counter() - t
        rows.append(row)
    return rows


DEFAULT_SETS = ["cardio", "pendigits", "mammography", "vowels", "shuttle", "letter", "satellite", "annthyroid",
                "thyroid"]


def default_rows(seeds, sets):
    rows = []
    for name in sets:
        X, y = load_shared(f"anomaly/{name}.npz")
        X = X[y == 0].astype(np.float64)
        for seed in seeds:
            Xtr, Xte = train_test_split(X, test_size=0.3, random_state=seed)
            scaler = StandardScaler().fit(Xtr)
            Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
            t = time.perf_counter()
            grid = GridSearchCV(GaussianMixture(reg_covar=1e-4, random_state=seed),
                                {"n_components": [1, 2, 4, 8, 16], "covariance_type": ["full", "diag"]},
                                cv=3).fit(Xtr)
            t_gmm = time.perf_counter() - t
            t = time.perf_counter()
            flow = RealNVP(random_state=seed).fit(Xtr)
            t_flow = time.perf_counter() - t
            scores = flow.base_validation_log_likelihood_ or {}
            best = max(scores, key=scores.get) if scores else "-"
            gmm, nvp = grid.score(Xte), flow.score(Xte)
            rows.append({"data": f"{name} {X.shape[0]}x{X.shape[1]}", "seed": seed, "GMM (grid)": gmm,
                         "GMM params": f"{grid.best_params_['n_components']}, {grid.best_params_['covariance_type']}",
                         "RealNVP default": nvp, "base picked": best, "RealNVP - GMM": nvp - gmm,
                         "GMM s": t_gmm, "RealNVP s": t_flow, "epochs": flow.n_iter_})
            print(rows[-1], flush=True)
    return rows


def clustering_rows(seeds, quick):
    X, y = load_shared("cluster/mnist5k.npz")
    X = X / 255.0
    if quick:
        X, y = X[:1500], y[:1500]
    res = {"KMeans on pixels (n_init=10)": [], "KMeans on VAE(10) codes": [], "JointVAE(10 clusters)": []}
    times = {k: [] for k in res}
    for seed in range(seeds):
        t = time.perf_counter()
        lab = KMeans(10, n_init=10, random_state=seed).fit_predict(X)
        times["KMeans on pixels (n_init=10)"].append(time.perf_counter() - t)
        res["KMeans on pixels (n_init=10)"].append(lab)
        t = time.perf_counter()
        Z = VAE(10, likelihood="bernoulli", max_epochs=50, random_state=seed).fit_transform(X)
        lab = KMeans(10, n_init=10, random_state=seed).fit_predict(Z)
        times["KMeans on VAE(10) codes"].append(time.perf_counter() - t)
        res["KMeans on VAE(10) codes"].append(lab)
        t = time.perf_counter()
        lab = JointVAE(10, likelihood="bernoulli", random_state=seed).fit(X).labels_
        times["JointVAE(10 clusters)"].append(time.perf_counter() - t)
        res["JointVAE(10 clusters)"].append(lab)
    rows = []
    for name, labs in res.items():
        accs = [cluster_accuracy(y, lab) for lab in labs]
        nmis = [normalized_mutual_info_score(y, lab) for lab in labs]
        rows.append({"method": name, "ACC": float(np.mean(accs)), "ACC min": float(np.min(accs)),
                     "NMI": float(np.mean(nmis)), "seconds": float(np.median(times[name]))})
    return rows


def _pixels(name):
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return X / 16.0, y
    X, y = load_shared(f"cluster/{name}.npz")
    return X.astype(np.float64) / (255.0 if name == "mnist5k" else 16.0), y


COUPLED_METHODS = {
    "KMeans (n_init=10)": lambda k, s: KMeans(k, n_init=10, random_state=s),
    "GaussianMixture (diag)": lambda k, s: GaussianMixture(k, covariance_type="diag", random_state=s),
    "UMAP(10)+GMM": lambda k, s: make_umap_pipeline(GaussianMixture(k, random_state=s), random_state=s),
    "JointVAE (bernoulli)": lambda k, s: JointVAE(k, likelihood="bernoulli", random_state=s),
    "CoupledMixtureVAE (defaults)": lambda k, s: CoupledMixtureVAE(k, random_state=s),
    "CoupledMixtureVAE (encoder=None)": lambda k, s: CoupledMixtureVAE(k, encoder=None, random_state=s),
}


def coupled_rows(seeds, sets, methods=None):
    rows = []
    for name in sets:
        X, y = _pixels(name)
        k = len(np.unique(y))
        for seed in seeds:
            for label, make in COUPLED_METHODS.items():
                if methods is not None and label not in methods:
                    continue
                t = time.perf_counter()
                est = make(k, seed)
                lab = est.fit_predict(X)
                rows.append({"data": f"{name} {X.shape[0]}x{X.shape[1]}", "seed": seed, "method": label,
                             "ACC": cluster_accuracy(y, lab), "NMI": normalized_mutual_info_score(y, lab),
                             "consensus": getattr(est, "consensus_", float("nan")),
                             "seconds": time.perf_counter() - t})
                print(rows[-1], flush=True)
    return rows


def epoch_rows(quick):
    X, _ = load_shared("cluster/mnist5k.npz")
    X = (X / 255.0).astype(np.float32)
    epochs = 3 if quick else 10
    rows = []
    for name, est in [("AutoEncoder(10), hidden (256, 128)",
                       AutoEncoder(10, hidden_dims=(256, 128), loss="bce", max_epochs=epochs, random_state=0)),
                      ("VAE(10), hidden (256, 128)",
                       VAE(10, hidden_dims=(256, 128), likelihood="bernoulli", max_epochs=epochs, random_state=0))]:
        t = time.perf_counter()
        est.fit(X)
        rows.append({"model": name, "s/epoch": (time.perf_counter() - t) / epochs})
    rows[1]["ratio"] = rows[1]["s/epoch"] / rows[0]["s/epoch"]
    rows[0]["ratio"] = 1.0
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["all", "defaults", "coupled"], default="all")
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS), help="--part defaults: comma-separated sets")
    parser.add_argument("--seed-list", default=None, help="--part defaults: comma-separated seeds (overrides --seeds)")
    parser.add_argument("--methods", default=None,
                        help="--part coupled: comma-separated method labels (default: all)")
    args = parser.parse_args()
    print(f"# Generative models; {machine_line()}\n")
    if args.part == "coupled":
        seeds = [int(s) for s in args.seed_list.split(",")] if args.seed_list else range(args.seeds)
        sets = args.sets.split(",") if args.sets != ",".join(DEFAULT_SETS) else ["digits", "mnist5k"]
        print("\n## CoupledMixtureVAE vs JointVAE, KMeans, GaussianMixture: clustering ACC / NMI\n")
        methods = [m.strip() for m in args.methods.split(",")] if args.methods else None
        unknown = set(methods or ()) - set(COUPLED_METHODS)
        if unknown:
            parser.error(f"unknown --methods {sorted(unknown)}; choose from {list(COUPLED_METHODS)}")
        warm_up_umap()  # UMAP(10)+GMM and CoupledMixtureVAE's UMAP stage are timed
        print_table(coupled_rows(seeds, sets, methods),
                    ["data", "seed", "method", "ACC", "NMI", "consensus", "seconds"])
        return
    if args.part == "defaults":
        seeds = [int(s) for s in args.seed_list.split(",")] if args.seed_list else range(args.seeds)
        rows = default_rows(seeds, args.sets.split(","))
        print("\n## RealNVP defaults vs grid-searched GaussianMixture: held-out mean log-likelihood (nats per row)\n")
        print_table(rows, ["data", "seed", "GMM (grid)", "GMM params", "RealNVP default", "base picked",
                           "RealNVP - GMM", "GMM s", "RealNVP s", "epochs"])
        wins = sum(r["RealNVP - GMM"] >= 0 for r in rows)
        print(f"\nRealNVP default >= GMM on {wins} of {len(rows)} set-seed pairs")
        return
    print("## Held-out mean log-likelihood (nats per row, standardised features; higher is better)\n")
    print_table(density_rows(args.quick),
                ["data", "GMM (grid search)", "GMM params", "RealNVP", "RealNVP + GMM base",
                 "VAE IW bound (K=100)", "GMM s", "RealNVP s", "RealNVP + GMM base s", "VAE s"])
    print(f"\n## Clustering mnist5k (/255), mean over {args.seeds} seeds\n")
    print_table(clustering_rows(args.seeds, args.quick), ["method", "ACC", "ACC min", "NMI", "seconds"])
    print("\n## Training cost per epoch, mnist5k, batch 256, Adam\n")
    print_table(epoch_rows(args.quick), ["model", "s/epoch", "ratio"])


if __name__ == "__main__":
    main()
