"""device="accelerate": training through skorch's AccelerateMixin (Hugging Face accelerate) on CPU."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

pytest.importorskip("accelerate")

from sklearn.datasets import load_digits  # noqa: E402

from sklearn_unsup._nn import UnsupervisedNet  # noqa: E402
from sklearn_unsup.cluster import DEC  # noqa: E402
from sklearn_unsup.decomposition import AutoEncoder  # noqa: E402
from sklearn_unsup.outlier import DeepSVDD  # noqa: E402


@pytest.fixture(scope="module")
def X():
    return load_digits().data[:400] / 16


def test_accelerate_on_cpu_trains_the_same_model(X, capsys):
    if torch.cuda.is_available():  # accelerate places the model on the GPU: that test is below
        pytest.skip("accelerate trains on the GPU here")
    params = dict(n_components=4, hidden_dims=(16,), max_epochs=3, random_state=0)
    acc = AutoEncoder(device="accelerate", **params).fit(X)
    cpu = AutoEncoder(device="cpu", **params).fit(X)
    assert acc.device_ == "cpu"
    assert capsys.readouterr().out == ""  # verbose=0 stays silent
    np.testing.assert_array_equal(acc.loss_curve_, cpu.loss_curve_)
    np.testing.assert_array_equal(acc.transform(X), cpu.transform(X))
    # the fitted net is a plain skorch net again: picklable, and partial_fit continues on it
    assert type(acc.net_) is UnsupervisedNet and not hasattr(acc.net_, "accelerator")
    loaded = pickle.loads(pickle.dumps(acc))
    np.testing.assert_array_equal(loaded.transform(X), acc.transform(X))
    acc.partial_fit(X)
    assert acc.n_iter_ == 4


@pytest.mark.parametrize("estimator", [
    DEC(n_clusters=5, hidden_dims=(16,), pretrain_epochs=2, max_epochs=2, random_state=0),
    DeepSVDD(hidden_dims=(16,), n_components=4, max_epochs=2, random_state=0),
], ids=lambda e: type(e).__name__)
def test_accelerate_path_of_other_methods(X, estimator):
    acc = estimator.set_params(device="accelerate").fit(X)
    ref = type(estimator)(**{**estimator.get_params(), "device": "cpu"}).fit(X)
    out = "predict" if hasattr(ref, "labels_") else "score_samples"
    np.testing.assert_allclose(getattr(acc, out)(X), getattr(ref, out)(X), rtol=1e-5)


def test_mixed_precision_from_the_environment():
    # accelerate's state is process-wide: run the bf16 configuration in its own process
    code = textwrap.dedent("""
        import numpy as np
        from sklearn.datasets import load_digits
        from sklearn_unsup.decomposition import AutoEncoder
        X = load_digits().data / 16
        p = dict(n_components=8, hidden_dims=(32,), max_epochs=10, random_state=0)
        bf16 = AutoEncoder(device="accelerate", **p).fit(X)
        fp32 = AutoEncoder(device="cpu", **p).fit(X)
        a, b = bf16.reconstruction_error(X).mean(), fp32.reconstruction_error(X).mean()
        assert np.isfinite(a) and a < 1.3 * b, (a, b)
        assert bf16.loss_curve_ != fp32.loss_curve_  # bf16 autocast did run
        print("ok", a, b)
    """)
    env = {**os.environ, "ACCELERATE_MIXED_PRECISION": "bf16"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("ok")


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a GPU")
def test_accelerate_on_a_gpu_trains_there_and_predicts_anywhere(X):
    acc = AutoEncoder(n_components=4, hidden_dims=(16,), max_epochs=3, random_state=0, device="accelerate").fit(X)
    assert acc.device_.startswith("cuda")
    assert next(acc.net_.module_.parameters()).device.type == "cuda"
    codes = acc.transform(X)
    cpu = AutoEncoder(n_components=4, hidden_dims=(16,), max_epochs=3, random_state=0, device="cpu").fit(X)
    np.testing.assert_allclose(codes, cpu.transform(X), atol=1e-2)  # GPU kernels differ in the last bits
    loaded = pickle.loads(pickle.dumps(acc))
    np.testing.assert_allclose(loaded.transform(X), codes, rtol=1e-6)
