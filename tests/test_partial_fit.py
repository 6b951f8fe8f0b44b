"""``partial_fit`` on every estimator that has it: one pass over a block of rows, state kept."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import check_estimators_partial_fit_n_features

from sklearn_unsup.cluster import BalancedKMeans, SelfOrganizingMap
from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.utils import all_estimators
from sklearn_unsup.utils._test_common import make_test_instances

# SwAV is incremental with per-row views only (n_neighbors=0)
_INSTANCES = [e.set_params(n_neighbors=0) if type(e).__name__ == "SwAV" else e
              for e in make_test_instances(all_estimators())]
INCREMENTAL = [e for e in _INSTANCES if hasattr(e, "partial_fit")]
NOT_INCREMENTAL = {"SCAN", "SeLa", "DeepCluster", "TLDR", "ScoreMatchingDetector",
                   "InvariantsDetector", "GraphAutoEncoder", "GraphContrastiveEncoder",
                   "ProjectionBasedNCD",
                   "DeepLowDensitySeparation", "RateReductionClustering", "ClAM", "JULE"}


def _ids(est):
    return type(est).__name__


def _blocks(n_blocks=3, n=60, seed=0):
    X, _ = make_blobs(n * n_blocks, n_features=4, centers=3, random_state=seed)
    return [X[i * n:(i + 1) * n] for i in range(n_blocks)]


def _output(est, X):
    for method in ("score_samples", "transform", "predict"):
        if hasattr(est, method):
            return np.asarray(getattr(est, method)(X), dtype=np.float64)
    raise AssertionError(f"{type(est).__name__} has no output method")


def test_the_incremental_estimators():
    names = {type(e).__name__ for e in INCREMENTAL}
    assert {"AutoEncoder", "VAE", "RealNVP", "DeepSVDD", "AutoEncoderOutlierDetector", "VAEOutlierDetector",
            "FlowOutlierDetector", "BalancedKMeans", "SelfOrganizingMap", "DEC", "ContrastiveEncoder",
            "JointVAE", "SwAV"} <= names
    assert not names & NOT_INCREMENTAL  # documented as not incremental (docs/scaling.rst)


@pytest.mark.parametrize("estimator", INCREMENTAL, ids=_ids)
def test_partial_fit_n_features(estimator):
    # scikit-learn runs this check for classifiers, regressors and clusterers only
    check_estimators_partial_fit_n_features(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", INCREMENTAL, ids=_ids)
def test_partial_fit_keeps_state_and_is_reproducible(estimator):
    blocks = _blocks()
    a, b = clone(estimator), clone(estimator)
    outputs = []
    for block in blocks:
        assert a.partial_fit(block) is a
        b.partial_fit(block)
        outputs.append(_output(a, blocks[0]))
    np.testing.assert_array_equal(_output(a, blocks[0]), _output(b, blocks[0]))
    assert not np.allclose(outputs[0], outputs[-1])  # later blocks moved the model
    if hasattr(a, "n_iter_") and not isinstance(a, SelfOrganizingMap):
        assert a.n_iter_ == 3
    assert a.n_features_in_ == blocks[0].shape[1]


@pytest.mark.parametrize("estimator", INCREMENTAL, ids=_ids)
def test_partial_fit_after_fit_continues(estimator):
    blocks = _blocks()
    fitted = clone(estimator).fit(blocks[0])
    before = _output(fitted, blocks[0])
    n_iter = getattr(fitted, "n_iter_", None)
    fitted.partial_fit(blocks[1])
    if n_iter is not None and not isinstance(fitted, (SelfOrganizingMap, BalancedKMeans)):
        assert fitted.n_iter_ == n_iter + 1
    after = _output(fitted, blocks[0])
    assert after.shape == before.shape and not np.allclose(before, after)


@pytest.mark.parametrize("estimator", INCREMENTAL, ids=_ids)
def test_partial_fit_rejects_bad_blocks(estimator):
    blocks = _blocks()
    est = clone(estimator).partial_fit(blocks[0])
    bad = blocks[1].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(bad)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(blocks[1][:, :3])


@pytest.mark.parametrize("estimator", INCREMENTAL, ids=_ids)
def test_partial_fit_keeps_dataframe_feature_names(estimator):
    cols = ["a", "b", "c", "d"]
    blocks = [pd.DataFrame(b, columns=cols) for b in _blocks()]
    est = clone(estimator).partial_fit(blocks[0]).partial_fit(blocks[1])
    assert list(est.feature_names_in_) == cols
    with pytest.raises(ValueError, match="feature names"):
        est.partial_fit(blocks[2][cols[::-1]])


def test_autoencoder_trained_block_by_block_matches_a_full_fit():
    X = load_digits().data / 16
    X = X[np.random.RandomState(0).permutation(len(X))]
    blocks = np.array_split(X, 6)
    params = dict(n_components=8, hidden_dims=(64,), batch_size=64, random_state=0)
    full = AutoEncoder(max_epochs=15, **params).fit(X)
    inc = AutoEncoder(**params)
    for _ in range(15):
        for block in blocks:
            inc.partial_fit(block)
    assert inc.n_iter_ == 90
    err_full = full.reconstruction_error(X).mean()
    err_inc = inc.reconstruction_error(X).mean()
    pca = PCA(8).fit(X)
    err_pca = ((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean()
    assert err_inc < 1.2 * err_full
    assert err_inc < err_pca


def test_balanced_kmeans_in_blocks_finds_the_digit_classes():
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    X, y = X[perm] / 16, y[perm]
    km = BalancedKMeans(10, random_state=0)
    for _ in range(3):
        for start in range(0, len(X), 300):
            km.partial_fit(X[start:start + 300])
    assert km.counts_.sum() == 3 * len(X)
    assert adjusted_rand_score(y, km.predict(X)) > 0.55  # a full fit: .68, random labels: 0
    with pytest.raises(ValueError, match="n_clusters=10 in every block"):
        km.partial_fit(X[:5])


def test_dec_in_blocks_clusters_digits():
    import warnings

    from sklearn_unsup.cluster import DEC
    from sklearn_unsup.metrics import cluster_accuracy

    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    X, y = X[perm] / 16, y[perm]
    dec = DEC(10, hidden_dims=(128,), n_components=10, pretrain_epochs=60, update_interval=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a small block may leave a cluster empty for a while
        for _ in range(5):
            for block in np.array_split(np.arange(len(X)), 3):
                dec.partial_fit(X[block])
    assert dec.n_iter_ == 15 and len(dec.labels_) == 599
    # DEC.fit with the same settings: ACC .698; chance: .10
    assert cluster_accuracy(y, dec.predict(X)) > 0.6


def test_jointvae_capacity_schedule_continues_across_blocks():
    from sklearn_unsup.decomposition import JointVAE

    blocks = _blocks(n_blocks=3, n=64)
    jv = JointVAE(3, n_components=2, hidden_dims=(8,), batch_size=16, max_epochs=2, random_state=0)
    for block in blocks:
        jv.partial_fit(block)
    criterion = jv.net_.criterion_
    assert int(criterion.step) == 3 * 4  # 4 steps per block, counted across calls
    assert criterion.ramp_steps == int(0.5 * 2 * 4)  # set by the first block
    assert len(jv.labels_) == 64


def test_swav_partial_fit_needs_per_row_views():
    from sklearn_unsup.cluster import SwAV

    assert not hasattr(SwAV(3, n_neighbors=5), "partial_fit")
    with pytest.raises(AttributeError) as info:
        SwAV(3, n_neighbors=5).partial_fit(_blocks()[0])
    assert "n_neighbors=0" in str(info.value.__cause__)
    assert hasattr(SwAV(3, n_neighbors=0), "partial_fit")
