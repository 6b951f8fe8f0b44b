"""Fit time and peak memory against the number of rows, with the fitted growth exponent.

    python benchmarks/bench_scaling.py [--sizes 10000 100000 1000000] [--methods a,b] [--quick] [--dim 32]

Every (method, data, n) runs in a fresh Python process, so each peak memory is
its own: ``peak MB`` is the process's peak resident memory above what it held
after its imports (the data are included: that is what a user needs). Data:
``synthetic`` (10 Gaussian blobs in 32 dimensions, ``--dim`` to change, float32, generated block by
block from a seed) at every size, and ALOI (``../shared/data/large``,
49,534 x 27) at 10,000 rows and in full. The exponent b is the slope of
log(time) against log(n) over the sizes measured (1 = linear, 2 = quadratic).
Each process first runs its method once on 2,000 rows, so numba compilation and
first-call costs are not in the figures.

Methods: the k-means kernels (Lloyd, mini-batch; scikit-learn's KMeans and
MiniBatchKMeans in the same run), BalancedKMeans.partial_fit over 10k-row
blocks, exact kNN kernel against the approximate searches (k=10, recall@10 on
1,000 query rows against the exact kernel): ``mine_neighbors`` with NN-descent
(pynndescent defaults) and with the IVF index (``knn_ivf``: target recall
0.96), and as peers in the same run pynndescent with ``n_neighbors=30``
(truncated to 10), hnswlib (M=16, ef_construction=100, ef=50) and faiss-cpu's
IndexIVFFlat (sqrt(n) lists trained on 50 rows per list, nprobe = nlist / 16),
all on 2 threads; hnswlib and faiss-cpu are not dependencies (rows marked
failed when not installed). TLDR and SCAN (2 epochs; neighbour mining ``auto``: exact up to
200k rows, IVF above), AutoEncoderOutlierDetector (2 epochs) in memory,
and an AutoEncoder trained by ``dask_ml.wrappers.Incremental`` on a dask array
of 10k-row blocks that is never materialised.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BLOCK = 10_000
DIM = 32

METHODS = {
    # name: (max rows, family)
    "kmeans_lloyd": (None, "kernel"),
    "sklearn_kmeans": (None, "peer"),
    "minibatch_kmeans": (None, "kernel"),
    "sklearn_minibatch_kmeans": (None, "peer"),
    "balanced_kmeans_partial_fit": (None, "estimator"),
    "knn_exact": (100_000, "kernel"),
    "knn_nndescent": (None, "kernel"),
    "knn_ivf": (None, "kernel"),
    "knn_nndescent30": (None, "peer"),
    "knn_hnswlib": (None, "peer"),
    "knn_faiss_ivf": (None, "peer"),
    "tldr": (None, "estimator"),
    "scan": (None, "estimator"),
    "ae_detector": (None, "estimator"),
    "ae_dask_incremental": (None, "estimator"),
}


# ----------------------------------------------------------------------------- worker side
def _rss_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM (peak RSS) on Linux
        return True
    except OSError:
        return False


def synthetic_block(i, n_rows):
    rng = np.random.RandomState(1000 + i)
    centers = np.random.RandomState(0).normal(scale=4.0, size=(10, DIM))
    labels = rng.randint(0, 10, n_rows)
    return (centers[labels] + rng.normal(size=(n_rows, DIM))).astype(np.float32)


def synthetic(n):
    return np.concatenate([synthetic_block(i, min(BLOCK, n - s)) for i, s in enumerate(range(0, n, BLOCK))])


def load(data, n):
    if data == "synthetic":
        return synthetic(n)
    sys.path.insert(0, str(HERE))
    from _common import load_shared
    from sklearn.preprocessing import StandardScaler

    X, _ = load_shared("large/ALOI.npz")
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X[np.random.RandomState(0).permutation(len(X))[:n]] if n < len(X) else X


def _drop_self(ind, k=10):
    rows = np.arange(len(ind))[:, None]
    keep = ind != rows
    keep[keep.all(axis=1), -1] = False
    return ind[keep].reshape(len(ind), -1)[:, :k]


def _knn_method(method, X):
    """Each row's 10 nearest other rows by one of the searches (peers set to 2 threads)."""
    n, d = X.shape
    if method in ("knn_exact", "knn_nndescent", "knn_ivf"):
        from sklearn_unsup.neighbors import mine_neighbors

        return mine_neighbors(X, 10, algorithm=method.split("_")[1], random_state=0)
    if method == "knn_nndescent30":
        from pynndescent import NNDescent

        return _drop_self(NNDescent(X, n_neighbors=30, random_state=0, low_memory=True).neighbor_graph[0])
    if method == "knn_hnswlib":
        import hnswlib

        index = hnswlib.Index(space="l2", dim=d)
        index.init_index(max_elements=n, ef_construction=100, M=16, random_seed=0)
        index.set_num_threads(2)
        index.add_items(X, np.arange(n))
        index.set_ef(50)
        return _drop_self(index.knn_query(X, k=11)[0].astype(np.int64))
    if method == "knn_faiss_ivf":
        import faiss

        faiss.omp_set_num_threads(2)
        nlist = int(round(np.sqrt(n)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, nlist)
        index.cp.seed = 0
        sample = np.random.RandomState(0).choice(n, min(n, 50 * nlist), replace=False)
        index.train(X[sample])
        index.add(X)
        index.nprobe = max(1, nlist // 16)
        return _drop_self(index.search(X, 11)[1])
    raise ValueError(method)


def run_method(method, data, n):
    """Returns (seconds, info dict). Data generation is outside the timing, inside the memory."""
    from sklearn_unsup._kernels import kmeans_plusplus, knn_search, lloyd
    from sklearn_unsup._kernels._minibatch_kmeans import minibatch_kmeans

    info = {}
    if method == "ae_dask_incremental":
        import dask
        import dask.array as da
        from dask_ml.wrappers import Incremental

        from sklearn_unsup.decomposition import AutoEncoder

        if data != "synthetic":
            raise ValueError("ae_dask_incremental runs on the synthetic generator only")
        blocks = [da.from_delayed(dask.delayed(synthetic_block)(i, min(BLOCK, n - s)),
                                  shape=(min(BLOCK, n - s), DIM), dtype=np.float32)
                  for i, s in enumerate(range(0, n, BLOCK))]
        Xd = da.concatenate(blocks)
        est = Incremental(AutoEncoder(8, hidden_dims=(64,), batch_size=256, random_state=0), shuffle_blocks=False)
        t = time.perf_counter()
        with dask.config.set(scheduler="synchronous"):
            est.fit(Xd)
        return time.perf_counter() - t, {"blocks": int(est.estimator_.n_iter_)}
    X = load(data, n)
    rng = np.random.RandomState(0)
    t = time.perf_counter()
    if method in ("kmeans_lloyd", "minibatch_kmeans"):
        init, _ = kmeans_plusplus(X, 10, rng)
        if method == "kmeans_lloyd":
            _, _, inertia, _ = lloyd(X, init, max_iter=20, tol=0)
        else:
            _, _, inertia, _ = minibatch_kmeans(X, init, rng, batch_size=1024, max_steps=2 * n // 1024 + 1)
        info["inertia/n"] = inertia / n
    elif method == "sklearn_kmeans":
        from sklearn.cluster import KMeans

        info["inertia/n"] = KMeans(10, n_init=1, max_iter=20, tol=0, algorithm="lloyd",
                                   random_state=0).fit(X).inertia_ / n
    elif method == "sklearn_minibatch_kmeans":
        from sklearn.cluster import MiniBatchKMeans

        km = MiniBatchKMeans(10, batch_size=1024, max_iter=2, n_init=1, max_no_improvement=None, tol=0,
                             random_state=0).fit(X)
        info["inertia/n"] = km.inertia_ / n
    elif method == "balanced_kmeans_partial_fit":
        from sklearn_unsup.cluster import BalancedKMeans

        km = BalancedKMeans(10, random_state=0)
        for s in range(0, n, BLOCK):
            km.partial_fit(X[s:s + BLOCK])
        info["inertia/n"] = float(((X - km.cluster_centers_[km.predict(X)]) ** 2).sum()) / n
    elif method.startswith("knn_"):
        ind = _knn_method(method, X)
        elapsed = time.perf_counter() - t
        q = rng.choice(n, min(1000, n), replace=False)
        truth = knn_search(X, 11, query=X[q])[1]
        recall = np.mean([len(set(ind[i]) & set(tr[tr != i][:10])) / 10 for i, tr in zip(q, truth)])
        return elapsed, {"recall@10": float(recall)}
    elif method == "tldr":
        from sklearn_unsup.manifold import TLDR

        TLDR(16, n_neighbors=5, encoder="linear", max_epochs=2, random_state=0).fit(X)
    elif method == "scan":
        from sklearn_unsup.cluster import SCAN

        SCAN(10, encoder=None, n_init=1, max_epochs=2, self_label_epochs=0, random_state=0).fit(X)
    elif method == "ae_detector":
        from sklearn_unsup.outlier import AutoEncoderOutlierDetector

        AutoEncoderOutlierDetector(max_epochs=2, random_state=0).fit(X)
    else:
        raise ValueError(method)
    return time.perf_counter() - t, info


def worker(method, data, n):
    import sklearn.preprocessing  # noqa: F401  (imports before the memory baseline: ~115 MB)
    import torch  # noqa: F401

    import sklearn_unsup  # noqa: F401

    # warm-up in the same process: numba compilation (or cache loading) and other
    # first-call costs stay out of the time and memory figures
    run_method(method, "synthetic", 2_000)
    if method in ("tldr", "scan"):  # above 200k rows they mine neighbours by the IVF index ("auto")
        from sklearn_unsup.neighbors import mine_neighbors

        mine_neighbors(synthetic(3_000), 5, algorithm="ivf", random_state=0)
    import gc

    gc.collect()
    base = _rss_mb("VmRSS")
    ok = _reset_peak()
    seconds, info = run_method(method, data, n)
    peak = _rss_mb("VmHWM") - base if ok else float("nan")
    print(json.dumps({"seconds": seconds, "peak_mb": peak, **info}))


# ----------------------------------------------------------------------------- driver side
def measure(method, data, n, timeout):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", method, data, str(n), "--dim", str(DIM)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1][:80] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def exponent(ns, ts):
    if len(ns) < 2:
        return float("nan")
    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


def main():
    global DIM
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs=3)
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--data", default="synthetic,aloi")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--quick", action="store_true", help="sizes 2,000 and 10,000")
    parser.add_argument("--dim", type=int, default=DIM, help="dimension of the synthetic blobs (default 32)")
    args = parser.parse_args()
    DIM = args.dim
    if args.worker:
        method, data, n = args.worker
        worker(method, data, int(n))
        return
    sys.path.insert(0, str(HERE))
    from _common import machine_line

    sizes = [2_000, 10_000] if args.quick else args.sizes
    print(f"# Scaling ({machine_line()})\n")
    print("| method | data | " + " | ".join(f"n={n:,}: s / peak MB" for n in sizes)
          + " | exponent b (time ~ n^b) | quality |")
    print("|---|---|" + "---|" * len(sizes) + "---|---|")
    for data in args.data.split(","):
        data_sizes = sizes if data == "synthetic" else ([2_000, 10_000] if args.quick else [10_000, 49_534])
        for method in args.methods.split(","):
            if data == "aloi" and method == "ae_dask_incremental":
                continue
            max_rows, _ = METHODS[method]
            cells, ns, ts, quality = [], [], [], []
            for n in data_sizes:
                label = "" if data == "synthetic" else f"n={n:,}: "
                if max_rows is not None and n > max_rows:
                    proj = ts[-1] * (n / ns[-1]) ** exponent(ns, ts) if len(ns) >= 2 else float("nan")
                    cells.append(f"{label}skipped (~{proj:,.0f} s projected)")
                    continue
                r = measure(method, data, n, args.timeout)
                if "error" in r:
                    cells.append(label + r["error"])
                    continue
                ns.append(n)
                ts.append(r["seconds"])
                cells.append(f"{label}{r['seconds']:.2f} / {r['peak_mb']:.0f}")
                extra = {k: v for k, v in r.items() if k not in ("seconds", "peak_mb")}
                if extra:
                    quality.append(", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in extra.items()) + f" (n={n:,})")
            cells += [""] * (len(sizes) - len(cells))
            print(f"| {method} | {data} | " + " | ".join(cells) + f" | {exponent(ns, ts):.2f} | "
                  + "; ".join(quality) + " |", flush=True)

if __name__ == "__main__":
    main()
