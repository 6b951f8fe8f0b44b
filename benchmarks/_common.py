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
