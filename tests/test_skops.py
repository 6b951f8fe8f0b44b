"""Secure persistence: every estimator round-trips through skops.io with the documented trusted types only."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from sklearn_unsup.utils import all_estimators, dump_skops, load_skops, skops_trusted_types
from sklearn_unsup.utils._test_common import fit_side_information, make_test_instances, numeric_output

sio = pytest.importorskip("skops.io")

METHODS = ("transform", "predict", "predict_proba", "score_samples", "decision_function", "test")
X, Y = make_blobs(90, n_features=4, centers=3, random_state=0)


def _fit(est):
    needs_y = "y" in est.get_params() or type(est).__name__ in ("ViMDetector", "DeepLowDensitySeparation")
    return est.fit(X, Y) if needs_y else est.fit(X, **fit_side_information(est, X))


def _outputs(est):
    out = {m: numeric_output(getattr(est, m)(X)) for m in METHODS if hasattr(est, m)}
    if hasattr(est, "labels_"):
        out["labels_"] = np.asarray(est.labels_)
    return out


def _assert_same_outputs(a, b):
    out_a, out_b = _outputs(a), _outputs(b)
    assert out_a.keys() == out_b.keys() and out_a
    for method in out_a:
        np.testing.assert_array_equal(out_a[method], out_b[method], err_msg=method)


def _roundtrip(est):
    buffer = io.BytesIO()
    dump_skops(est, buffer)
    buffer.seek(0)
    return load_skops(buffer)


# skops.io refuses scikit-learn's Birch ("not supported yet", skops 0.16), a default member of VotingClustering:
# that estimator round-trips with members skops supports (docs/user_guide/persistence.rst says so).
SKOPS_MEMBERS = {"VotingClustering": dict(estimators=[
    ("kmeans", __import__("sklearn.cluster", fromlist=["KMeans"]).KMeans(3, n_init=2, random_state=0)),
    ("ward", __import__("sklearn.cluster", fromlist=["AgglomerativeClustering"]).AgglomerativeClustering(3)),
])}


def _skops_instances():
    return [est.set_params(**SKOPS_MEMBERS.get(type(est).__name__, {}))
            for est in make_test_instances(all_estimators())]


@pytest.mark.parametrize("est", _skops_instances(), ids=lambda e: type(e).__name__)
def test_skops_roundtrip_with_the_documented_trusted_types(est):
    # skops.io refuses any type not in the list: loading with it alone is the test that it is complete.
    _fit(est)
    loaded = _roundtrip(est)
    assert type(loaded) is type(est)
    _assert_same_outputs(est, loaded)
    if hasattr(est, "partial_fit"):
        # weights, optimizer moments, callback state and history came back: training continues identically
        est.partial_fit(X)
        loaded.partial_fit(X)
        _assert_same_outputs(est, loaded)
        assert getattr(loaded, "n_iter_", None) == getattr(est, "n_iter_", None)


def test_deep_clusterer_with_a_pca_encoder_stage_roundtrips():
    from sklearn_unsup.cluster import SCAN
    from sklearn_unsup.utils._test_common import FAST_PARAMS

    est = SCAN(**{**FAST_PARAMS["SCAN"], "n_clusters": 3, "encoder": "pca", "random_state": 0}).fit(X)
    loaded = _roundtrip(est)
    assert type(loaded.encoder_).__name__ == "PCA"
    _assert_same_outputs(est, loaded)


def test_a_umap_encoder_stage_is_refused_with_a_clear_error():
    from sklearn_unsup.cluster import SCAN

    fake_umap = type("UMAP", (), {"__module__": "umap.umap_"})  # stands for a fitted umap.UMAP (cheap)
    est = SCAN(3)
    est.encoder_ = fake_umap()
    with pytest.raises(TypeError, match="UMAP encoder_ stage.*pickle"):
        dump_skops(est, io.BytesIO())
    pipe = __import__("sklearn.pipeline", fromlist=["make_pipeline"]).make_pipeline(est)
    with pytest.raises(TypeError, match="UMAP encoder_ stage"):
        dump_skops(pipe, io.BytesIO())


def test_unfitted_estimators_roundtrip():
    for est in _skops_instances():
        loaded = _roundtrip(est)
        assert loaded.get_params().keys() == est.get_params().keys()


def test_torch_models_hold_no_nested_pickle():
    from sklearn_unsup.decomposition import AutoEncoder

    est = AutoEncoder(n_components=2, hidden_dims=(8,), max_epochs=2, random_state=0).fit(X)
    data = pickle.dumps(est)
    # skorch's own pickling hides the torch objects as bytes of a nested pickle; ours stores arrays
    assert b"__cuda_dependent_attributes__" not in data
    assert b"_rebuild_tensor" not in data and b"torch._utils" not in data
    np.testing.assert_array_equal(pickle.loads(data).transform(X), est.transform(X))


def _tamper(data, old, new):
    """Rewrite the file's schema, replacing the type ``old`` by ``new`` (module, class)."""
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "schema.json":
                schema = json.loads(content)

                def visit(node):
                    if isinstance(node, dict):
                        if (node.get("__module__"), node.get("__class__")) == old:
                            node["__module__"], node["__class__"] = new
                        for value in node.values():
                            visit(value)
                    elif isinstance(node, list):
                        for value in node:
                            visit(value)

                visit(schema)
                content = json.dumps(schema).encode()
            zout.writestr(item, content)
    return target.getvalue()


def test_tampered_file_is_refused():
    from sklearn_unsup.decomposition import AutoEncoder

    est = AutoEncoder(n_components=2, hidden_dims=(8,), max_epochs=2, random_state=0).fit(X)
    data = sio.dumps(est)
    # the module class swapped for a function that runs a command when called
    tampered = _tamper(data, ("sklearn_unsup._nn._autoencoder", "MLPAutoEncoder"), ("os", "system"))
    assert tampered != data
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="os.system"):
        load_skops(io.BytesIO(tampered))
    np.testing.assert_array_equal(load_skops(io.BytesIO(data)).transform(X), est.transform(X))


def test_trusted_types_name_importable_objects():
    import importlib

    for name in skops_trusted_types():
        module, _, attr = name.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), name


def test_missing_skops_gives_an_error_naming_the_extra(monkeypatch):
    import sklearn_unsup.utils._skops as skops_module

    def no_skops(name):
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(skops_module, "import_module", no_skops)
    with pytest.raises(ImportError, match=r"sklearn_unsup\[skops\]"):
        dump_skops(make_test_instances(all_estimators())[0], io.BytesIO())


def test_a_cuda_model_loads_on_a_cpu_only_machine(monkeypatch):
    import torch

    from sklearn_unsup.decomposition import AutoEncoder

    est = AutoEncoder(n_components=2, hidden_dims=(8,), max_epochs=2, random_state=0, device="cpu").fit(X)
    state = est.__getstate__()
    state["device_"] = "cuda:0"  # as saved on a GPU machine
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = AutoEncoder.__new__(AutoEncoder)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        loaded.__setstate__(state)
    assert loaded.device_ == "cpu" and loaded.net_.device == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))


def test_sparse_tensors_roundtrip_and_bad_indices_are_refused():
    import torch

    from sklearn_unsup._torch._portable import from_plain, to_plain

    adjacency = torch.sparse_coo_tensor(torch.tensor([[0, 1, 2], [1, 0, 2]]), torch.tensor([1.0, 2.0, 3.0]), (3, 3),
                                        check_invariants=True)
    plain = to_plain({"graph": adjacency, "dense": torch.arange(3.0)})
    back = from_plain(plain)
    np.testing.assert_array_equal(back["graph"].to_dense().numpy(), adjacency.to_dense().numpy())
    np.testing.assert_array_equal(back["dense"].numpy(), [0.0, 1.0, 2.0])
    # an index beyond the shape (a tampered file) fails when loading, not as a memory error later
    plain["graph"]["__torch_sparse_coo__"][0][0, 0] = 99
    with pytest.raises(RuntimeError, match="inconsistent with indices"):
        from_plain(plain)
