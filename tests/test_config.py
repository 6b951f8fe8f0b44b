"""The package's runtime settings (``torch_threads``) and the thread policy they drive."""

import threading

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_unsup import config_context, get_config, set_config
from sklearn_unsup._torch._threads import AUTO_SINGLE_THREAD_WORK, threads_for, torch_threads
from sklearn_unsup.decomposition import AutoEncoder


class RecordThreads(Callback):
    """Records torch's thread count at the start of each epoch."""

    def initialize(self):
        self.seen = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


def fit_recording(**params):
    recorder = RecordThreads()
    X = np.random.RandomState(0).rand(40, 5)
    est = AutoEncoder(n_components=2, hidden_dims=(8,), max_epochs=2, batch_size=16, random_state=0,
                      callbacks=[("threads", recorder)], device="cpu", **params).fit(X)
    return dict(est.net_.callbacks_)["threads"].seen


@pytest.fixture
def two_threads():
    """torch at 2 threads for the test (1 under pytest-xdist on 2 cores), restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_defaults_and_validation():
    assert get_config() == {"torch_threads": "auto"}
    for bad in (0, -1, 1.5, "many", True):
        with pytest.raises(ValueError, match="torch_threads"):
            set_config(torch_threads=bad)
    assert get_config()["torch_threads"] == "auto"


def test_config_context_restores_and_is_per_thread():
    seen = {}
    with config_context(torch_threads=3):
        assert get_config()["torch_threads"] == 3
        other = threading.Thread(target=lambda: seen.update(get_config()))
        other.start()
        other.join()
    assert seen["torch_threads"] == "auto"
    assert get_config()["torch_threads"] == "auto"
    with pytest.raises(RuntimeError):
        with config_context(torch_threads="torch"):
            raise RuntimeError
    assert get_config()["torch_threads"] == "auto"


def test_small_network_trains_on_one_thread_and_torch_is_restored(two_threads):
    assert fit_recording() == [1, 1]
    assert torch.get_num_threads() == 2


def test_explicit_count_and_torch_setting(two_threads):
    with config_context(torch_threads=3):
        assert fit_recording() == [3, 3]
    with config_context(torch_threads="torch"):
        assert fit_recording() == [2, 2]
    assert torch.get_num_threads() == 2


def test_policy_depends_on_network_size_only():
    small = torch.nn.Linear(10, 10)
    big = torch.nn.Linear(1000, 1000)
    assert threads_for(small, 256, "cpu") == 1
    assert 1000 * 1000 * 256 > AUTO_SINGLE_THREAD_WORK
    assert threads_for(big, 256, "cpu") is None
    assert threads_for(small, 256, "cuda") is None
    with config_context(torch_threads=2):
        assert threads_for(big, 256, "cpu") == 2


def test_torch_threads_restores_after_an_error(two_threads):
    with pytest.raises(KeyError):
        with torch_threads(1):
            assert torch.get_num_threads() == 1
            raise KeyError
    assert torch.get_num_threads() == 2


def test_same_result_whatever_the_setting():
    X = np.random.RandomState(1).rand(60, 6)
    codes = []
    for setting in ("auto", 1):
        with config_context(torch_threads=setting):
            est = AutoEncoder(n_components=2, hidden_dims=(8,), max_epochs=3, random_state=0, device="cpu").fit(X)
        codes.append(est.transform(X))
    np.testing.assert_array_equal(codes[0], codes[1])


def test_cpu_inference_is_float64_row_exact_and_restores_the_module():
    """A row's output does not depend on its position in the chunk; the float64 copy leaves the module as it was."""
    import torch

    from sklearn_unsup._torch._inference import forward_in_batches

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(5, 5, bias=False), torch.nn.LeakyReLU(), torch.nn.Linear(5, 3))
    module.train()
    module[0].weight.grad = torch.ones(5, 5)
    X = np.random.RandomState(0).normal(size=(40, 5)).astype(np.float32)
    seen = []

    def fn(m, xb):
        seen.append(xb.dtype)
        return m(xb)

    full = forward_in_batches(module, X, fn, device="cpu")
    assert full.dtype == np.float32 and seen == [torch.float64]
    np.testing.assert_array_equal(forward_in_batches(module, X[7:14], fn, device="cpu"), full[7:14])
    np.testing.assert_array_equal(forward_in_batches(module, X[::-1], fn, device="cpu"), full[::-1])
    assert module.training and module[0].weight.dtype == torch.float32
    assert torch.equal(module[0].weight.grad, torch.ones(5, 5))
    fast = forward_in_batches(module, X, fn, device="cpu", row_exact=False)
    module.float32_inference = True
    np.testing.assert_array_equal(forward_in_batches(module, X, fn, device="cpu"), fast)
    assert seen[-2:] == [torch.float32, torch.float32]
