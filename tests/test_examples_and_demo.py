"""The demo and every example run end to end (small settings)."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_unsup
from sklearn_unsup import demo

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))


def test_demo_prints_table_and_writes_plot(tmp_path, capsys):
    plot = tmp_path / "demo.png"
    rows = demo.run(random_state=0, max_epochs=2, plot_path=str(plot), n_samples=400)
    out = capsys.readouterr().out
    assert "KMeans (raw pixels)" in out and "AutoEncoder(5) + KMeans" in out and "ACC" in out
    assert plot.exists() and plot.stat().st_size > 10_000
    assert {r["method"] for r in rows} >= {"KMeans (raw pixels)", "AutoEncoder(5) + KMeans"}
    for r in rows:
        assert 0 <= r["ACC"] <= 1 and r["seconds"] >= 0


def test_demo_quality_above_kmeans_on_digits(tmp_path):
    """With its default settings the demo's AutoEncoder and TLDR pipelines beat KMeans on pixels."""
    rows = {r["method"]: r for r in demo.run(random_state=0, plot_path=None)}
    km = rows["KMeans (raw pixels)"]
    assert rows["AutoEncoder(5) + KMeans"]["NMI"] > km["NMI"] + 0.01, rows
    assert rows["TLDR(16, MLP) + KMeans"]["NMI"] > km["NMI"] + 0.05, rows


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("SKLEARN_UNSUP_EXAMPLES_FAST", "1")
    runpy.run_path(str(path), run_name="__main__")


def test_examples_exist():
    assert EXAMPLES, "no examples/plot_*.py found"


def test_version_and_show_versions(capsys):
    assert sklearn_unsup.__version__
    sklearn_unsup.show_versions()
    out = capsys.readouterr().out
    assert "torch" in out and "scikit-learn" in out


def test_module_entry_point_help():
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_unsup.demo", "--help"],
        capture_output=True, text=True, env={**os.environ}, timeout=120,
    )
    assert proc.returncode == 0 and "--max-epochs" in proc.stdout
