"""Novelty detection under a synthetic covariate shift of the test split (issue 20 §6).

    python benchmarks/bench_shift.py --seeds 0,1,2 --out shift_rows.csv      # one CSV row per AUROC
    python benchmarks/bench_shift.py --summary shift_rows.csv                # the Markdown tables

A tabular analogue of Cao, Zhu and Pang, "Anomaly Detection under Distribution
Shift" (ICCV 2023): their test-time feature-distribution matching (exact
histogram matching of feature maps toward a normal training image) becomes a
per-feature quantile alignment of a test batch to the training marginals, and
their augmentation-invariant normality learning becomes augmentation training
of the autoencoder detector.

Protocol

* Splits: the novelty protocol of ``bench_anomaly.py`` (stratified 70/30 split
  with seed ``s``, fit on the training rows with y == 0) on the 20 ADBench
  tables in ``../shared/data/anomaly/*.npz``; seeds 0, 1, 2.
* Shifts, applied to every test row (normal and anomalous alike) of a random
  half of the features (at least one; drawn with seed ``1000 + s``); ``mu`` and
  ``sd`` are the training rows' mean and standard deviation (1 where 0),
  ``z = (x - mu) / sd``, strength ``c`` in {1, 3}:

  - ``none``: no shift (the control);
  - ``affine c``: ``x' = mu + (x - mu) * exp(u) + c * sd * sign`` with
    ``u ~ U(-c/4, c/4)`` and a random sign per feature;
  - ``monotone c``: ``x' = mu + sd * (z + c * softplus(z))`` (convex) or
    ``mu + sd * (z - c * softplus(-z))`` (concave), at random per feature.

  Every shift is monotone per feature, so it keeps each feature's ranking of
  the test rows: a perfect marginal alignment would undo it exactly.
* Test-time alignment, three ways (each feature of a test batch separately,
  toward the training rows' marginal):

  - ``rank``: the exact quantile alignment of the issue: each value goes
    through its empirical CDF within the batch (average ranks for ties,
    ``q = (rank - 1/2) / n``) onto the training quantile ``q`` (linear
    interpolation between order statistics). It clips every row into the
    training range;
  - ``knots``: a piecewise-linear map through the batch's 5 %, 10 %, ..., 95 %
    quantiles onto the training ones, extrapolated linearly beyond the outer
    knots (so rows outside the body keep their distance from it);
  - ``affine``: match the median and interquartile range (scale 1 where either
    is 0); undoes affine shifts only.

  Alignment depends on the batch: the plain name aligns the whole test split
  at once (tens to ~15,000 rows, 2-36 % of them anomalies); the ``64`` suffix
  shuffles the test rows and aligns them in batches of 64 (the last batch
  absorbs a remainder under 64). The detectors are fitted once per split on
  the training rows as they are; only the rows they score change.
* Detectors: ``AE`` = ``AutoEncoderOutlierDetector(random_state=s)`` (package
  defaults); ``AE+aug`` = the same detector, trained on each batch and on an
  augmented view of it (a per-feature transform shared by the batch, on a
  random half of the standardised features: ``z * exp(a) + b`` then
  ``z + t * tanh(z)``, ``a ~ U(-g/2, g/2)``, ``b ~ U(-g, g)``, ``t ~ U(-g/2, g)``,
  with the strength ``g ~ U(0, 2)`` drawn per batch; a family other than the
  test shifts'); its loss = mean of the reconstruction errors of the clean
  and the augmented rows (each of itself) + 0.1 x the mean squared distance
  between their codes (DINL's consistency term); ``AE+denoise`` = the same
  views, loss = reconstruction of the clean row from both (the other reading
  of the issue: "reconstruction of the clean row"), which is what
  ``AutoEncoderOutlierDetector(shift_augmentation=True)`` ships (the arm runs
  it; ``sklearn_unsup._nn.marginal_shift`` is the view); peers: kNN distance k=5 on
  standardised rows (``KNNDetector``) and ``IsolationForest(random_state=s)``.
  Each detector scores every condition raw and after each alignment.
  ``--oracle`` adds a diagnostic that uses the test labels: ``knots-oracle``
  and ``affine-oracle`` take the batch's quantiles from its normal rows only
  (the whole split), separating the cost of the anomalies in the batch from
  the cost of the map itself.
* Metric: AUROC of ``-score_samples`` against y == 1; the summary averages
  each arm over the sets (each set's mean over seeds) for every condition, and
  over the four shifted conditions.
"""

import argparse
import csv
import math
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from _common import SHARED_DATA, machine_line, print_table
from scipy.stats import rankdata
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_unsup._nn import MLPAutoEncoder, marginal_shift
from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.ood import KNNDetector
from sklearn_unsup.outlier import AutoEncoderOutlierDetector
from sklearn_unsup.utils._validation import check_hidden_dims

CONDITIONS = ["none", "affine 1", "affine 3", "monotone 1", "monotone 3"]
ALIGN_MODES = ["raw", "rank", "rank64", "knots", "knots64", "affine", "affine64", "knots-oracle", "affine-oracle"]


# ---------------------------------------------------------------- shifts and alignment
def shift(X, mu, sd, condition, rng):
    """Apply ``condition`` to a random half of the columns of a copy of X (see the module docstring)."""
    if condition == "none":
        return X.copy()
    kind, c = condition.split()
    c = float(c)
    d = X.shape[1]
    cols = rng.choice(d, size=max(1, d // 2), replace=False)
    sd = np.where(sd > 0, sd, 1.0)
    out = X.copy()
    for j in cols:
        z = (X[:, j] - mu[j]) / sd[j]
        sign = rng.choice([-1.0, 1.0])
        if kind == "affine":
            u = rng.uniform(-c / 4, c / 4)
            out[:, j] = mu[j] + (X[:, j] - mu[j]) * math.exp(u) + c * sd[j] * sign
        else:
            g = z + c * np.logaddexp(0, z) if sign > 0 else z - c * np.logaddexp(0, -z)
            out[:, j] = mu[j] + sd[j] * g
    return out


KNOTS = np.linspace(0.05, 0.95, 19)


def align_rank(train_sorted, Xb):
    """Map each column of the batch Xb through its in-batch empirical CDF onto the training quantiles."""
    n, m = Xb.shape[0], train_sorted.shape[0]
    out = np.empty_like(Xb)
    grid = np.arange(m, dtype=np.float64)
    for j in range(Xb.shape[1]):
        q = (rankdata(Xb[:, j], method="average") - 0.5) / n
        out[:, j] = np.interp(q * (m - 1), grid, train_sorted[:, j])
    return out


def align_knots(train_sorted, Xb, ref=None):
    """Piecewise-linear map of each column through the batch's 5 %, 10 %, ..., 95 % quantiles onto the
    training ones, extrapolated linearly beyond the outer knots (rows outside the body keep their distance)."""
    tq = np.quantile(train_sorted, KNOTS, axis=0)
    bq = np.quantile(Xb if ref is None else ref, KNOTS, axis=0)
    out = np.empty_like(Xb)
    for j in range(Xb.shape[1]):
        u, inv = np.unique(bq[:, j], return_inverse=True)
        v = np.bincount(inv, weights=tq[:, j]) / np.bincount(inv)
        x = Xb[:, j]
        if len(u) == 1:
            out[:, j] = x + (v[0] - u[0])
            continue
        y = np.interp(x, u, v)
        lo, hi = x < u[0], x > u[-1]
        y[lo] = v[0] + (x[lo] - u[0]) * (v[1] - v[0]) / (u[1] - u[0])
        y[hi] = v[-1] + (x[hi] - u[-1]) * (v[-1] - v[-2]) / (u[-1] - u[-2])
        out[:, j] = y
    return out


def align_affine(train_sorted, Xb, ref=None):
    """Match each column's median and interquartile range to the training rows' (scale 1 where either is 0)."""
    tq = np.quantile(train_sorted, [0.25, 0.5, 0.75], axis=0)
    bq = np.quantile(Xb if ref is None else ref, [0.25, 0.5, 0.75], axis=0)
    ti, bi = tq[2] - tq[0], bq[2] - bq[0]
    scale = np.where((ti > 0) & (bi > 0), ti / np.where(bi > 0, bi, 1), 1.0)
    return tq[1] + (Xb - bq[1]) * scale


ALIGNERS = {"rank": align_rank, "knots": align_knots, "affine": align_affine}


def align_batches(fn, train_sorted, X, size, rng):
    """``fn`` over a random partition of X's rows into batches of ``size`` (the last absorbs the rest)."""
    order = rng.permutation(X.shape[0])
    n_batches = max(1, X.shape[0] // size)
    out = np.empty_like(X)
    for idx in np.array_split(order, n_batches):
        out[idx] = fn(train_sorted, X[idx])
    return out


# ---------------------------------------------------------------- augmentation-trained AE (the consistency arm)
class AugmentedAE(MLPAutoEncoder):
    """MLPAutoEncoder that, in training, also encodes and decodes a perturbed view of the batch."""

    def forward(self, x):
        z = self.encoder(x)
        rec = self.decoder(z)
        if not self.training:
            return rec, z
        xa = marginal_shift(x)
        za = self.encoder(xa)
        return rec, z, self.decoder(za), za, xa


class ConsistencyLoss(torch.nn.Module):
    """Mean of both views' own reconstruction errors + ``weight`` x the mean squared distance of their codes."""

    def __init__(self, weight=0.1):
        super().__init__()
        self.weight = weight

    def forward(self, y_pred, X):
        if len(y_pred) == 2:
            return F.mse_loss(y_pred[0], X)
        rec, z, reca, za, xa = y_pred
        return 0.5 * (F.mse_loss(rec, X) + F.mse_loss(reca, xa)) + self.weight * F.mse_loss(za, z)


class ConsistencyAutoEncoder(AutoEncoder):
    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X)
        net = self._build_net(
            module=AugmentedAE,
            module_kwargs=dict(n_features=X.shape[1], n_components=self.n_components,
                               hidden_dims=check_hidden_dims(self.hidden_dims), activation=self.activation,
                               dropout=self.dropout, batch_norm=self.batch_norm),
            criterion=ConsistencyLoss)
        self._train(net, X, epochs=1 if first_block else None)
        self._n_features_out = self.n_components
        return self


class ConsistencyAEDetector(AutoEncoderOutlierDetector):
    def _make_model(self, n_features):
        return ConsistencyAutoEncoder(self._code_width(n_features), hidden_dims=self.hidden_dims,
                                      dropout=self.dropout, batch_norm=self.batch_norm, **self._torch_params())


def arms(seed):
    return {
        "AE": lambda: AutoEncoderOutlierDetector(random_state=seed),
        "AE+aug": lambda: ConsistencyAEDetector(random_state=seed),
        "AE+denoise": lambda: AutoEncoderOutlierDetector(shift_augmentation=True, random_state=seed),
        "kNN k=5": lambda: make_pipeline(StandardScaler(), KNNDetector(n_neighbors=5, normalize=False)),
        "IsolationForest": lambda: IsolationForest(random_state=seed),
    }


# ---------------------------------------------------------------- run and summary
def run(args):
    seeds = [int(s) for s in args.seeds.split(",")]
    sets = set(args.sets.split(",")) if args.sets else None
    files = [f for f in sorted((SHARED_DATA / "anomaly").glob("*.npz")) if sets is None or f.stem in sets]
    keep = [m for m in args.methods.split(",") if m]
    print(f"# bench_shift; {machine_line()}", flush=True)
    with open(args.out, "a", newline="") as fh:
        w = csv.writer(fh)
        for seed in seeds:
            for f in files:
                data = np.load(f)
                X, y = data["X"].astype(np.float64), data["y"]
                label = f"{Path(f).stem} {X.shape[0]}x{X.shape[1]}"
                Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
                Xfit = Xtr[ytr == 0]
                mu, sd = Xfit.mean(0), Xfit.std(0)
                train_sorted = np.sort(Xfit, axis=0)
                rng = np.random.default_rng(1000 + seed)
                views = {}
                for cond in CONDITIONS:
                    Xs = shift(Xte, mu, sd, cond, rng)
                    views[cond, "raw"] = Xs
                    for a_name, fn in ALIGNERS.items():
                        views[cond, a_name] = fn(train_sorted, Xs)
                        views[cond, a_name + "64"] = align_batches(fn, train_sorted, Xs, 64, rng)
                    if args.oracle:  # the batch's quantiles from its normal rows only (labels: a diagnostic)
                        views[cond, "knots-oracle"] = align_knots(train_sorted, Xs, Xs[yte == 0])
                        views[cond, "affine-oracle"] = align_affine(train_sorted, Xs, Xs[yte == 0])
                for name, make in arms(seed).items():
                    if keep and name not in keep:
                        continue
                    t = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        det = make().fit(Xfit)
                    fit_s = time.perf_counter() - t
                    for (cond, mode), Xs in views.items():
                        s = -np.asarray(det.score_samples(Xs), dtype=np.float64)
                        a = roc_auc_score(yte, s) if np.all(np.isfinite(s)) else np.nan
                        w.writerow([label, seed, cond, name, mode, f"{a:.6f}", f"{fit_s:.2f}"])
                    fh.flush()
                    print(f"{label} seed {seed} {name}: fit {fit_s:.1f} s", flush=True)


def summary(path):
    rows = list(csv.reader(open(path)))
    per = {}  # (arm, mode, cond) -> set -> [auroc]
    secs = {}
    for label, seed, cond, name, mode, a, fit_s in rows:
        per.setdefault((name, mode, cond), {}).setdefault(label, []).append(float(a))
        if cond == "none" and mode == "raw":
            secs[name] = secs.get(name, 0.0) + float(fit_s)
    names = list(dict.fromkeys(r[3] for r in rows))
    sets = sorted({r[0] for r in rows})
    n_seeds = len({r[1] for r in rows})

    def mean(name, mode, cond):
        d = per.get((name, mode, cond), {})
        return float(np.mean([np.mean(d[s]) for s in sets])) if all(s in d for s in sets) else np.nan

    out = []
    for name in names:
        for mode in ALIGN_MODES:
            if (name, mode, "none") not in per:
                continue
            r = {"arm": f"{name} {mode}"}
            for cond in CONDITIONS:
                r[cond] = mean(name, mode, cond)
            r["shifted mean"] = float(np.mean([r[c] for c in CONDITIONS[1:]]))
            out.append(r)
    print(f"\n### Mean AUROC over {len(sets)} sets ({n_seeds} seed(s) each)\n")
    print_table(out, ["arm"] + CONDITIONS + ["shifted mean"])
    ref = {(c, s): np.mean(per[("AE", "raw", c)][s]) for c in CONDITIONS for s in sets}
    wins = []
    for name in names:
        for mode in ALIGN_MODES:
            if (name, mode, "none") not in per:
                continue
            r = {"arm": f"{name} {mode}"}
            for cond in CONDITIONS:
                d = per[(name, mode, cond)]
                r[cond] = f"{sum(np.mean(d[s]) > ref[cond, s] for s in sets)}/{len(sets)}"
            wins.append(r)
    print("\n### Sets where the arm's AUROC (mean over seeds) beats plain AE raw\n")
    print_table(wins, ["arm"] + CONDITIONS)
    print("\n### Fit seconds summed over sets and seeds\n")
    print_table([{"arm": k, "seconds": v} for k, v in secs.items()], ["arm", "seconds"], floatfmt="{:.0f}")
    print("\n### Per set, shifted mean (4 shifted conditions) and none\n")
    per_set = []
    for s in sets:
        r = {"set": s}
        for name, mode in [("AE", "raw"), ("AE", "rank"), ("AE", "knots"), ("AE+aug", "raw"),
                           ("AE+denoise", "raw"), ("kNN k=5", "raw"), ("kNN k=5", "knots"),
                           ("IsolationForest", "raw"), ("IsolationForest", "knots")]:
            if (name, mode, "none") not in per:
                continue
            sh = np.mean([np.mean(per[(name, mode, c)][s]) for c in CONDITIONS[1:]])
            r[f"{name} {mode}"] = f"{sh:.3f} / {np.mean(per[(name, mode, 'none')][s]):.3f}"
        per_set.append(r)
    print_table(per_set, list(per_set[0]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--sets", default=None, help="comma-separated set names (default: the 20 tables)")
    parser.add_argument("--methods", default="", help="comma-separated arm names (default: all)")
    parser.add_argument("--out", default="shift_rows.csv")
    parser.add_argument("--oracle", action="store_true",
                        help="also align with the batch's quantiles taken from its normal rows only (a diagnostic)")
    parser.add_argument("--summary", default=None, help="print the tables of this CSV and exit")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
    else:
        run(args)


if __name__ == "__main__":
    main()
