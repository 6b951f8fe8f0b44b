"""Deep detectors: scikit-learn's sign conventions and quality above chance on a real set."""

import inspect
import re

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from sklearn_unsup import ood, outlier
from sklearn_unsup.outlier import AutoEncoderOutlierDetector, DeepSVDD, FlowOutlierDetector, VAEOutlierDetector
from sklearn_unsup.utils import all_estimators

from ..conftest import load_shared

FAST = dict(max_epochs=5, random_state=0)
DETECTORS = [
    AutoEncoderOutlierDetector(**FAST),
    VAEOutlierDetector(**FAST),
    FlowOutlierDetector(**FAST),
    DeepSVDD(**FAST),
]
IDS = [type(d).__name__ for d in DETECTORS]


@pytest.fixture(scope="module")
def blobs_with_outliers():
    rng = np.random.RandomState(0)
    inliers = rng.normal(size=(400, 5))
    outliers = rng.uniform(-8, 8, size=(20, 5))
    outliers[np.abs(outliers).max(1) < 4, 0] = 7.0  # make sure each is far out
    X = np.r_[inliers, outliers]
    y = np.r_[np.zeros(400), np.ones(20)]
    return X, y


@pytest.mark.parametrize("det", DETECTORS, ids=IDS)
def test_sklearn_conventions(det, blobs_with_outliers):
    X, y = blobs_with_outliers
    det.fit(X)
    s = det.score_samples(X)
    # higher score = more normal: outliers score lower (AUROC of -score for y = 1)
    assert roc_auc_score(y, -s) > 0.9
    np.testing.assert_allclose(det.decision_function(X), s - det.offset_)
    pred = det.predict(X)
    assert set(np.unique(pred)) <= {-1, 1}
    assert np.mean(pred[y == 1] == -1) > 0.5 and np.mean(pred[y == 0] == 1) > 0.8


@pytest.mark.parametrize("det", DETECTORS, ids=IDS)
def test_contamination_sets_the_flagged_share(det, blobs_with_outliers):
    X, _ = blobs_with_outliers
    det = det.__class__(**{**det.get_params(), "contamination": 0.1}).fit(X)
    assert abs(np.mean(det.predict(X) == -1) - 0.1) <= 2 / len(X)


def test_deep_svdd_center_away_from_zero(blobs_with_outliers):
    X, _ = blobs_with_outliers
    det = DeepSVDD(**FAST).fit(X)
    assert np.all(np.abs(det.center_) >= 0.1 - 1e-7)
    # no bias anywhere: the trivial constant map to the centre is impossible
    assert all("bias" not in name for name, _ in det.net_.module_.named_parameters())
    assert det.loss_curve_[-1] < det.loss_curve_[0]


@pytest.mark.parametrize("make", [lambda: VAEOutlierDetector(random_state=0),
                                  lambda: FlowOutlierDetector(random_state=0)], ids=["vae", "flow"])
def test_quality_on_thyroid_well_above_chance(make):
    X, y = load_shared("anomaly/thyroid.npz")
    auc = roc_auc_score(y, -make().fit(X).score_samples(X))
    assert auc > 0.9, auc  # IsolationForest: .975, chance: .5


DETECTORS = {
    "autoencoder": AutoEncoderOutlierDetector,
    "vae": VAEOutlierDetector,
    "deep_svdd": DeepSVDD,
    "flow": FlowOutlierDetector,
}


@pytest.mark.parametrize("name", list(DETECTORS))
@pytest.mark.parametrize(("shape", "input_pca_components", "expected"), [
    ((30, 40), "auto", 6),    # fewer rows than features: 30 // 5 axes
    ((60, 40), "auto", None),  # as many rows as features or more: no projection
    ((30, 40), None, None),
    ((60, 40), 5, 5),
    ((60, 40), 100, None),    # as many axes as features: nothing to drop
])
def test_wide_data_projected_onto_principal_axes(name, shape, input_pca_components, expected):
    X = np.random.RandomState(0).normal(size=shape)
    det = DETECTORS[name](input_pca_components=input_pca_components, max_epochs=2, random_state=0).fit(X)
    if expected is None:
        assert det.pca_ is None
        assert det.scaler_.n_features_in_ == shape[1]
    else:
        assert det.pca_.n_components_ == expected
        assert det.scaler_.n_features_in_ == expected
    assert det.n_features_in_ == shape[1]
    assert det.score_samples(X[:5]).shape == (5,)
    assert np.isfinite(det.score_samples(X)).all()
    # partial_fit: the projection comes from the first block and stays
    inc = DETECTORS[name](input_pca_components=input_pca_components, random_state=0)
    inc.partial_fit(X).partial_fit(X[:20])
    assert (inc.pca_ is None) == (expected is None)
    assert np.isfinite(inc.score_samples(X)).all()


@pytest.mark.parametrize("name", list(DETECTORS))
def test_wide_embeddings_at_or_above_knn_distance(name):
    """Novelty protocol on the ResNet18 MVTec hazelnut embeddings (501 x 512).

    The peer is KNN distance (PyOD's KNN: distance to the 5th neighbour, raw
    features), here through KNNDetector with the same settings, .793. Measured
    (seeds 0-2) with the projection / without: autoencoder .822 / .756, VAE
    .824 / .766, DeepSVDD .802 / .745, flow .825 / .772.
    """
    from sklearn.model_selection import train_test_split

    from sklearn_unsup.ood import KNNDetector

    X, y = load_shared("anomaly/embeddings/ResNet18_mvtec_hazelnut.npz")
    det, knn = [], []
    for seed in range(3):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        normal = Xtr[ytr == 0]
        det.append(roc_auc_score(yte, -DETECTORS[name](random_state=seed).fit(normal).score_samples(Xte)))
        knn.append(roc_auc_score(yte, -KNNDetector(5, normalize=False).fit(normal).score_samples(Xte)))
    assert np.mean(det) >= np.mean(knn), (det, knn)


def test_contamination_is_the_last_keyword_only_parameter():
    """``contamination`` is keyword-only and last: in the signature, the constraints and the docstring."""
    found = set()
    for name, cls in all_estimators():
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        if "contamination" not in [p.name for p in params]:
            continue
        found.add(name)
        assert params[-1].name == "contamination", f"{name}: contamination is not the last parameter"
        assert params[-1].kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: contamination is not keyword-only"
        assert list(cls._parameter_constraints)[-1] == "contamination", f"{name}: not the last constraint"
        documented = re.findall(r"^    (\w+) : ", cls.__doc__.split("\n    Attributes\n")[0], flags=re.M)
        assert documented[-1] == "contamination", f"{name}: contamination is not documented last"
    detectors = {n for mod in (outlier, ood) for n in mod.__all__ if isinstance(getattr(mod, n), type)}
    assert detectors <= found, sorted(detectors - found)
