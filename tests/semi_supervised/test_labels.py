import numpy as np
import pytest

from sklearn_unsup.semi_supervised._labels import labelled_accuracy, unlabelled_mask


class _Constant:
    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_unlabelled_mask_reads_minus_one_in_numbers_only():
    np.testing.assert_array_equal(unlabelled_mask([0, -1, 2]), [False, True, False])
    np.testing.assert_array_equal(unlabelled_mask(np.array([0.0, -1.0])), [False, True])
    np.testing.assert_array_equal(unlabelled_mask(np.array(["a", "-1"])), [False, False])
    np.testing.assert_array_equal(unlabelled_mask(np.array(["a", -1], dtype=object)), [False, True])


def test_labelled_accuracy_leaves_out_unlabelled_rows_and_refuses_bad_y():
    X = np.zeros((4, 2))
    assert labelled_accuracy(_Constant(), X, [0, 1, -1, -1]) == 0.5
    assert labelled_accuracy(_Constant(), X, [0, 1, 0, -1], sample_weight=[1, 0, 1, 5]) == 1.0
    with pytest.raises(ValueError, match="every label of y is -1"):
        labelled_accuracy(_Constant(), X, [-1, -1, -1, -1])
    with pytest.raises(ValueError, match="3 labels for 4 rows"):
        labelled_accuracy(_Constant(), X, [0, 1, -1])


def test_split_partial_labels_is_the_one_reading_of_y():
    from sklearn_unsup.semi_supervised._labels import novel_cluster_labels, split_partial_labels

    classes, codes = split_partial_labels([3, -1, 7, 3], 4)
    np.testing.assert_array_equal(classes, [3, 7])
    np.testing.assert_array_equal(codes, [0, -1, 1, 0])
    classes, codes = split_partial_labels(np.array(["b", -1, "a"], dtype=object), 3)
    assert classes.tolist() == ["a", "b"] and codes.tolist() == [1, -1, 0]
    classes, codes = split_partial_labels(None, 2)
    assert classes.size == 0 and codes.tolist() == [-1, -1]
    assert split_partial_labels([-2, -1], 2)[1].tolist() == [0, -1]  # only -1 means unlabelled
    for y, message in [([0, 1], "2 labels for 3 rows"), ([0.5, 1.0, -1], "Unknown label type"),
                       ([0, np.nan, -1], "NaN")]:
        with pytest.raises(ValueError, match=message):
            split_partial_labels(y, 3)
    np.testing.assert_array_equal(novel_cluster_labels(np.array([2, 5]), 2), [6, 7])
    assert novel_cluster_labels(np.array(["a"]), 2).tolist() == ["novel_0", "novel_1"]
    assert novel_cluster_labels(np.array([], dtype=np.int64), 2).tolist() == [0, 1]


@pytest.mark.parametrize("name", ["LaplacianKPrototypes", "ProjectionBasedNCD", "SplitMergeGMM"])
def test_the_family_reads_y_alike(name):
    """Text labels, -1 among them, and the same error for a wrong length, in every estimator of the family."""
    from sklearn.datasets import make_blobs

    import sklearn_unsup.semi_supervised as family
    from sklearn_unsup.utils._test_common import FAST_PARAMS

    X, y = make_blobs(90, centers=3, cluster_std=0.5, random_state=0)
    estimator = getattr(family, name)(**FAST_PARAMS.get(name, {}), random_state=0)
    text = np.array(["a", "b", "c"], dtype=object)[y]
    text[np.arange(90) % 3 != 0] = -1
    estimator.fit(X, text)
    labels = estimator.labels_
    kept = text != -1
    np.testing.assert_array_equal(labels[kept], text[kept])
    assert set(estimator.predict(X[:5])) <= set(estimator.classes_)
    with pytest.raises(ValueError, match="89 labels for 90 rows"):
        estimator.fit(X, text[:-1])
