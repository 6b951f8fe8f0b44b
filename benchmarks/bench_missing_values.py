"""Missing values in a real table: is a masked reconstruction loss in the autoencoders worth adding?

    python benchmarks/bench_missing_values.py                       # 10,000 rows, 5% and 20% missing, 3 seeds
    python benchmarks/bench_missing_values.py --rows 2000 --seeds 1 # quick look

Data: ``large/campaign`` of ../shared/data turned back into its table (tests/_campaign.py:
10 numeric columns, 9 categorical, the month of contact as a date), ``--rows`` rows drawn at
random, and a share of the cells masked (uniformly, per seed). Every method sees the same
table through ``TableVectorizer`` (the categorical cells that went missing become their
column's ``_nan`` category, the numeric and date ones stay ``NaN``) and a standardisation
fitted on the observed values.

Methods (all fill the ``NaN`` of the vectorized matrix):

* ``mean``: scikit-learn's ``SimpleImputer`` (the documented recipe's imputer);
* ``KNNImputer`` (5 neighbours), ``IterativeImputer`` (BayesianRidge, 10 rounds);
* ``AutoEncoder (package)``: the recipe, ``SimpleImputer`` + ``StandardScaler`` +
  :class:`sklearn_unsup.decomposition.AutoEncoder` (its defaults, ``max_epochs=--epochs``); a
  missing cell is imputed by the reconstruction of the mean-filled row;
* the same network and training (``MLPAutoEncoder``, Adam, same epochs and batch size) in a
  short loop here, with three losses: ``AE all cells`` (the package's loss: MSE on every cell, the
  mean-filled ones included), ``AE masked loss`` (MSE on observed cells only, missing cells filled
  with 0 = the mean at the input), ``AE masked + input masking`` (the masked loss, and each
  epoch 20% of the observed cells are also hidden at the input, MIDA/denoising style, so the
  network must predict cells it does not see).

Figures: imputation RMSE on the masked numeric/date cells (standardised units; the truth is known
because we masked them), and, downstream, AUROC of the reconstruction error on observed cells as
an anomaly score for the set's label (ADBench's task: y = 1 the client subscribed), against the
same autoencoder trained on the table before masking.
"""

import argparse
import sys
import time
import warnings

import numpy as np
import torch
from _common import ROOT, machine_line, print_table
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(ROOT))
from sklearn_unsup._nn._autoencoder import MLPAutoEncoder  # noqa: E402
from sklearn_unsup.decomposition import AutoEncoder  # noqa: E402
from tests._campaign import campaign_frame, load_campaign  # noqa: E402

HIDDEN, N_COMPONENTS, BATCH, LR = (256, 128), 10, 256, 1e-3


def vectorize(df_full, df_missing):
    """Vectorized, standardised matrices of the masked table (NaN kept) and of the full table (same encoding)."""
    from skrub import TableVectorizer

    tv = TableVectorizer().fit(df_missing)
    M = np.asarray(tv.transform(df_missing), dtype=np.float64)
    F = np.asarray(tv.transform(df_full), dtype=np.float64)
    mu, sd = np.nanmean(M, axis=0), np.nanstd(M, axis=0)
    sd[sd == 0] = 1
    return (M - mu) / sd, (F - mu) / sd


def train_ae(X, observed, loss, epochs, seed, input_mask=0.0):
    """The package's AutoEncoder network trained with one of the three losses; returns the fitted module."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = MLPAutoEncoder(X.shape[1], N_COMPONENTS, HIDDEN)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    Xt = torch.as_tensor(np.where(observed, X, 0.0), dtype=torch.float32)
    Ot = torch.as_tensor(observed, dtype=torch.float32)
    for _ in range(epochs):
        for idx in torch.randperm(len(Xt), generator=g).split(BATCH):
            x, o = Xt[idx], Ot[idx]
            x_in = x
            if input_mask:
                hide = (torch.rand(x.shape, generator=g) < input_mask).float() * o
                x_in = x * (1 - hide)
            rec, _ = net(x_in)
            err = (rec - x) ** 2
            if loss == "all":
                value = err.mean()
            else:
                value = (err * o).sum() / o.sum().clamp(min=1)
            opt.zero_grad()
            value.backward()
            opt.step()
    return net


def reconstruct(net, X, observed):
    with torch.no_grad():
        rec, _ = net(torch.as_tensor(np.where(observed, X, 0.0), dtype=torch.float32))
    return rec.numpy().astype(np.float64)


def observed_error(rec, X, observed):
    """Mean squared reconstruction error per row over its observed cells (the anomaly score)."""
    err = np.where(observed, (rec - np.where(observed, X, 0.0)) ** 2, 0.0)
    return err.sum(axis=1) / np.maximum(observed.sum(axis=1), 1)


def run(rows, rates, seeds, epochs):
    data = load_campaign()
    if data is None:
        raise SystemExit("../shared/data/large/campaign.npz not found")
    X_all, y_all = data
    results = []
    for seed in range(seeds):
        pick = np.random.RandomState(seed).choice(len(X_all), rows, replace=False)
        X, y = X_all[pick], y_all[pick]
        full = campaign_frame(X, missing=0.0)
        for rate in rates:
            df = campaign_frame(X, missing=rate, random_state=seed)
            M, F = vectorize(full, df)
            observed = ~np.isnan(M)
            held = ~observed  # the masked numeric and date cells; truth in F
            assert np.isfinite(F[held]).all()
            imputed = {}
            t = time.time()
            imputed["mean (SimpleImputer)"] = (np.where(observed, M, 0.0), time.time() - t)
            for name, imp in [("KNNImputer(5)", KNNImputer(n_neighbors=5)),
                              ("IterativeImputer", IterativeImputer(max_iter=10, random_state=seed))]:
                t = time.time()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    imputed[name] = (imp.fit_transform(M), time.time() - t)
            scores = {}
            t = time.time()
            ae = AutoEncoder(max_epochs=epochs, batch_size=BATCH, random_state=seed).fit(np.where(observed, M, 0.0))
            rec = ae.inverse_transform(ae.transform(np.where(observed, M, 0.0)))
            imputed["AutoEncoder (package)"] = (np.where(observed, M, rec), time.time() - t)
            scores["AutoEncoder (package)"] = observed_error(rec, M, observed)
            for name, loss, input_mask in [("AE all cells", "all", 0.0), ("AE masked loss", "masked", 0.0),
                                           ("AE masked + input masking", "masked", 0.2)]:
                t = time.time()
                net = train_ae(M, observed, loss, epochs, seed, input_mask)
                rec = reconstruct(net, M, observed)
                imputed[name] = (np.where(observed, M, rec), time.time() - t)
                scores[name] = observed_error(rec, M, observed)
            net = train_ae(F, np.ones_like(observed), "all", epochs, seed)
            complete_auc = roc_auc_score(y, observed_error(reconstruct(net, F, observed), F, observed))
            for name, (Z, seconds) in imputed.items():
                rmse = float(np.sqrt(np.mean((Z[held] - F[held]) ** 2)))
                auc = roc_auc_score(y, scores[name]) if name in scores else np.nan
                results.append(dict(seed=seed, rate=rate, method=name, rmse=rmse, auc=auc, complete=complete_auc,
                                    seconds=seconds))
            print(f"seed {seed} rate {rate:.2f}: {held.sum()} held-out cells of {held.size}", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.2])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    print(machine_line())
    print(f"rows {args.rows}, missing {args.rates}, seeds {args.seeds}, epochs {args.epochs}\n")
    results = run(args.rows, args.rates, args.seeds, args.epochs)
    table = []
    for rate in args.rates:
        for method in dict.fromkeys(r["method"] for r in results):
            rs = [r for r in results if r["rate"] == rate and r["method"] == method]
            rmse = np.array([r["rmse"] for r in rs])
            auc = np.array([r["auc"] for r in rs])
            table.append({
                "missing": f"{rate:.0%}", "method": method,
                "imputation RMSE": f"{rmse.mean():.3f} ± {rmse.std():.3f}",
                "AUROC (recon. error)": "" if np.isnan(auc).all() else f"{auc.mean():.3f} ± {auc.std():.3f}",
                "AUROC, same AE on the full table": f"{np.mean([r['complete'] for r in rs]):.3f}"
                if not np.isnan(auc).all() else "",
                "seconds": f"{np.mean([r['seconds'] for r in rs]):.1f}",
            })
    print()
    print_table(table, ["missing", "method", "imputation RMSE", "AUROC (recon. error)",
                        "AUROC, same AE on the full table", "seconds"])


if __name__ == "__main__":
    main()
