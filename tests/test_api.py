"""The public surface: every public name documented, lazy torch-free imports, test settings for every estimator."""

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_unsup
from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import FAST_PARAMS, FAST_PARAMS_NOT_NEEDED

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = sorted(
    p.name for p in (ROOT / "sklearn_unsup").iterdir()
    if p.is_dir() and not p.name.startswith("_") and (p / "__init__.py").exists()
)
PUBLIC_MODULES = SUBPACKAGES + ["base", "exceptions"]


def test_package_docstring_names_every_subpackage():
    for name in PUBLIC_MODULES:
        assert f"``{name}``" in sklearn_unsup.__doc__, name


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_every_public_name_is_in_api_rst(subpackage):
    api = (ROOT / "docs" / "api.rst").read_text()
    module = importlib.import_module(f"sklearn_unsup.{subpackage}")
    documented = set(re.findall(rf"^\s+{subpackage}\.(\w+)\s*$", api, re.M))
    missing = set(module.__all__) - documented
    assert not missing, f"sklearn_unsup.{subpackage}: not in docs/api.rst: {sorted(missing)}"
    for name in module.__all__:  # every listed name resolves
        assert getattr(module, name) is not None


def test_every_estimator_has_test_settings():
    names = {name for name, _ in all_estimators()}
    covered = set(FAST_PARAMS) | set(FAST_PARAMS_NOT_NEEDED)
    assert names <= covered, names - covered
    assert not set(FAST_PARAMS) & set(FAST_PARAMS_NOT_NEEDED)
    for reason in FAST_PARAMS_NOT_NEEDED.values():
        assert len(reason) > 20


def _loads_torch(statement):
    code = f"import sys\n{statement}\nprint('torch' in sys.modules or 'skorch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def _torch_free_estimators():
    from sklearn_unsup._torch import BaseTorchEstimator
    from sklearn_unsup.outlier._base import ModelOutlierDetector

    return [(name, cls) for name, cls in all_estimators()
            if not issubclass(cls, (BaseTorchEstimator, ModelOutlierDetector))]


def test_import_is_lazy():
    assert not _loads_torch("import sklearn_unsup")
    assert not _loads_torch("import " + ", ".join(f"sklearn_unsup.{m}" for m in PUBLIC_MODULES if m != "nn"))


def test_torch_free_estimators_do_not_import_torch():
    # one fresh interpreter imports them one after the other and names the first that brings torch in
    # (one interpreter per estimator cost ~3 s each)
    imports = [(inspect.getmodule(cls).__name__.rsplit(".", 1)[0], name) for name, cls in _torch_free_estimators()]
    assert len(imports) > 10
    code = ("import sys\n"
            f"for public, name in {imports!r}:\n"
            "    exec(f'from {public} import {name}')\n"
            "    if 'torch' in sys.modules or 'skorch' in sys.modules:\n"
            "        print(name)\n"
            "        break\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing {out.stdout.strip()} loads torch"


def test_torch_free_functions_do_not_import_torch():
    assert not _loads_torch(
        "from sklearn_unsup.metrics import silhouette_score, cluster_accuracy, fpr_at_tpr, silhouette_scorer\n"
        "from sklearn_unsup.neighbors import kneighbors\n"
        "from sklearn_unsup.utils import all_estimators, worker_thread_env"
    )
