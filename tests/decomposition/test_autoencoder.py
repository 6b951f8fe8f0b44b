import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EarlyStopping

from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.exceptions import TrainingDivergedError

FAST = dict(hidden_dims=(32,), max_epochs=5, batch_size=64)


def test_fit_transform_shapes_and_dtypes(digits):
    X, _ = digits
    ae = AutoEncoder(n_components=4, random_state=0, **FAST)
    Z = ae.fit_transform(X)
    assert Z.shape == (X.shape[0], 4) and Z.dtype == np.float64
    assert ae.transform(X.astype(np.float32)).dtype == np.float32
    assert ae.inverse_transform(Z).shape == X.shape
    assert ae.n_features_in_ == 64 and ae.n_iter_ == 5 and len(ae.loss_curve_) == 5
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    assert list(ae.get_feature_names_out()) == [f"autoencoder{i}" for i in range(4)]


def test_quality_beats_pca_reconstruction(digits):
    """Held-out reconstruction error well below PCA's with the same code size."""
    X, _ = digits
    Xtr, Xte = train_test_split(X, random_state=0)
    pca = PCA(8).fit(Xtr)
    pca_err = np.mean((pca.inverse_transform(pca.transform(Xte)) - Xte) ** 2)
    ae = AutoEncoder(8, max_epochs=30, batch_size=64, random_state=0).fit(Xtr)
    ae_err = -ae.score(Xte)
    assert ae_err < 0.8 * pca_err, (ae_err, pca_err)


def test_same_seed_same_result_and_global_rng_untouched(digits):
    X, _ = digits
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    a = AutoEncoder(random_state=3, **FAST).fit(X)
    b = AutoEncoder(random_state=3, **FAST).fit(X)
    c = AutoEncoder(random_state=4, **FAST).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not np.allclose(a.transform(X), c.transform(X))
    assert torch.equal(torch_state, torch.get_rng_state())
    np.testing.assert_array_equal(np_state, np.random.get_state()[1])


def test_bce_loss_requires_unit_interval(digits):
    X, _ = digits
    ae = AutoEncoder(loss="bce", random_state=0, **FAST).fit(X)
    rec = ae.inverse_transform(ae.transform(X))
    assert rec.min() >= 0 and rec.max() <= 1
    with pytest.raises(ValueError, match=r"loss='bce' needs X in \[0, 1\]"):
        AutoEncoder(loss="bce", **FAST).fit(X * 16 - 3)


def test_diverging_training_raises_clear_error(digits):
    X, _ = digits
    with pytest.raises(TrainingDivergedError, match="Training diverged: the loss became inf"):
        AutoEncoder(random_state=0, **FAST).fit(X * 1e25)


def test_callbacks_are_used_and_not_mutated(digits):
    X, _ = digits
    stopper = EarlyStopping(monitor="train_loss", patience=1, threshold=10.0)
    params = dict(FAST, max_epochs=50)
    ae = AutoEncoder(callbacks=[stopper], random_state=0, **params).fit(X)
    assert ae.n_iter_ < 50
    assert not hasattr(stopper, "best_epoch_")  # the user's object was copied


def test_verbose_prints_epoch_table(digits, capsys):
    X, _ = digits
    AutoEncoder(verbose=1, random_state=0, **FAST).fit(X[:200])
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out
    AutoEncoder(verbose=0, random_state=0, **FAST).fit(X[:200])
    assert capsys.readouterr().out == ""


def test_pickle_joblib_clone_roundtrip(digits, tmp_path):
    X, _ = digits
    ae = AutoEncoder(random_state=0, **FAST).fit(X)
    Z = ae.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ae)).transform(X), Z)
    joblib.dump(ae, tmp_path / "ae.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "ae.joblib").transform(X), Z)
    fresh = clone(ae)
    assert not hasattr(fresh, "net_") and fresh.get_params() == ae.get_params()


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the CPU-only side")
def test_model_saved_on_cuda_loads_on_cpu(digits):
    """A pickle whose net claims device 'cuda' loads on a CPU-only machine.

    skorch stores the module's tensors with ``torch.save`` and maps them to the
    CPU on load when CUDA is missing; the estimator follows with ``device_``.
    """
    X, _ = digits
    ae = AutoEncoder(random_state=0, **FAST).fit(X)
    Z = ae.transform(X)
    ae.device_ = "cuda"
    ae.net_.device = "cuda"
    blob = pickle.dumps(ae)
    with pytest.warns(Warning, match="(?i)cuda"):
        loaded = pickle.loads(blob)
    assert loaded.device_ == "cpu" and str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), Z)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_fit_then_cpu_inference(digits):  # pragma: no cover - GPU machines only
    X, _ = digits
    ae = AutoEncoder(device="cuda", random_state=0, **FAST).fit(X)
    assert ae.device_.startswith("cuda")
    state = io.BytesIO()
    pickle.dump(ae, state)
    Z = ae.transform(X)
    assert Z.shape == (X.shape[0], 10)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_cuda_requested_without_gpu_is_a_clear_error(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="CUDA is not available"):
        AutoEncoder(device="cuda", **FAST).fit(X)
    with pytest.raises(ValueError, match="not a valid torch device"):
        AutoEncoder(device="gpu-please", **FAST).fit(X)


def test_bad_hidden_dims_and_optimizer(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="hidden_dims"):
        AutoEncoder(hidden_dims=(8, 0), **{k: v for k, v in FAST.items() if k != "hidden_dims"}).fit(X)
    ae = AutoEncoder(optimizer=torch.optim.SGD, lr=0.01, random_state=0, **FAST).fit(X)
    assert isinstance(ae.net_.optimizer_, torch.optim.SGD)
    with pytest.raises(TypeError, match="optimizer"):
        AutoEncoder(optimizer=dict, **FAST).fit(X)


def test_pandas_in_and_out(digits):
    X, _ = digits
    df = pd.DataFrame(X[:300], columns=[f"px{i}" for i in range(64)])
    ae = AutoEncoder(n_components=3, random_state=0, **FAST).set_output(transform="pandas")
    out = ae.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["autoencoder0", "autoencoder1", "autoencoder2"]
    assert list(ae.feature_names_in_) == list(df.columns)


def test_gridsearch_pipeline_without_y(digits):
    """The foundation issue's acceptance: GridSearchCV over scale -> AE -> KMeans, no y."""
    X, _ = digits
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("ae", AutoEncoder(random_state=0, **FAST)),
            ("km", KMeans(10, n_init=2, random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"ae__n_components": [4, 8]}, cv=2).fit(X[:600])
    assert search.best_params_["ae__n_components"] in (4, 8)
    assert search.predict(X[:5]).shape == (5,)


def test_batch_norm_codes_do_not_depend_on_the_batch(digits):
    X, _ = digits
    X = X[:65]  # 65 % 32 == 1: the one-row training batch is skipped instead of breaking BatchNorm
    ae = AutoEncoder(n_components=3, hidden_dims=(16,), batch_norm=True, batch_size=32, max_epochs=2,
                     random_state=0).fit(X)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in ae.net_.module_.modules())
    np.testing.assert_allclose(ae.transform(X[:5]), ae.transform(X)[:5], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="n_samples=1"):
        AutoEncoder(batch_norm=True).fit(X[:1])
