"""plot_outlier_explanation: the largest contributions at the top, bands beside them."""

import numpy as np
import pandas as pd
import pytest

from sklearn_unsup.inspection import plot_outlier_explanation

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_top_features_and_bands():
    import matplotlib.pyplot as plt

    c = pd.Series([0.1, 3.0, 0.5, 2.0], index=["a", "b", "c", "d"])
    q = np.array([[-2.0] * 4, [-1.0] * 4, [0.0] * 4, [1.0] * 4, [2.0] * 4])
    fig = plot_outlier_explanation(c, X_row=np.array([0, 9.0, 0, 0]), quantiles=q, n_features=3, title="row 7")
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()] == ["c", "d", "b"]  # largest at the top
    assert right.collections[-1].get_offsets()[-1][0] == pytest.approx(9 / 4)  # (9 - median) / (2 - -2)
    assert fig._suptitle.get_text() == "row 7"
    plt.close(fig)
    fig = plot_outlier_explanation(np.array([1.0, 2.0]))
    assert len(fig.axes) == 1 and [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x0", "x1"]
    plt.close(fig)


def test_bad_input():
    with pytest.raises(ValueError, match="one row"):
        plot_outlier_explanation(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2 names for 3"):
        plot_outlier_explanation(np.ones(3), feature_names=["a", "b"])
    with pytest.raises(ValueError, match="both X_row and quantiles"):
        plot_outlier_explanation(np.ones(3), X_row=np.ones(3))
    with pytest.raises(ValueError, match="X_row must have 3 values"):
        plot_outlier_explanation(np.ones(3), X_row=np.ones(2), quantiles=np.ones((3, 3)))
    with pytest.raises(ValueError, match="n_features"):
        plot_outlier_explanation(np.ones(3), n_features=0)
