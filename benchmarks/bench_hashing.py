"""Binary hashing of sentence embeddings: retrieval mAP and Hamming search speed, measured in the same run.

    python benchmarks/bench_hashing.py [--bits 16 32 64] [--epochs 100] [--seeds 0]

StackOverflow title embeddings (all-MiniLM-L6-v2, 20,000 x 384, 20 tags of
1,000 titles): 1,000 random queries against the other 19,000 rows (the
database; every hashing method is fitted on it, without labels). Relevant =
same tag. mAP@1000 of the Hamming ranking (exact, ties by index, as
``neighbors.hamming_kneighbors`` returns them) and precision@100, for

- LSH: signs of random Gaussian projections (SimHash, the cosine LSH);
- sign(PCA): signs of the leading principal components;
- ITQ (Gong & Lazebnik 2011): PCA rotated to minimise the quantisation error;
- SDC: ``decomposition.SimilarityCalibratedHashing``;
- float cosine kNN on the 384-d embeddings: the ceiling.

Then the search time of ``neighbors.hamming_kneighbors`` on the 64-bit codes
against ``neighbors.kneighbors(metric="cosine")`` on the float32 embeddings,
same queries, same k (best of 3 after a warm-up), as a ratio.
"""

import argparse
import time

import numpy as np
from _common import load_shared, machine_line, print_table
from sklearn.decomposition import PCA

from sklearn_unsup.decomposition import SimilarityCalibratedHashing
from sklearn_unsup.neighbors import hamming_kneighbors, kneighbors

R = 1000  # mAP@R


def average_precision(indices, y_db, y_q, r=R):
    rel = y_db[indices[:, :r]] == y_q[:, None]
    precision = np.cumsum(rel, axis=1) / np.arange(1, r + 1)
    n_rel = rel.sum(axis=1)
    return float(np.mean((precision * rel).sum(axis=1) / np.maximum(n_rel, 1)))


def precision_at(indices, y_db, y_q, k=100):
    return float(np.mean(y_db[indices[:, :k]] == y_q[:, None]))


def itq(V, n_iter=50, seed=0):
    """ITQ rotation of centred PCA projections V: alternate B = sign(V R) and the Procrustes R."""
    rng = np.random.RandomState(seed)
    rot, _ = np.linalg.qr(rng.normal(size=(V.shape[1], V.shape[1])))
    for _ in range(n_iter):
        B = np.where(V @ rot >= 0, 1.0, -1.0)
        u, _, vt = np.linalg.svd(B.T @ V)  # maximise tr(B^T V R): R = (U V^T)^T
        rot = (u @ vt).T
    return rot


def linear_hashers(X_db, n_bits, seed):
    """{name: function rows -> boolean codes} for LSH, sign(PCA) and ITQ fitted on the database."""
    rng = np.random.RandomState(seed)
    W = rng.normal(size=(X_db.shape[1], n_bits))
    pca = PCA(n_bits, random_state=seed).fit(X_db)
    rot = itq(pca.transform(X_db), seed=seed)
    return {
        "LSH": lambda Z: Z @ W > 0,
        "sign(PCA)": lambda Z: pca.transform(Z) > 0,
        "ITQ": lambda Z: pca.transform(Z) @ rot >= 0,
    }


def hamming_scores(db_bits, q_bits, y_db, y_q):
    _, ind = hamming_kneighbors(np.packbits(db_bits, axis=1), n_neighbors=R, query=np.packbits(q_bits, axis=1))
    return average_precision(ind, y_db, y_q), precision_at(ind, y_db, y_q)


def best_time(fn, repeats=3):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bits", nargs="+", type=int, default=[16, 32, 64])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-queries", type=int, default=1000)
    args = parser.parse_args()
    print(machine_line())

    X, y = load_shared("cluster/stackoverflow_minilm.npz")
    perm = np.random.RandomState(0).permutation(len(X))
    q, db = perm[: args.n_queries], perm[args.n_queries :]
    X_q, X_db, y_q, y_db = X[q], X[db], y[q], y[db]

    _, ind = kneighbors(X_db, n_neighbors=R, metric="cosine", query=X_q)
    rows = [{"method": "float cosine (384 x float32)", "bits": 384 * 32,
             f"mAP@{R}": average_precision(ind, y_db, y_q), "P@100": precision_at(ind, y_db, y_q)}]
    codes64 = None
    for n_bits in args.bits:
        for seed in args.seeds:
            for name, hasher in linear_hashers(X_db, n_bits, seed).items():
                m, p = hamming_scores(hasher(X_db), hasher(X_q), y_db, y_q)
                rows.append({"method": name, "bits": n_bits, "seed": seed, f"mAP@{R}": m, "P@100": p, "fit s": ""})
            t0 = time.perf_counter()
            sdc = SimilarityCalibratedHashing(n_bits, max_epochs=args.epochs, device="cpu", random_state=seed)
            sdc.fit(X_db)
            fit_s = time.perf_counter() - t0
            sdc.set_params(output="bits")
            db_codes, q_codes = sdc.transform(X_db), sdc.transform(X_q)
            _, ind = hamming_kneighbors(db_codes, n_neighbors=R, query=q_codes)
            rows.append({"method": "SDC", "bits": n_bits, "seed": seed, f"mAP@{R}": average_precision(ind, y_db, y_q),
                         "P@100": precision_at(ind, y_db, y_q), "fit s": f"{fit_s:.0f}"})
            if n_bits == 64 and codes64 is None:
                codes64 = db_codes, q_codes
            print_table(rows[-4:], ["method", "bits", "seed", f"mAP@{R}", "P@100", "fit s"])
    print()
    print_table(rows, ["method", "bits", "seed", f"mAP@{R}", "P@100", "fit s"])

    if codes64 is not None:
        print(f"\nSearch: {len(q)} queries x {len(db)} database rows, 64-bit codes vs 384-d float32 cosine")
        timing = []
        for k in (10, R):
            t_ham = best_time(lambda k=k: hamming_kneighbors(codes64[0], n_neighbors=k, query=codes64[1]))
            t_cos = best_time(lambda k=k: kneighbors(X_db, n_neighbors=k, metric="cosine", query=X_q))
            timing.append({"k": k, "Hamming s": f"{t_ham:.4f}", "cosine s": f"{t_cos:.4f}",
                           "speed-up": f"{t_cos / t_ham:.1f}x"})
        print_table(timing, ["k", "Hamming s", "cosine s", "speed-up"])


if __name__ == "__main__":
    main()
