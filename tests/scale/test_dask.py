"""Dask: hyper-parameter search on a real ``LocalCluster`` (two worker processes) and
block-wise training of dask arrays. The cluster is started and closed by the fixture;
the package itself never starts a scheduler or workers."""

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import joblib  # noqa: E402
from sklearn.datasets import load_digits, make_blobs  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_unsup.cluster import (  # noqa: E402
    DEC,
    BalancedKMeans,
    DenseMulticut,
    HierarchicalKMeans,
    RateReductionClustering,
    balanced_subsample,
)
from sklearn_unsup.decomposition import VAE, AutoEncoder  # noqa: E402
from sklearn_unsup.metrics import silhouette_score  # noqa: E402
from sklearn_unsup.utils import worker_thread_env  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, env=worker_thread_env(1))
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def digits_small():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, y[:600]


def _worker_threads():
    import numba
    import torch
    from threadpoolctl import threadpool_info

    return (torch.get_num_threads(), numba.get_num_threads(),
            max((info["num_threads"] for info in threadpool_info()), default=1))


def test_workers_are_separate_processes_with_one_thread_each(client):
    info = client.scheduler_info(n_workers=-1)["workers"]
    assert len(info) == 2
    pids = client.run(__import__("os").getpid)
    assert len(set(pids.values())) == 2 and __import__("os").getpid() not in pids.values()
    for threads in client.run(_worker_threads).values():
        assert threads == (1, 1, 1)


def test_grid_search_on_the_cluster_picks_what_the_local_run_picks(client, digits_small):
    X, _ = digits_small
    pipe = Pipeline([("scale", StandardScaler()),
                     ("ae", AutoEncoder(hidden_dims=(16,), max_epochs=5, batch_size=64, random_state=0))])
    grid = {"ae__n_components": [1, 4, 12]}
    local = GridSearchCV(pipe, grid, cv=3).fit(X)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=3, n_jobs=-1).fit(X)
    assert remote.best_params_ == local.best_params_ == {"ae__n_components": 12}
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"],
                               rtol=1e-4)
    # the tasks ran in the worker processes
    assert sum(len(v) for v in client.run(lambda dask_worker: dask_worker.state.log).values()) > 0


def test_fitted_estimators_travel_between_processes(client, digits_small):
    X, _ = digits_small
    est = VAE(n_components=2, hidden_dims=(16,), max_epochs=3, random_state=0)
    fitted = client.submit(est.fit, X).result()  # fitted in a worker, pickled back
    np.testing.assert_allclose(fitted.transform(X), VAE(**est.get_params()).fit(X).transform(X), rtol=1e-4,
                               atol=1e-5)
    remote_codes = client.submit(fitted.transform, X).result()  # and sent out again
    np.testing.assert_array_equal(remote_codes, fitted.transform(X))


def test_numba_kernels_run_in_the_workers(client):
    X, _ = make_blobs(2000, n_features=6, centers=5, random_state=0)
    est = BalancedKMeans(5, random_state=0)
    remote = client.submit(est.fit, X).result()
    local = BalancedKMeans(5, random_state=0).fit(X)
    np.testing.assert_array_equal(remote.labels_, local.labels_)
    remote_sil = client.submit(silhouette_score, X, local.labels_).result()
    assert remote_sil == pytest.approx(silhouette_score(X, local.labels_), rel=1e-9)


def _blockwise(est, Xd):
    for block in Xd.to_delayed().ravel():
        est.partial_fit(block.compute())
    return est


@pytest.mark.parametrize("estimator", [
    AutoEncoder(n_components=4, hidden_dims=(16,), random_state=0),
    VAE(n_components=2, hidden_dims=(16,), random_state=0),
    BalancedKMeans(4, random_state=0),
    DEC(4, hidden_dims=(16,), n_components=4, pretrain_epochs=3, update_interval=5, random_state=0),
], ids=lambda e: type(e).__name__)
def test_incremental_trains_on_the_blocks_of_a_dask_array(client, estimator):
    from dask_ml.wrappers import Incremental
    from sklearn.base import clone

    X, _ = make_blobs(1200, n_features=8, centers=4, random_state=0)
    Xd = da.from_array(X, chunks=(300, 8))
    inc = Incremental(clone(estimator), shuffle_blocks=False).fit(Xd)
    assert inc.estimator_.n_iter_ == 4  # one partial_fit per block
    reference = _blockwise(clone(estimator), Xd)  # the same blocks in order, locally
    out = "transform" if hasattr(reference, "transform") else "predict"
    got = getattr(inc.estimator_, out)(X)
    np.testing.assert_allclose(got, getattr(reference, out)(X), rtol=1e-4, atol=1e-5)
    # the dask-ml wrapper maps the fitted model over the blocks of a dask array
    mapped = getattr(inc, out)(Xd)
    assert isinstance(mapped, da.Array)
    np.testing.assert_allclose(mapped.compute(), got, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("estimator", [
    DenseMulticut(),
    HierarchicalKMeans((12, 4), random_state=0),
    RateReductionClustering(hidden_dims=(16,), n_components=8, max_epochs=3, batch_size=64, random_state=0),
], ids=lambda e: type(e).__name__)
def test_k_free_clusterers_label_the_blocks_of_a_dask_array(client, estimator):
    # the documented route for pools larger than memory: fit on a sample, label the blocks on the cluster
    from dask_ml.wrappers import ParallelPostFit
    from sklearn.base import clone

    X, _ = make_blobs(1200, n_features=8, centers=4, random_state=0)
    Xd = da.from_array(X, chunks=(300, 8))
    wrapped = ParallelPostFit(clone(estimator)).fit(X[::3])
    labels = wrapped.predict(Xd)
    assert isinstance(labels, da.Array)
    np.testing.assert_array_equal(labels.compute(), wrapped.estimator.predict(X))


def test_balanced_subsample_of_a_dask_pool_on_the_cluster(client):
    X, _ = make_blobs([1500, 300, 100], n_features=6, centers=None, random_state=0)
    hkm = HierarchicalKMeans((20, 3), random_state=0).fit(X[::5])
    Xd = da.from_array(X, chunks=(400, 6))
    got = balanced_subsample(Xd, 150, hierarchy=hkm, random_state=0)  # assigned block by block on the workers
    np.testing.assert_array_equal(got, balanced_subsample(X, 150, hierarchy=hkm, random_state=0))
