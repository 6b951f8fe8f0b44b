import numpy as np
import pytest
from scipy.optimize import check_grad

from sklearn_unsup.semi_supervised._qn_s3vm import ovr_s3vm_scores, qn_s3vm, s3vm_objective


def _stripes(n=400, seed=0):
    """Two long vertical stripes at x = -2 and x = +2 with an empty gap between them; one labelled row each,
    at opposite ends, so that the supervised boundary (their bisector) is tilted across both stripes."""
    rng = np.random.RandomState(seed)
    y = np.repeat([-1.0, 1.0], n // 2)
    X = np.column_stack([2.0 * y + 0.3 * rng.randn(n), 1.5 * rng.randn(n)])
    X_l = np.array([[-2.0, 2.5], [2.0, -2.5]])
    return X_l, np.array([-1.0, 1.0]), X, y


def test_gradient_matches_finite_differences():
    rng = np.random.RandomState(0)
    X_l, y_l, X_u = rng.randn(15, 4), np.sign(rng.randn(15)), rng.randn(40, 4)
    for lam_u in (0.0, 0.7):
        for w in (rng.randn(4), 0.3 * rng.randn(4)):
            args = (X_l, y_l, X_u, -0.2, 1e-2, lam_u)
            err = check_grad(lambda v, a=args: s3vm_objective(v, *a)[0],
                             lambda v, a=args: s3vm_objective(v, *a)[1], w)
            assert err < 1e-5 * max(1.0, np.linalg.norm(s3vm_objective(w, X_l, y_l, X_u, -0.2, 1e-2, lam_u)[1]))


def test_finds_the_low_density_gap():
    X_l, y_l, X_u, y_u = _stripes()
    w, b, m = qn_s3vm(X_l, y_l, X_u, lam=1e-3, lam_u=1.0)
    accuracy = np.mean(np.sign((X_u - m) @ w + b) == y_u)
    w0, b0, m0 = qn_s3vm(X_l, y_l, X_u, lam=1e-3, lam_u=0.0)  # the supervised problem only
    supervised = np.mean(np.sign((X_u - m0) @ w0 + b0) == y_u)
    assert supervised < 0.9  # the tilted bisector cuts through both stripes
    assert accuracy > 0.98
    assert abs(w[1]) < 0.2 * abs(w[0])  # the boundary runs along the gap (nearly vertical)


def test_balance_constraint_holds_exactly():
    X_l, y_l, X_u, _ = _stripes()
    for r in (0.5, 0.3):
        w, b, m = qn_s3vm(X_l, y_l, X_u, r=r)
        assert np.mean((X_u - m) @ w + b) == pytest.approx(2 * r - 1, abs=1e-10)


def test_without_unlabelled_rows_is_the_supervised_fit():
    X_l, y_l, _, _ = _stripes()
    w, b, m = qn_s3vm(X_l, y_l, np.empty((0, 2)))
    assert np.all(np.sign((X_l - m) @ w + b) == y_l)


def test_one_vs_rest_scores():
    rng = np.random.RandomState(1)
    centers = np.array([[0, 5], [5, 0], [-5, -5]], dtype=float)
    y = np.repeat([0, 1, 2], 60)
    Z = centers[y] + rng.randn(len(y), 2)
    labelled = np.array([0, 60, 120])
    scores, W, b, M = ovr_s3vm_scores(Z, labelled, y[labelled], 3)
    assert scores.shape == (180, 3) and W.shape == (2, 3) and b.shape == (3,) and M.shape == (3, 2)
    assert np.mean(scores.argmax(axis=1) == y) > 0.95
    np.testing.assert_allclose(scores[:, 1], (Z - M[1]) @ W[:, 1] + b[1])
