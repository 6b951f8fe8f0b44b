"""ViM: virtual-logit matching out-of-distribution score."""

import numpy as np

from ..utils._sklearn_compat import Integral, Interval
from ._classifier_base import BaseClassifierDetector, energy

__all__ = ["ViMDetector"]


class ViMDetector(BaseClassifierDetector):
    """Out-of-distribution score from the logits and the features' residual (ViM).

    Wang et al. combine the class-agnostic feature space with the
    class-dependent logits. With the final linear layer ``logits = W x + b``,
    the features are re-centred at ``u = -pinv(W) b`` (where every logit is
    zero), the principal subspace of the re-centred training features is kept
    (``n_components`` dimensions), and the norm of a row's residual outside it
    becomes a *virtual logit* ``alpha * |x_residual|``, scaled so that its mean
    on the training rows matches the mean largest logit. The score is the
    energy minus the virtual logit, ``logsumexp(logits) - alpha * |x_residual|``:
    an out-of-distribution row has a large residual and/or a small energy.

    Parameters
    ----------
    estimator : linear classifier or None, default=None
        Classifier whose fitted ``coef_`` (n_classes, n_features) and
        ``intercept_`` are the final layer, cloned and fitted on ``(X, y)``
        (any scikit-learn linear classifier; a trained one wrapped in
        :class:`sklearn.frozen.FrozenEstimator`). For a torch model, pass its
        penultimate features as ``X`` and a frozen object holding the last
        ``nn.Linear``'s ``weight`` as ``coef_``, ``bias`` as ``intercept_``
        (see the user guide). None: ``LogisticRegression(max_iter=1000)``.
    n_components : int or None, default=None
        Dimension of the principal subspace. None follows the paper's rule:
        1000 when ``n_features >= 2048``, 512 when ``n_features >= 768``, else
        ``n_features // 2``. Must be below ``n_features``.
    contamination : {"auto", "zscore", "clf", "mixmod", "filter"} or float in (0, 0.5], \
            default="auto"
        Sets ``offset_`` from the training scores: a float flags that share of
        the training rows; "auto" flags rows below Tukey's lower fence, "zscore"
        rows more than one standard deviation below the mean score, "clf"
        follows PyThresh's pre-fitted rule on the normalised scores, "mixmod"
        cuts where two-component mixtures fitted to the scores cross, "filter"
        at the peak of the smoothed scores (see the outlier user guide).

    Attributes
    ----------
    estimator_ : classifier
        The fitted classifier.
    classes_ : ndarray or None
        The classifier's classes.
    origin_ : ndarray of shape (n_features,)
        ``u = -pinv(W) b``.
    residual_basis_ : ndarray of shape (n_features, n_features - `n_components_`)
        Orthonormal basis of the residual space.
    alpha_ : float
        Scale of the virtual logit.
    n_components_ : int
        Dimension of the principal subspace used.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    EnergyDetector : The logit part alone.
    MahalanobisDetector : A Gaussian on the features alone.

    References
    ----------
    .. [1] H. Wang, Z. Li, L. Feng and W. Zhang, "ViM: Out-of-distribution with
       virtual-logit matching", CVPR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import ViMDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 6)) * [3, 3, 3, 0.1, 0.1, 0.1]
    >>> y = (X[:, 0] > 0).astype(int)
    >>> detector = ViMDetector(n_components=3).fit(X, y)
    >>> odd = [[1.0, 1.0, 1.0, 3.0, 3.0, 3.0]]   # off the principal subspace
    >>> bool(detector.score_samples(odd)[0] < detector.score_samples([[1.0, 1.0, 1.0, 0, 0, 0]])[0])
    True
    """

    _parameter_constraints: dict = {
        "n_components": [None, Interval(Integral, 0, None, closed="left")],
        **BaseClassifierDetector._parameter_constraints,
    }

    def __init__(self, estimator=None, *, n_components=None, contamination="auto"):
        self.estimator = estimator
        self.n_components = n_components
        self.contamination = contamination

    def _fit_estimator(self, X, y):
        if self.estimator == "passthrough":
            raise ValueError(
                "ViMDetector needs the features and the final linear layer; estimator='passthrough' "
                "(X = logits) is not enough. Pass a linear classifier (coef_, intercept_)."
            )
        super()._fit_estimator(X, y)
        for attr in ("coef_", "intercept_"):
            if not hasattr(self.estimator_, attr):
                raise TypeError(
                    f"ViMDetector needs the classifier's final linear layer; {type(self.estimator_).__name__} "
                    f"has no {attr} attribute (use a linear classifier, e.g. LogisticRegression)."
                )

    def _linear_layer(self):
        W = np.atleast_2d(np.asarray(self.estimator_.coef_, dtype=np.float64))
        b = np.atleast_1d(np.asarray(self.estimator_.intercept_, dtype=np.float64)).ravel()
        if W.shape[0] == 1:  # binary: the symmetric pair of logits, as in as_logits
            W, b = np.vstack([-W / 2, W / 2]), np.r_[-b / 2, b / 2]
        return W, b

    def _fit_extra(self, X):
        n_features = X.shape[1]
        if self.n_components is None:
            k = 1000 if n_features >= 2048 else 512 if n_features >= 768 else n_features // 2
        else:
            k = self.n_components
        if k >= n_features:
            raise ValueError(
                f"n_components={k} must be below n_features={n_features} (ViM scores the residual "
                "outside the principal subspace)."
            )
        self.n_components_ = k
        W, b = self._W, self._b = self._linear_layer()
        if W.shape[1] != n_features:
            raise ValueError(
                f"The classifier's coef_ has {W.shape[1]} columns but X has {n_features} features."
            )
        self.origin_ = -np.linalg.pinv(W) @ b
        Z = X - self.origin_
        # Eigenvectors of the (uncentred) second moment about the origin, largest first.
        eigval, eigvec = np.linalg.eigh(Z.T @ Z / Z.shape[0])
        order = np.argsort(eigval)[::-1]
        self.residual_basis_ = np.ascontiguousarray(eigvec[:, order[k:]])
        logits = X @ W.T + b
        vlogit = self._residual_norm(X)
        self.alpha_ = float(abs(np.mean(np.max(logits, axis=1))) / max(np.mean(vlogit), np.finfo(float).tiny))

    def _residual_norm(self, X):
        return np.linalg.norm((X - self.origin_) @ self.residual_basis_, axis=1)

    def _score_outputs(self, logits):
        return energy(logits)

    def _scores(self, X):
        # the classifier's logits recomputed from its linear layer, less the scaled feature residual
        return self._score_outputs(X @ self._W.T + self._b) - self.alpha_ * self._residual_norm(X)
