"""Neighbour mining for SCAN/TLDR: exact kernel or NN-descent."""

import numpy as np
import pytest

from sklearn_unsup._kernels import knn_search
from sklearn_unsup.cluster import SCAN
from sklearn_unsup.manifold import TLDR
from sklearn_unsup.metrics import cluster_accuracy
from sklearn_unsup.neighbors import mine_neighbors
from sklearn_unsup.neighbors._mining import AUTO_EXACT_MAX_ROWS


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nndescent_finds_most_exact_neighbors(digits, metric):
    X, _ = digits
    exact = mine_neighbors(X, 10, metric=metric, algorithm="exact")
    approx = mine_neighbors(X, 10, metric=metric, algorithm="nndescent", random_state=0)
    assert approx.shape == exact.shape == (len(X), 10) and approx.dtype == np.int64
    assert not (approx == np.arange(len(X))[:, None]).any()  # never a row itself
    assert (approx >= 0).all()
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall > 0.9
    np.testing.assert_array_equal(approx, mine_neighbors(X, 10, metric=metric, algorithm="nndescent",
                                                         random_state=0))


def test_auto_is_exact_below_the_threshold(digits):
    X, _ = digits
    assert AUTO_EXACT_MAX_ROWS >= 100_000
    np.testing.assert_array_equal(mine_neighbors(X, 5, algorithm="auto"),
                                  knn_search(np.float32(X), 5, exclude_self=True)[1])


def test_scan_and_tldr_with_nndescent(digits):
    X, y = digits
    scan = SCAN(10, encoder=None, n_init=1, neighbors_algorithm="nndescent", max_epochs=30, self_label_epochs=0,
                hidden_dims=(128,), n_components=32, random_state=0).fit(X)
    assert cluster_accuracy(y, scan.labels_) > 0.6  # KMeans on digits: .79 ACC; chance .10
    tldr = TLDR(8, neighbors_algorithm="nndescent", encoder="linear", max_epochs=5, projector_dims=(64,),
                random_state=0).fit(X)
    assert tldr.transform(X).shape == (len(X), 8)


def test_mine_neighbors_is_public_and_checks_its_arguments():
    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="n_neighbors=20 must be between 1 and n_samples - 1 = 19"):
        mine_neighbors(X, 20)
    with pytest.raises(ValueError, match="algorithm must be"):
        mine_neighbors(X, 3, algorithm="ball_tree")
