"""Torch threads per fit: one thread vs torch's default, on a quiet and on a loaded machine.

An ``AutoEncoder`` (hidden layers ``(w, w)``, 8 components) trains on random
rows of ``d`` features for a few epochs with ``config_context(torch_threads=k)``
for k = 1 and k = all cores, alternating, in the same run; then again while
``--load`` other processes spin on the cores (a second notebook, a grid search
with ``n_jobs``). The table gives seconds per epoch, the ratio of the two
thread counts and what ``torch_threads="auto"`` picks for that network and
batch size (``sklearn_unsup._torch._threads.AUTO_SINGLE_THREAD_WORK``).

    python benchmarks/bench_threads.py [--rows 4096] [--epochs 2] [--load 2]
"""

import argparse
import multiprocessing as mp
import os
import time

import numpy as np
from _common import machine_line, print_table

from sklearn_unsup import config_context
from sklearn_unsup._torch._threads import AUTO_SINGLE_THREAD_WORK
from sklearn_unsup.decomposition import AutoEncoder

WIDTHS = (64, 256, 1024)
FEATURES = (21, 784)
BATCHES = (64, 256, 1024)


def _spin(stop):
    x = 0
    while not stop.is_set():
        x += 1


def epoch_seconds(X, width, batch, threads, epochs):
    est = AutoEncoder(n_components=8, hidden_dims=(width, width), batch_size=batch, max_epochs=epochs,
                      device="cpu", random_state=0)
    with config_context(torch_threads=threads):
        start = time.perf_counter()
        est.fit(X)
        seconds = (time.perf_counter() - start) / epochs
    n_params = sum(p.numel() for p in est.net_.module_.parameters())
    return seconds, n_params


def run(rows, epochs, cores, repeats):
    out = []
    epoch_seconds(np.zeros((256, 8), np.float32), 16, 64, cores, 1)  # warm-up: torch's first-call costs
    for d in FEATURES:
        X = np.random.RandomState(0).rand(rows, d).astype(np.float32)
        for width in WIDTHS:
            for batch in BATCHES:
                times = {1: [], cores: []}
                for _ in range(repeats):
                    for k in (1, cores):
                        seconds, n_params = epoch_seconds(X, width, batch, k, epochs)
                        times[k].append(seconds)
                one, many = np.median(times[1]), np.median(times[cores])
                work = n_params * batch
                auto = 1 if work <= AUTO_SINGLE_THREAD_WORK else cores
                out.append(dict(d=d, width=width, batch=batch, params=n_params, work=work, one=one, many=many,
                                auto=auto))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--load", type=int, default=2, help="spinning processes in the loaded run (0: skip it)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"# Torch threads per fit; {machine_line()}\n")
    print(f"AutoEncoder, {args.rows} rows, {args.epochs} epochs; seconds per epoch with 1 and {cores} threads; "
          f"auto = one thread when parameters x batch <= {AUTO_SINGLE_THREAD_WORK:,}.\n")
    conditions = [("quiet", 0)] + ([(f"{args.load} busy processes", args.load)] if args.load else [])
    for label, n_load in conditions:
        stop = mp.Event()
        spinners = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n_load)]
        for p in spinners:
            p.start()
        try:
            rows = run(args.rows, args.epochs, cores, args.repeats)
        finally:
            stop.set()
            for p in spinners:
                p.join()
        print(f"\n## {label}\n")
        cols = ["features", "width", "batch", "params x batch", "s/epoch 1 thread", f"s/epoch {cores} threads",
                f"{cores} / 1", "auto picks", "auto / best"]
        table = [dict(zip(cols, [r["d"], r["width"], r["batch"], f"{r['work']:.1e}", r["one"], r["many"],
                                 f"{r['many'] / r['one']:.2f}", r["auto"],
                                 f"{(r['one'] if r['auto'] == 1 else r['many']) / min(r['one'], r['many']):.2f}"]))
                 for r in rows]
        print_table(table, cols)


if __name__ == "__main__":
    main()
