"""OOD detectors against pytorch-ood and scikit-learn peers, measured in the same run.

    python benchmarks/bench_ood.py                      # everything
    python benchmarks/bench_ood.py --part class --data digits --methods ViM,Energy

Part ``class`` (../shared/data/README.md protocol): on a cluster/ data set,
classes 0-5 are in-distribution and 6-9 out-of-distribution; stratified 70/30
split of the in-distribution rows (seeds 0..2); fit on the training part,
score the held-out in-distribution rows and all OOD rows; AUROC (ID =
positive, score = ``score_samples``) and FPR at 95% TPR, mean over the splits.
The classifier-based detectors read one LogisticRegression fitted per split on
the training features (shared, wrapped in FrozenEstimator; its fit time is
not counted for anyone). mnist5k is also scored on PCA(50) codes fitted on the
training split.

Part ``novelty``: ``anomaly/embeddings`` (ResNet-18 / BERT features), fit on
the training rows with y == 0, score the test rows; no classes, so only the
unsupervised detectors run.

pytorch-ood (0.4.0) rows use the same features and the same linear layer. Its
package ``__init__`` imports its image datasets and models, which need
torchvision; no torchvision imports next to this CPU torch build, so the
benchmark loads only ``pytorch_ood.detector`` from a side install made with::

    pip install --no-deps --target /tmp/pood pytorch-ood==0.4.0
    POOD_PATH=/tmp/pood python benchmarks/bench_ood.py

Without it those rows are skipped (said in the output).
"""

import argparse
import os
import sys
import time
import types

import numpy as np
from _common import load_shared, machine_line, print_table
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors

from sklearn_unsup.metrics import fpr_at_tpr
from sklearn_unsup.ood import (
    EnergyDetector,
    HierarchicalVAEDetector,
    InvariantsDetector,
    KNNDetector,
    MahalanobisDetector,
    MaxLogitDetector,
    MSPDetector,
    ScoreMatchingDetector,
    ViMDetector,
)
from sklearn_unsup.outlier import FlowOutlierDetector, VAEOutlierDetector


def load_pytorch_ood():
    try:
        import pytorch_ood.detector as det  # noqa: F401

        return det
    except Exception:  # noqa: BLE001 - torchvision missing or broken: try the side install
        pass
    path = os.environ.get("POOD_PATH")
    if not path or not os.path.isdir(os.path.join(path, "pytorch_ood")):
        return None
    pkg = types.ModuleType("pytorch_ood")
    pkg.__path__ = [os.path.join(path, "pytorch_ood")]
    sys.modules["pytorch_ood"] = pkg
    import pytorch_ood.detector as det

    return det


class KthNeighborDistance:
    """Peer: minus the distance to the k-th nearest training row (raw features, scikit-learn)."""

    def __init__(self, k=5):
        self.k = k

    def fit(self, X, y=None):
        self.nn_ = NearestNeighbors(n_neighbors=self.k).fit(X)
        return self

    def score_samples(self, X):
        return -self.nn_.kneighbors(X)[0][:, -1]


def ours_supervised(clf):
    frozen = FrozenEstimator(clf)
    return {
        "MSPDetector": lambda: MSPDetector(frozen),
        "EnergyDetector": lambda: EnergyDetector(frozen),
        "MaxLogitDetector": lambda: MaxLogitDetector(frozen),
        "ViMDetector": lambda: ViMDetector(frozen),
        "MahalanobisDetector": lambda: MahalanobisDetector(),
        "MahalanobisDetector(relative)": lambda: MahalanobisDetector(relative=True),
    }


UNSUPERVISED = {
    "KNNDetector(k=50)": lambda: KNNDetector(50),
    "MahalanobisDetector(one-class)": lambda: MahalanobisDetector(),
    "ScoreMatchingDetector": lambda: ScoreMatchingDetector(random_state=0),
    "InvariantsDetector": lambda: InvariantsDetector(random_state=0),
    # Havtorn et al.: -LLR^{>k} (k = 1, 2) and the same network's ELBO (k = 0), against the one-level VAE's
    # importance-weighted bound and the flow's exact likelihood
    "HierarchicalVAEDetector(-LLR>1)": lambda: HierarchicalVAEDetector(n_skip=1, random_state=0),
    "HierarchicalVAEDetector(-LLR>2)": lambda: HierarchicalVAEDetector(n_skip=2, random_state=0),
    # L^{>k} with every KL of the ELBO's pass, as the authors' ood-llr.py computes it: the ratio is rec - rec_k
    "HierarchicalVAEDetector(-LLR>1, authors' KL terms)": lambda: HierarchicalVAEDetector(
        n_skip=1, lk_kl_terms="all", random_state=0),
    "HierarchicalVAEDetector(-LLR>2, authors' KL terms)": lambda: HierarchicalVAEDetector(
        n_skip=2, lk_kl_terms="all", random_state=0),
    "HierarchicalVAEDetector(ELBO, k=0)": lambda: HierarchicalVAEDetector(n_skip=0, random_state=0),
    "HierarchicalVAEDetector(-LLR>1, unscaled)": lambda: HierarchicalVAEDetector(n_skip=1, standardize=False,
                                                                                 random_state=0),
    "HierarchicalVAEDetector(ELBO, k=0, unscaled)": lambda: HierarchicalVAEDetector(n_skip=0, standardize=False,
                                                                                   random_state=0),
    "VAEOutlierDetector(IW bound)": lambda: VAEOutlierDetector(random_state=0),
    "FlowOutlierDetector": lambda: FlowOutlierDetector(random_state=0),
    "LocalOutlierFactor(novelty)": lambda: LocalOutlierFactor(novelty=True),
    "IsolationForest": lambda: IsolationForest(random_state=0),
    "kNN distance (k=5, raw)": lambda: KthNeighborDistance(5),
}


class PoodDetector:
    """Wrap a pytorch-ood detector into fit/score_samples (its outlier score negated)."""

    def __init__(self, make, logits=False):
        self.make, self.logits = make, logits

    def fit(self, X, y):
        import torch

        self.det_ = self.make()
        if hasattr(self.det_, "fit_features") and not self.logits:
            self.det_.fit_features(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y))
        return self

    def score_samples(self, X):
        import torch

        with torch.no_grad():
            x = torch.as_tensor(X, dtype=torch.float32)
            out = self.det_.predict(x) if self.logits else self.det_.predict_features(x)
        return -out.double().numpy()


def pood_supervised(det, clf, n_features):
    import torch

    lin = torch.nn.Linear(n_features, len(clf.classes_))
    with torch.no_grad():
        lin.weight.copy_(torch.as_tensor(clf.coef_, dtype=torch.float32))
        lin.bias.copy_(torch.as_tensor(clf.intercept_, dtype=torch.float32))
    w, b = lin.weight.detach(), lin.bias.detach()
    d = n_features // 2
    return {
        "pytorch-ood MaxSoftmax": lambda: PoodDetector(lambda: det.MaxSoftmax(lin), logits=True),
        "pytorch-ood EnergyBased": lambda: PoodDetector(lambda: det.EnergyBased(lin), logits=True),
        "pytorch-ood MaxLogit": lambda: PoodDetector(lambda: det.MaxLogit(lin), logits=True),
        "pytorch-ood ViM": lambda: PoodDetector(lambda: det.ViM(None, d=d, w=w, b=b)),
        "pytorch-ood Mahalanobis": lambda: PoodDetector(lambda: det.Mahalanobis(None)),
        "pytorch-ood RMD": lambda: PoodDetector(lambda: det.RMD(None)),
        "pytorch-ood KNN(k=50)": lambda: PoodDetector(lambda: det.KNN(None, k=50)),
    }


def class_datasets(names):
    X, y = load_digits(return_X_y=True)
    sets = [("digits /16", lambda: (X / 16.0, y), None)]
    for name, path, scale, pca in [("optdigits_train /16", "cluster/optdigits_train.npz", 16.0, None),
                                   ("mnist5k /255", "cluster/mnist5k.npz", 255.0, None),
                                   ("mnist5k PCA-50", "cluster/mnist5k.npz", 255.0, 50),
                                   ("mnist1d", "cluster/mnist1d.npz", 1.0, None)]:
        sets.append((name, (lambda p=path, s=scale: _load(p, s)), pca))
    for name, load, pca in sets:
        if names and not any(n in name for n in names):
            continue
        try:
            X, y = load()
        except FileNotFoundError:
            print(f"(skipped {name}: ../shared/data not found)")
            continue
        yield name, X, y, pca


def _load(path, scale):
    X, y = load_shared(path)
    return X.astype(np.float64) / scale, y


def _evaluate(make, Xtr, ytr, Xev, lab):
    est = make()
    start = time.perf_counter()
    est.fit(Xtr, ytr) if ytr is not None else est.fit(Xtr)
    s = est.score_samples(Xev)
    return roc_auc_score(lab, s), fpr_at_tpr(lab, s), time.perf_counter() - start


def _keep(method, methods):
    return not methods or any(m.lower() in method.lower() for m in methods)


def run_class(args, det):
    rows = []
    for name, X, y, pca in class_datasets(args.data):
        ind, ood = y <= 5, (y >= 6) & (y <= 9)
        res = {}
        for seed in range(args.seeds):
            Xtr, Xte, ytr, _ = train_test_split(X[ind], y[ind], test_size=0.3, stratify=y[ind], random_state=seed)
            Xev = np.r_[Xte, X[ood]]
            if pca:
                p = PCA(pca, random_state=0).fit(Xtr)
                Xtr, Xev = p.transform(Xtr), p.transform(Xev)
            lab = np.r_[np.ones(len(Xte)), np.zeros(int(ood.sum()))]
            clf = LogisticRegression(max_iter=2000).fit(Xtr, ytr)
            methods = {k: (v, ytr) for k, v in ours_supervised(clf).items()}
            if det is not None:
                methods.update({k: (v, ytr) for k, v in pood_supervised(det, clf, Xtr.shape[1]).items()})
            methods.update({k: (v, None) for k, v in UNSUPERVISED.items()})
            for method, (make, labels) in methods.items():
                if _keep(method, args.methods):
                    res.setdefault(method, []).append(_evaluate(make, Xtr, labels, Xev, lab))
        for method, vals in res.items():
            a = np.array(vals)
            rows.append({"data": name, "method": method, "AUROC": float(a[:, 0].mean()),
                         "FPR@95TPR": float(a[:, 1].mean()), f"seconds ({args.seeds} splits)": float(a[:, 2].sum())})
    print("\n## Class split: classes 0-5 in-distribution, 6-9 OOD\n")
    print_table(rows, ["data", "method", "AUROC", "FPR@95TPR", f"seconds ({args.seeds} splits)"])
    return rows


def run_novelty(args):
    from _common import SHARED_DATA

    rows = []
    files = sorted((SHARED_DATA / "anomaly" / "embeddings").glob("*.npz"))
    for path in files:
        name = path.stem
        if args.data and not any(n in name for n in args.data):
            continue
        X, y = load_shared(f"anomaly/embeddings/{path.name}")
        X = X.astype(np.float64)
        res = {}
        for seed in range(args.seeds):
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            Xtr = Xtr[ytr == 0]
            lab = (yte == 0).astype(int)
            for method, make in UNSUPERVISED.items():
                if _keep(method, args.methods):
                    res.setdefault(method, []).append(_evaluate(make, Xtr, None, Xte, lab))
        for method, vals in res.items():
            a = np.array(vals)
            rows.append({"data": name, "method": method, "AUROC": float(a[:, 0].mean()),
                         "FPR@95TPR": float(a[:, 1].mean()), f"seconds ({args.seeds} splits)": float(a[:, 2].sum())})
    print("\n## Novelty on ADBench embeddings (fit on normal training rows)\n")
    print_table(rows, ["data", "method", "AUROC", "FPR@95TPR", f"seconds ({args.seeds} splits)"])
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", default="class,novelty")
    parser.add_argument("--data", default="")
    parser.add_argument("--methods", default="")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    args.data = [d for d in args.data.split(",") if d]
    args.methods = [m for m in args.methods.split(",") if m]
    det = load_pytorch_ood()
    warm = np.random.default_rng(0).random((20, 4))
    KNNDetector(3).fit(warm).score_samples(warm)  # compile the numba kernel untimed
    print(f"# OOD detectors; {machine_line()}")
    print("pytorch-ood: " + ("loaded (detector modules only)" if det is not None else
                             "not available (see the module docstring); its rows are skipped"))
    if "class" in args.part:
        run_class(args, det)
    if "novelty" in args.part:
        run_novelty(args)


if __name__ == "__main__":
    main()
