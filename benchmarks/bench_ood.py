"""OOD scorers on the class-split protocol, against scikit-learn peers in the same run.

    python benchmarks/bench_ood.py

Protocol (../shared/data/README.md): on a cluster/ data set, classes 0-5 are
in-distribution and 6-9 out-of-distribution; stratified 70/30 split of the
in-distribution rows (seeds 0..2); fit on the training part, score the
held-out in-distribution rows and all OOD rows; AUROC (ID = positive, score =
``score_samples``) and FPR at 95% TPR. Peers: LocalOutlierFactor(novelty=True),
IsolationForest, EllipticEnvelope-free Gaussian (MahalanobisScorer without y).
"""

import time

import numpy as np
from _common import load_shared, machine_line, print_table
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor

from sklearn_unsup.metrics import fpr_at_tpr
from sklearn_unsup.ood import KNNScorer, MahalanobisScorer

METHODS = {
    "KNNScorer(k=50)": (lambda: KNNScorer(50), False),
    "MahalanobisScorer (with y)": (lambda: MahalanobisScorer(), True),
    "MahalanobisScorer relative (with y)": (lambda: MahalanobisScorer(relative=True), True),
    "MahalanobisScorer one-class (no y)": (lambda: MahalanobisScorer(), False),
    "LocalOutlierFactor(novelty=True)": (lambda: LocalOutlierFactor(novelty=True), False),
    "IsolationForest": (lambda: IsolationForest(random_state=0), False),
}


def datasets():
    X, y = load_digits(return_X_y=True)
    yield "digits /16", X / 16.0, y
    for name, path, scale in [("optdigits_train /16", "cluster/optdigits_train.npz", 16.0),
                              ("mnist5k /255", "cluster/mnist5k.npz", 255.0),
                              ("mnist1d", "cluster/mnist1d.npz", 1.0)]:
        try:
            X, y = load_shared(path)
        except FileNotFoundError:
            continue
        yield name, X.astype(np.float64) / scale, y


def main():
    print(f"# OOD scorers, classes 0-5 in-distribution, 6-9 OOD; {machine_line()}\n")
    rows = []
    for name, X, y in datasets():
        ind, ood = y <= 5, (y >= 6) & (y <= 9)
        for method, (make, use_y) in METHODS.items():
            aucs, fprs, t = [], [], 0.0
            for seed in range(3):
                Xtr, Xte, ytr, _ = train_test_split(X[ind], y[ind], test_size=0.3, stratify=y[ind],
                                                    random_state=seed)
                start = time.perf_counter()
                est = make().fit(Xtr, ytr) if use_y else make().fit(Xtr)
                s = np.r_[est.score_samples(Xte), est.score_samples(X[ood])]
                t += time.perf_counter() - start
                lab = np.r_[np.ones(len(Xte)), np.zeros(int(ood.sum()))]
                aucs.append(roc_auc_score(lab, s))
                fprs.append(fpr_at_tpr(lab, s))
            rows.append({"data": name, "method": method, "AUROC": float(np.mean(aucs)),
                         "FPR@95TPR": float(np.mean(fprs)), "seconds (3 splits)": t})
    print_table(rows, ["data", "method", "AUROC", "FPR@95TPR", "seconds (3 splits)"])


if __name__ == "__main__":
    main()
