"""The ``device="cuda"`` path of every torch estimator (GPU machines only; skipped elsewhere).

On a GPU machine the whole suite already runs there (``device="auto"`` is the
default); these tests say so explicitly: the fit lands on the GPU, outputs
come back as finite NumPy arrays, the same seed gives the same model on the
same GPU, and a pickle round trip keeps the outputs.
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.utils import get_tags

from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import fit_side_information, make_test_instances

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")

CUDA_INSTANCES = [
    est for est in make_test_instances(all_estimators())
    if "device" in est.get_params() and not get_tags(est).target_tags.required
]


def _output(est, X):
    for method in ("transform", "score_samples", "predict"):
        if hasattr(est, method):
            return np.asarray(getattr(est, method)(X), dtype=np.float64)
    raise AssertionError(f"{type(est).__name__} has no inference method")


@pytest.mark.parametrize("estimator", CUDA_INSTANCES, ids=lambda est: type(est).__name__)
def test_fits_on_the_gpu_and_answers_in_numpy(estimator):
    X, _ = make_blobs(120, n_features=6, centers=3, random_state=0)
    X = X.astype(np.float32)
    a = estimator.set_params(device="cuda")
    side = fit_side_information(a, X)
    a.fit(X, **side)
    fitted = getattr(a, "model_", a)  # the outlier detectors wrap a torch model
    assert str(fitted.device_).startswith("cuda")
    out = _output(a, X)
    assert np.isfinite(out).all()
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_allclose(_output(b, X), out, rtol=1e-5, atol=1e-6)
    again = type(a)(**a.get_params()).fit(X, **side)
    np.testing.assert_allclose(_output(again, X), out, rtol=1e-4, atol=1e-5)  # same seed, same GPU
