"""Helpers shared by the benchmark scripts (not part of the package)."""

import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def load_shared(relpath):
    """``X, y`` from ../shared/data/<relpath> (benchmarks may read it; the package may not)."""
    data = np.load(SHARED_DATA / relpath)
    return data["X"], data["y"]


def machine_line():
    import os

    import torch

    return (
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )


def warm_up_umap():
    """Compile umap's and pynndescent's numba functions before anything is timed.

    Every script that times a UMAP fit (as a peer or as the reference of a fit-time ratio) calls this first. UMAP
    finds neighbours exactly below 4,096 rows and with NN-descent above, so both paths are run, with both metrics
    the benchmarks use: a warm-up on 200 rows alone left the NN-descent compilation (about 25 s here) inside the
    first timed UMAP(10)+GMM of a process on mnist5k, mnist1d and stackoverflow_minilm.
    """
    import umap

    rng = np.random.RandomState(0)
    for n in (200, 5000):
        for metric in ("euclidean", "cosine"):
            umap.UMAP(n_components=2, n_neighbors=5, metric=metric, n_epochs=10).fit_transform(rng.rand(n, 5))


def print_table(rows, columns, floatfmt="{:.3f}"):
    """Print a Markdown table (pasteable into docs and issue notes)."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c, "")
            cells.append(floatfmt.format(v) if isinstance(v, float) else str(v))
        print("| " + " | ".join(cells) + " |")
