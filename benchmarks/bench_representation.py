"""Representation learning against PCA and UMAP, measured in the same run.

    python benchmarks/bench_representation.py [--quick] [--only SECTION ...]

1. 10-NN classification accuracy (5-fold) in the reduced space and
   trustworthiness (5 neighbours; on 5,000 sampled rows for larger sets):
   input space, PCA(32), TLDR(32) linear, TLDR(32) with the MLP encoder on the
   leading 32 principal axes, TLDR(32)'s default (encoder="auto": its choice
   and criterion in the label), UMAP(32) on mnist5k (/255),
   optdigits_train (/16) and 20,000 StackOverflow title embeddings
   (all-MiniLM-L6-v2, 384-d: the embedding reduction TLDR was made for);
   with ``--sets`` also digits (/16) and mnist1d (standardised).
2. TLDR vs UMAP fit time on ALOI (the first 80% of the 49,534 rows) and
   transform time on the other 20%.
3. ContrastiveEncoder: KMeans ACC and 10-NN accuracy of its 16-d codes (every loss, 50 epochs, batch 256;
   SimCLR and MoCo also at batch 64) vs the input and PCA(16), on mnist5k, optdigits_train, wine and ecoli.
4. Whitening: cosine kNN retrieval (precision@10 of the label) on the BERT
   20news embeddings, raw vs whitened.
5. Graph encoders (VGAE, GAE, GRACE) on the kNN graph: 10-NN accuracy and
   trustworthiness of 16-d codes against PCA, TLDR and UMAP at 16-d, on the
   three sets of 1.

6. Disentanglement (DIP-VAE): a table made from 5 independent factors; MIG,
   the best |Spearman| per factor and the codes' correlation, for PCA,
   FastICA, VAE, beta-VAE and DIP-VAE-I/II.

``--sets`` limits the graph and contrastive sections to the named sets; ``--losses``, ``--seed`` and
``--simclrv2`` set the contrastive section's losses, seed and SimCLRv2 rows (``--losses --simclrv2``: those only).
``--only`` runs the named sections (reduction, aloi, contrastive, whitening, graph, disentanglement).
"""

import argparse
import time

import numpy as np
from _common import load_shared, machine_line, print_table, warm_up_umap
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_unsup.decomposition import Whitening
from sklearn_unsup.manifold import TLDR, ContrastiveEncoder, GraphAutoEncoder, GraphContrastiveEncoder
from sklearn_unsup.metrics import cluster_accuracy


def knn_acc(Z, y):
    return float(cross_val_score(KNeighborsClassifier(10), Z, y, cv=5).mean())


REDUCTION_SETS = [("mnist5k", "cluster/mnist5k.npz", 255.0),
                  ("optdigits_train", "cluster/optdigits_train.npz", 16.0),
                  ("stackoverflow_minilm", "cluster/stackoverflow_minilm.npz", 1.0)]
# reduction section only, with --sets: the other sets of shared/data with more than 32 features
EXTRA_REDUCTION_SETS = [("digits", "load_digits", 16.0), ("mnist1d", "cluster/mnist1d.npz", "standardise")]


def reduction_rows(quick, sets=None, seed=0):
    import umap

    return _embedding_rows(quick, sets=sets, methods=[
        ("PCA(32)", lambda: PCA(32, random_state=seed)),
        ("TLDR(32, encoder='linear')", lambda: TLDR(32, encoder="linear", random_state=seed)),
        ("TLDR(32, mlp on PCA(32))", lambda: TLDR(32, encoder="mlp", input_pca_components=32, random_state=seed)),
        ("TLDR(32) default (encoder='auto')", lambda: TLDR(32, random_state=seed)),
        ("UMAP(32)", lambda: umap.UMAP(n_components=32, random_state=seed))])


def graph_rows(quick, sets=None, keep=None, grace_epochs=None):
    import umap

    grace = {} if grace_epochs is None else {"max_epochs": grace_epochs}
    methods = [
        ("PCA(16)", lambda: PCA(16, random_state=0)),
        ("TLDR(16)", lambda: TLDR(16, encoder="linear", random_state=0)),
        ("UMAP(16)", lambda: umap.UMAP(n_components=16, random_state=0)),
        ("GraphAutoEncoder(16) (VGAE)", lambda: GraphAutoEncoder(16, random_state=0)),
        ("GraphAutoEncoder(16, variational=False) (GAE)",
         lambda: GraphAutoEncoder(16, variational=False, random_state=0)),
        (f"GraphContrastiveEncoder(16{''.join(f', {k}={v}' for k, v in grace.items())}) (GRACE)",
         lambda: GraphContrastiveEncoder(16, random_state=0, **grace))]
    if keep:  # labels containing one of the given words (a set's methods split over runs)
        methods = [m for m in methods if any(w in m[0] for w in keep)]
    return _embedding_rows(quick, sets=sets, methods=methods)


def _embedding_rows(quick, methods, sets=None):
    rows = []
    for name, path, scale in REDUCTION_SETS + (EXTRA_REDUCTION_SETS if sets else []):
        if sets and name not in sets:
            continue
        if path == "load_digits":
            from sklearn.datasets import load_digits

            X, y = load_digits(return_X_y=True)
        else:
            X, y = load_shared(path)
        X = X.astype(np.float64)
        X = StandardScaler().fit_transform(X) if scale == "standardise" else X / scale
        if quick:
            X, y = X[:1500], y[:1500]
        # trustworthiness holds an n x n distance matrix: a fixed 5,000-row sample above that
        trust_rows = np.random.RandomState(0).choice(len(X), min(len(X), 5000), replace=False)
        for label, make in [("input space", None), *methods]:
            est = None if make is None else make()
            t = time.perf_counter()
            Z = X if est is None else est.fit_transform(X)
            secs = time.perf_counter() - t
            if getattr(est, "encoder_scores_", None):  # TLDR's encoder="auto": its choice and criterion
                label = f"{label}: {est.encoder_} ({', '.join(f'{k} {v:.3f}' for k, v in est.encoder_scores_.items())})"
            rows.append({"data": name, "method": label, "10-NN acc": knn_acc(Z, y),
                         "trustworthiness": (float(trustworthiness(X[trust_rows], Z[trust_rows], n_neighbors=5))
                                             if make else 1.0),
                         "fit s": secs})
    return rows


def aloi_rows(quick):
    import umap

    X, _ = load_shared("large/ALOI.npz")
    X = StandardScaler().fit_transform(X.astype(np.float64))
    if quick:
        X = X[:6000]
    n_fit = int(0.8 * len(X))
    Xtr, Xnew = X[:n_fit], X[n_fit:]
    rows = []
    for label, est in [("TLDR(16)", TLDR(16, encoder="linear", random_state=0)),
                       ("UMAP(16)", umap.UMAP(n_components=16, random_state=0))]:
        t = time.perf_counter()
        est.fit(Xtr)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        est.transform(Xnew)
        tr_s = time.perf_counter() - t
        rows.append({"method": label, "fit rows": len(Xtr), "fit s": fit_s, "new rows": len(Xnew),
                     "transform s": tr_s})
    return rows


CONTRASTIVE_SETS = [("mnist5k", "cluster/mnist5k.npz", 255.0), ("optdigits_train", "cluster/optdigits_train.npz", 16.0),
                    ("wine", "cluster/wine.npz", None), ("ecoli", "cluster/ecoli.npz", None)]
CONTRASTIVE_LOSSES = ("barlow_twins", "vicreg", "simclr", "moco", "npid")


def contrastive_rows(quick, sets=None, losses=CONTRASTIVE_LOSSES, small_batch=("simclr", "moco"), seed=0,
                     simclrv2=False):
    """KMeans ACC (mean of 3 KMeans seeds) and 10-NN accuracy of 16-d codes; every loss at batch 256, the losses
    of ``small_batch`` also at batch 64 (MoCo's claim: its queue makes it robust to small batches). ``simclrv2``
    adds SimCLR with SimCLRv2's 3-layer projector, represented by the encoder (layer 0) or the first projector
    layer (layer 1)."""
    rows = []
    for name, path, scale in CONTRASTIVE_SETS:
        if sets and name not in sets:
            continue
        X, y = load_shared(path)
        X = X.astype(np.float64)
        X = X / scale if scale else StandardScaler().fit_transform(X)
        if quick:
            X, y = X[:1500], y[:1500]
        k = len(np.unique(y))

        def acc(Z, y=y, k=k):
            return np.mean([cluster_accuracy(y, KMeans(k, n_init=10, random_state=s).fit_predict(Z))
                            for s in range(3)])

        data = f"{name} {X.shape[0]}x{X.shape[1]}"
        n_pca = min(16, X.shape[1])
        runs = [("input space", "-", None), (f"PCA({n_pca})", "-", lambda n_pca=n_pca: PCA(n_pca, random_state=seed))]
        for loss in losses:
            for batch in (256, 64) if loss in small_batch else (256,):
                runs.append((f"ContrastiveEncoder(16, loss={loss!r})", batch,
                             lambda loss=loss, batch=batch: ContrastiveEncoder(
                                 16, loss=loss, batch_size=batch, max_epochs=50, random_state=seed)))
        for layer in (0, 1) if simclrv2 else ():
            runs.append((f"ContrastiveEncoder(16, loss='simclr', projector_dims=(256,) * 3, transform_layer={layer})",
                         256, lambda layer=layer: ContrastiveEncoder(16, loss="simclr", projector_dims=(256, 256, 256),
                                                                     transform_layer=layer, max_epochs=50,
                                                                     random_state=seed)))
        for label, batch, make in runs:
            t = time.perf_counter()
            Z = X if make is None else make().fit_transform(X)
            secs = time.perf_counter() - t
            rows.append({"data": data, "method": label, "batch": batch, "seed": seed, "KMeans ACC": acc(Z),
                         "10-NN acc": knn_acc(Z, y), "fit s": secs})
            print(rows[-1], flush=True)
    return rows


def whitening_rows():
    X, y = load_shared("anomaly/embeddings/BERT_20news_3.npz")
    X = X.astype(np.float64)

    def precision_at_10(E):
        E = E / np.linalg.norm(E, axis=1, keepdims=True)
        S = E @ E.T
        np.fill_diagonal(S, -np.inf)
        nn = np.argsort(-S, axis=1)[:, :10]
        return float(np.mean(y[nn] == y[:, None]))

    def minority_precision(E):  # the 30 rows of the small class: how many of their neighbours share it
        E = E / np.linalg.norm(E, axis=1, keepdims=True)
        S = E @ E.T
        np.fill_diagonal(S, -np.inf)
        nn = np.argsort(-S, axis=1)[:, :10]
        return float(np.mean(y[nn][y == 1] == 1))

    rows = [{"embedding": "raw BERT (768-d)", "precision@10": precision_at_10(X),
             "minority-class precision@10": minority_precision(X)}]
    for k in (None, 256, 64):
        Z = Whitening(n_components=k).fit_transform(X)
        rows.append({"embedding": f"Whitening(n_components={k})", "precision@10": precision_at_10(Z),
                     "minority-class precision@10": minority_precision(Z)})
    return rows


def factor_table(seed, n_rows=6000, n_factors=5, n_features=30):
    """Independent factors z ~ U(-1, 1)^5 through a fixed random 2-layer tanh MLP to 30 features, plus noise."""
    rng = np.random.RandomState(seed)
    Z = rng.uniform(-1.0, 1.0, size=(n_rows, n_factors))
    W1, W2 = rng.normal(size=(n_factors, 64)), rng.normal(size=(64, n_features)) / 8.0
    X = np.tanh(Z @ W1) @ W2 + 0.05 * rng.normal(size=(n_rows, n_features))
    return StandardScaler().fit_transform(X), Z


def mutual_information_gap(codes, factors, n_bins=20):
    """MIG (Chen et al. 2018) on equal-width bins: per factor, the gap between the two codes most informative
    about it, over the factor's entropy; averaged over factors."""
    from sklearn.metrics import mutual_info_score

    def binned(v):
        return np.digitize(v, np.histogram_bin_edges(v, n_bins)[1:-1])

    codes_b = [binned(c) for c in codes.T]
    gaps = []
    for f in factors.T:
        fb = binned(f)
        mi = np.sort([mutual_info_score(fb, c) for c in codes_b])[::-1]
        gaps.append((mi[0] - mi[1]) / mutual_info_score(fb, fb))
    return float(np.mean(gaps))


def disentanglement_rows(quick):
    from scipy.stats import spearmanr
    from sklearn.decomposition import FastICA

    from sklearn_unsup.decomposition import VAE

    epochs = 10 if quick else 60
    methods = {
        "PCA(5)": lambda s: PCA(5, random_state=s),
        "FastICA(5)": lambda s: FastICA(5, random_state=s, max_iter=1000),
        "VAE(5)": lambda s: VAE(5, max_epochs=epochs, random_state=s),
        "beta-VAE(5, beta=4)": lambda s: VAE(5, beta=4.0, max_epochs=epochs, random_state=s),
        "DIP-VAE-I(5)": lambda s: VAE(5, regularizer="dip-i", max_epochs=epochs, random_state=s),
        "DIP-VAE-II(5)": lambda s: VAE(5, regularizer="dip-ii", max_epochs=epochs, random_state=s),
    }
    rows = []
    for name, make in methods.items():
        mig, spearman, offdiag, rec, secs = [], [], [], [], []
        for seed in range(1 if quick else 3):
            X, Z = factor_table(seed)
            start = time.perf_counter()
            model = make(seed).fit(X)
            secs.append(time.perf_counter() - start)
            codes = model.transform(X)
            mig.append(mutual_information_gap(codes, Z))
            rho = np.abs(spearmanr(codes, Z).statistic[:5, 5:])
            spearman.append(float(rho.max(axis=0).mean()))
            corr = np.corrcoef(codes.T)
            offdiag.append(float(np.abs(corr[~np.eye(5, dtype=bool)]).mean()))
            rec.append(float(np.mean((model.inverse_transform(codes) - X) ** 2)))
        rows.append({"method": name, "MIG": np.mean(mig), "mean max |Spearman|": np.mean(spearman),
                     "mean |corr| between codes": np.mean(offdiag), "reconstruction MSE": np.mean(rec),
                     "fit s": np.mean(secs)})
    return rows


SECTIONS = ("reduction", "aloi", "contrastive", "whitening", "graph", "disentanglement")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--sets", nargs="+",
                        choices=sorted({s[0] for s in REDUCTION_SETS + EXTRA_REDUCTION_SETS + CONTRASTIVE_SETS}),
                        help="reduction, graph and contrastive sections: only these sets (one set per run on a shared "
                             "machine; digits and mnist1d: reduction only)")
    parser.add_argument("--losses", nargs="*", choices=CONTRASTIVE_LOSSES, help="contrastive section: only these")
    parser.add_argument("--simclrv2", action="store_true",
                        help="contrastive section: add SimCLR with a 3-layer projector, transform_layer 0 and 1")
    parser.add_argument("--seed", type=int, default=0,
                        help="reduction and contrastive sections: random_state of the reducers / encoders")
    parser.add_argument("--methods", nargs="+", help="graph section: only methods whose label contains one of these")
    parser.add_argument("--grace-epochs", type=int, help="graph section: GRACE's max_epochs (default: its own)")
    args = parser.parse_args()
    print(f"# Representation learning; {machine_line()}\n")
    if {"reduction", "aloi", "graph"} & set(args.only):  # the sections with timed UMAP rows
        warm_up_umap()
    if "reduction" in args.only:
        print("## 10-NN accuracy (5-fold) and trustworthiness in the reduced space\n")
        print_table(reduction_rows(args.quick, args.sets, args.seed),
                    ["data", "method", "10-NN acc", "trustworthiness", "fit s"])
    if "aloi" in args.only:
        print("\n## ALOI (standardised): fit on 80% of the rows, transform the other 20%\n")
        print_table(aloi_rows(args.quick), ["method", "fit rows", "fit s", "new rows", "transform s"])
    if "contrastive" in args.only:
        print("\n## ContrastiveEncoder(16, scarf views, 50 epochs): KMeans ACC (mean of 3 KMeans seeds), "
              "10-NN accuracy (5-fold)\n")
        cr = contrastive_rows(args.quick, args.sets, CONTRASTIVE_LOSSES if args.losses is None else args.losses,
                              seed=args.seed, simclrv2=args.simclrv2)
        print_table(cr, list(cr[0].keys()))
    if "whitening" in args.only:
        print("\n## Whitening: cosine 10-NN retrieval on BERT 20news embeddings (label = group 3 or not)\n")
        print_table(whitening_rows(), ["embedding", "precision@10", "minority-class precision@10"])
    if "graph" in args.only:
        print("\n## Graph autoencoders on the kNN graph (16-d codes, defaults): 10-NN accuracy (5-fold) and "
              "trustworthiness\n")
        print_table(graph_rows(args.quick, args.sets, args.methods, args.grace_epochs),
                    ["data", "method", "10-NN acc", "trustworthiness", "fit s"])
    if "disentanglement" in args.only:
        print("\n## Disentanglement: 5 independent factors through a random MLP to 30 features (6,000 rows, "
              "standardised), 5-d codes, mean of 3 seeds\n")
        print_table(disentanglement_rows(args.quick), ["method", "MIG", "mean max |Spearman|",
                                                        "mean |corr| between codes", "reconstruction MSE", "fit s"])


if __name__ == "__main__":
    main()
