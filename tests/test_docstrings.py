"""Every public estimator documents every parameter and every fitted attribute (numpydoc sections)."""

import inspect
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import fit_side_information, make_test_instances

ESTIMATORS = all_estimators()
INSTANCES = make_test_instances(ESTIMATORS)
_ENTRY = re.compile(r"^(\w+)\s*:")


def _section(doc, title):
    """Names documented in a numpydoc section (``name : type`` lines at the section's indent)."""
    lines = inspect.cleandoc(doc).splitlines()
    names, inside = set(), False
    for i, line in enumerate(lines):
        if line.strip() == title and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            inside = True
            continue
        if inside:
            if i + 1 < len(lines) and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}:
                break  # the next section starts
            m = _ENTRY.match(line)
            if m and not line.startswith(" "):
                names.add(m.group(1))
    return names


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[n for n, _ in ESTIMATORS])
def test_every_parameter_is_documented(name, cls):
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    documented = _section(cls.__doc__, "Parameters")
    assert params <= documented, f"{name}: undocumented parameters {sorted(params - documented)}"
    assert documented <= params, f"{name}: documented but not parameters {sorted(documented - params)}"
    for section in ("References", "Examples"):
        assert f"\n    {section}\n" in cls.__doc__, f"{name}: no {section} section"
    # a trailing underscore marks a fitted attribute (check_is_fitted relies on it), never a parameter
    assert not [p for p in params if p.endswith("_")], f"{name}: a parameter ends with '_'"


@pytest.mark.parametrize("estimator", INSTANCES, ids=lambda e: type(e).__name__)
def test_every_fitted_attribute_is_documented(estimator):
    X, y = make_blobs(60, n_features=4, centers=3, random_state=0)
    X = np.abs(X)  # some estimators (count/positive data) accept any non-negative rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X, y, **fit_side_information(estimator, X))
    attrs = {k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")}
    attrs -= {"feature_names_in_"}  # set only for DataFrames; documented where it is
    documented = _section(type(estimator).__doc__, "Attributes")
    missing = attrs - documented
    assert not missing, f"{type(estimator).__name__}: undocumented fitted attributes {sorted(missing)}"


_DEFAULT = re.compile(r"^(\w+)\s*:.*default=(.+)$")


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[n for n, _ in ESTIMATORS])
def test_documented_defaults_match_the_signature(name, cls):
    import ast

    signature = inspect.signature(cls.__init__).parameters
    for line in inspect.cleandoc(cls.__doc__).splitlines():
        m = _DEFAULT.match(line)
        if not m or m.group(1) not in signature:
            continue
        try:
            documented = ast.literal_eval(m.group(2).strip())
        except (ValueError, SyntaxError):
            continue  # prose defaults ("see below") are not checked
        actual = signature[m.group(1)].default
        assert documented == actual, f"{name}.{m.group(1)}: documented default={documented!r}, signature {actual!r}"


# ---------------------------------------------------------------- shared torch parameters, described one way
SHARED_TORCH_PARAMETERS = {
    "max_epochs": "Passes over the training data.",
    "batch_size": "Rows per optimisation step.",
    "lr": "Learning rate.",
    "optimizer": '``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a ``torch.optim.Optimizer`` '
                 "subclass.",
    "weight_decay": "L2 penalty passed to the optimizer.",
    "callbacks": "Extra skorch callbacks or (name, callback) pairs (early stopping, checkpoints, LR schedulers, "
                 "...), copied at fit.",
    "device": '``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ..., or '
              "``\"accelerate\"``: skorch's ``AccelerateMixin`` with an ``accelerate.Accelerator`` configured by the "
              "environment.",
    "random_state": "Seeds weight initialisation, shuffling and every random draw of training through a private "
                    "generator; torch's global random state is left as it was. The same seed gives identical "
                    "results on CPU.",
    "verbose": "0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.",
}


def _parameter_description(doc, name):
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"^{name} :", line):
            desc = []
            for follow in lines[i + 1:]:
                if not follow.startswith(" "):
                    break
                desc.append(follow.strip())
            return " ".join(desc)
    return None


def _torch_estimators():
    from sklearn_unsup._torch import BaseTorchEstimator
    from sklearn_unsup.outlier._base import ModelOutlierDetector

    return [(n, c) for n, c in ESTIMATORS if issubclass(c, (BaseTorchEstimator, ModelOutlierDetector))]


@pytest.mark.parametrize("name, cls", _torch_estimators(), ids=[n for n, _ in _torch_estimators()])
def test_shared_torch_parameters_described_one_way(name, cls):
    """Each shared parameter's description starts with the one wording; a method-specific note may follow."""
    for param, wording in SHARED_TORCH_PARAMETERS.items():
        desc = _parameter_description(cls.__doc__, param)
        assert desc is not None, f"{name}: {param} not documented"
        assert desc.startswith(wording), f"{name}.{param}: {desc!r} does not start with {wording!r}"


_FIGURE = re.compile(r"\b(AUROC|ACC|NMI|ARI|accuracy|trustworthiness)\b[^.]{0,40}\.\d{2,}|\.\d{3}\s+(against|vs)\b")


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[n for n, _ in ESTIMATORS])
def test_no_benchmark_figures_in_docstrings(name, cls):
    """Docstrings say what and why; measured figures go stale there and live in benchmarks/results/ and the docs."""
    docs = [cls.__doc__] + [m.__doc__ for _, m in inspect.getmembers(cls, inspect.isfunction) if m.__doc__]
    for doc in docs:
        match = _FIGURE.search(doc)
        assert match is None, f"{name}: benchmark figure in a docstring: {match.group(0)!r}"
