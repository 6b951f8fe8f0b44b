"""Kernels against the peers a user would otherwise call, measured in the same run.

    python benchmarks/bench_kernels.py [--repeats 3] [--quick]

Prints Markdown tables: time of ours and of the peer (median of ``--repeats``
runs each, alternating), the ratio peer/ours (above 1 = we are faster), and the
agreement of results. First-call time (numba JIT or cache load) is reported
separately. Peers: scikit-learn, faiss-cpu (IndexFlatL2), MiniSom, a plain NumPy
Sinkhorn (benchmark-only dependencies: ``pip install -e ".[bench]"``).
"""

import argparse
import time

import numpy as np
from _common import load_shared, machine_line, print_table
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from sklearn.metrics import silhouette_score as sk_silhouette
from sklearn.neighbors import NearestNeighbors

from sklearn_unsup._kernels import lloyd, sinkhorn_knopp
from sklearn_unsup._kernels._sinkhorn import sinkhorn_reference
from sklearn_unsup.cluster import BalancedKMeans, SelfOrganizingMap
from sklearn_unsup.metrics import cluster_accuracy, silhouette_score
from sklearn_unsup.neighbors import kneighbors


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def first_call(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_knn(rng, repeats, n):
    X = rng.normal(size=(n, 64)).astype(np.float32)
    jit = first_call(lambda: kneighbors(X[:300], n_neighbors=5))
    rows = []
    t_ours, (d, i) = timed(lambda: kneighbors(X, n_neighbors=20), repeats)
    t_sk, (rd, ri) = timed(
        lambda: NearestNeighbors(n_neighbors=20, algorithm="brute").fit(X).kneighbors(), repeats
    )
    rows.append(dict(task=f"exact kNN {n}x64 f32, k=20", peer="sklearn NearestNeighbors(brute)",
                     ours_s=t_ours, peer_s=t_sk, **{"peer/ours": t_sk / t_ours},
                     agreement=f"index match {np.mean(i == ri):.5f}"))
    try:
        import faiss

        def run_faiss():
            index = faiss.IndexFlatL2(X.shape[1])
            index.add(X)
            return index.search(X, 21)

        t_f, (fd, fi) = timed(run_faiss, repeats)
        peer = f"faiss IndexFlatL2 ({faiss.omp_get_max_threads()} thr)"
        rows.append(dict(task=f"exact kNN {n}x64 f32, k=20", peer=peer,
                         ours_s=t_ours, peer_s=t_f, **{"peer/ours": t_f / t_ours},
                         agreement=f"index match {np.mean(fi[:, 1:] == i):.5f}"))
    except ImportError:
        rows.append(dict(task="exact kNN", peer="faiss (not installed)"))
    return rows, jit


def bench_silhouette(rng, repeats, n):
    X = rng.normal(size=(n, 64)).astype(np.float32)
    labels = rng.randint(0, 10, n)
    jit = first_call(lambda: silhouette_score(X[:200], labels[:200]))
    t_ours, s_ours = timed(lambda: silhouette_score(X, labels), repeats)
    t_sk, s_sk = timed(lambda: sk_silhouette(X, labels), repeats)
    return [dict(task=f"silhouette {n}x64, 10 labels", peer="sklearn silhouette_score",
                 ours_s=t_ours, peer_s=t_sk, **{"peer/ours": t_sk / t_ours},
                 agreement=f"|diff| {abs(s_ours - s_sk):.1e}")], jit


def bench_kmeans(rng, repeats, n):
    X = rng.normal(size=(n, 64)).astype(np.float32)
    C0 = X[rng.choice(n, 100, replace=False)].copy()
    jit = first_call(lambda: lloyd(X[:500], C0[:5], max_iter=1))
    t_ours, res = timed(lambda: lloyd(X, C0, max_iter=20, tol=0), repeats)
    t_sk, km = timed(
        lambda: KMeans(100, init=C0, n_init=1, max_iter=20, tol=0, algorithm="lloyd").fit(X), repeats
    )
    rel = abs(res[2] - km.inertia_) / km.inertia_
    return [dict(task=f"k-means {n}x64 f32, k=100, 20 Lloyd iters", peer="sklearn KMeans(lloyd), same init",
                 ours_s=t_ours, peer_s=t_sk, **{"peer/ours": t_sk / t_ours},
                 agreement=f"inertia rel diff {rel:.1e}")], jit


def bench_sinkhorn(rng, repeats, n):
    S = rng.uniform(-1, 1, size=(n, 1000)).astype(np.float32)
    jit = first_call(lambda: sinkhorn_knopp(S[:100]))
    t_ours, (Q, _) = timed(lambda: sinkhorn_knopp(S), repeats)
    t_np, R = timed(lambda: sinkhorn_reference(S), repeats)
    return [dict(task=f"Sinkhorn {n}x1000 f32, eps 0.05, 3 iters", peer="NumPy (SwAV's algorithm)",
                 ours_s=t_ours, peer_s=t_np, **{"peer/ours": t_np / t_ours},
                 agreement=f"max |diff| {np.abs(Q - R).max():.1e}")], jit


def bench_estimators(repeats):
    rows = []
    for name, path, scale in [("digits (optdigits test)", None, 16.0),
                              ("optdigits_train", "cluster/optdigits_train.npz", 16.0)]:
        if path is None:
            from sklearn.datasets import load_digits

            X, y = load_digits(return_X_y=True)
        else:
            try:
                X, y = load_shared(path)
            except FileNotFoundError:
                continue
        X = X / scale
        res = {}
        for est_name, make in [("BalancedKMeans", lambda s: BalancedKMeans(10, random_state=s)),
                               ("KMeans(n_init=1)", lambda s: KMeans(10, n_init=1, random_state=s))]:
            accs, nmis, ts, imb = [], [], [], []
            for seed in range(3):
                t = time.perf_counter()
                lab = make(seed).fit_predict(X)
                ts.append(time.perf_counter() - t)
                accs.append(cluster_accuracy(y, lab))
                nmis.append(normalized_mutual_info_score(y, lab))
                sizes = np.bincount(lab, minlength=10)
                imb.append(sizes.max() / max(sizes.min(), 1))
            res[est_name] = (np.mean(accs), np.mean(nmis), np.median(ts), np.mean(imb))
        for est_name, (acc, nmi, t, imb) in res.items():
            rows.append(dict(data=name, method=est_name, ACC=acc, NMI=nmi, seconds=t,
                             **{"max/min cluster size": imb}))
    return rows


def bench_som(repeats):
    from sklearn.datasets import load_digits

    X = load_digits().data / 16.0
    rows = []
    first_call(lambda: SelfOrganizingMap((3, 3), max_epochs=1, random_state=0).fit(X[:50]))
    t, som = timed(lambda: SelfOrganizingMap((10, 10), init="random", random_state=0).fit(X), repeats)
    rows.append(dict(method="SelfOrganizingMap (ours, random-row init)", seconds=t,
                     quantization_error=som.quantization_error_, topographic_error=som.topographic_error_))
    t, som = timed(lambda: SelfOrganizingMap((10, 10), init="pca", random_state=0).fit(X), repeats)
    rows.append(dict(method="SelfOrganizingMap (ours, PCA init)", seconds=t,
                     quantization_error=som.quantization_error_, topographic_error=som.topographic_error_))
    try:
        from minisom import MiniSom

        def run_minisom():
            m = MiniSom(10, 10, X.shape[1], sigma=1.0, learning_rate=0.5, random_seed=0)
            m.random_weights_init(X)
            m.train(X, 10 * len(X), random_order=True)
            return m

        t, m = timed(run_minisom, repeats)
        rows.append(dict(method="MiniSom (random-row init)", seconds=t,
                         quantization_error=float(m.quantization_error(X)),
                         topographic_error=float(m.topographic_error(X))))
    except ImportError:
        rows.append(dict(method="MiniSom (not installed)"))
    return rows


_COLD_SCRIPT = """
import time, numpy as np
t = time.perf_counter()
from sklearn_unsup.neighbors import kneighbors
from sklearn_unsup.metrics import silhouette_score
from sklearn_unsup._kernels import lloyd, sinkhorn_knopp
t_import = time.perf_counter() - t
X = np.random.RandomState(0).normal(size=(300, 8)).astype(np.float32)
out = {"import": t_import}
for name, fn in [("kNN", lambda: kneighbors(X, n_neighbors=5)),
                 ("silhouette", lambda: silhouette_score(X, np.arange(300) % 3)),
                 ("k-means", lambda: lloyd(X, X[:4], max_iter=2)),
                 ("Sinkhorn", lambda: sinkhorn_knopp(X))]:
    t = time.perf_counter(); fn(); out[name] = time.perf_counter() - t
print(out)
"""


def cold_start():
    """First calls in a fresh process with an empty numba cache (true JIT compile time)."""
    import ast
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        run = lambda: ast.literal_eval(subprocess.run(  # noqa: E731
            [sys.executable, "-c", _COLD_SCRIPT], env=env, capture_output=True, text=True, check=True
        ).stdout.strip().splitlines()[-1])
        return run(), run()  # compile into the empty cache, then load from it


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    q = args.quick
    print(f"# Kernel benchmarks; {machine_line()}\n")
    rows, jits = [], {}
    for name, fn, n in [("kNN", bench_knn, 5000 if q else 50_000),
                        ("silhouette", bench_silhouette, 2000 if q else 20_000),
                        ("k-means", bench_kmeans, 10_000 if q else 100_000),
                        ("Sinkhorn", bench_sinkhorn, 10_000 if q else 100_000)]:
        r, jit = fn(rng, args.repeats, n)
        rows += r
        jits[name] = jit
    print_table(rows, ["task", "peer", "ours_s", "peer_s", "peer/ours", "agreement"])
    print("\nFirst call in this process (numba JIT compile or cache load), seconds: "
          + ", ".join(f"{k} {v:.2f}" for k, v in jits.items()))
    compiled, cached = cold_start()
    print("Fresh process, empty numba cache (compile), seconds: "
          + ", ".join(f"{k} {v:.2f}" for k, v in compiled.items()))
    print("Fresh process, warm numba cache (load), seconds: "
          + ", ".join(f"{k} {v:.2f}" for k, v in cached.items()))
    print("\n## BalancedKMeans vs KMeans (mean of 3 seeds; pixels / 16)\n")
    print_table(bench_estimators(args.repeats), ["data", "method", "ACC", "NMI", "seconds", "max/min cluster size"])
    print("\n## SelfOrganizingMap vs MiniSom (digits / 16, 10x10 grid, sigma 1, lr 0.5, 10 epochs)\n")
    print_table(bench_som(args.repeats), ["method", "seconds", "quantization_error", "topographic_error"])


if __name__ == "__main__":
    main()
