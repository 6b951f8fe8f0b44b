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
