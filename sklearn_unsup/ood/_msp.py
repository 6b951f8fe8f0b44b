"""Maximum softmax probability (MSP) out-of-distribution score."""

import numpy as np
from scipy.special import softmax

from ..utils._sklearn_compat import Interval, Real
from ._classifier_base import BaseClassifierDetector

__all__ = ["MSPDetector"]


class MSPDetector(BaseClassifierDetector):
    """Out-of-distribution score = the classifier's largest class probability.

    The baseline of Hendrycks & Gimpel: a classifier is less sure of its
    prediction on rows unlike its training data. Uses ``predict_proba`` (or the
    softmax of the logits with ``estimator='passthrough'``).

    Parameters
    ----------
    estimator : classifier, "passthrough" or None, default=None
        Classifier with ``predict_proba``, cloned and fitted on ``(X, y)``.
        Wrap an already trained classifier (a skorch ``NeuralNetClassifier``
        included) in :class:`sklearn.frozen.FrozenEstimator`; ``"passthrough"``
        means ``X`` holds logits. None: ``LogisticRegression(max_iter=1000)``.
    temperature : float, default=1.0
        Softmax temperature applied to the logits with ``"passthrough"``
        (ignored otherwise).
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
    estimator_ : classifier or None
        The fitted classifier (None with ``"passthrough"``).
    classes_ : ndarray or None
        The classifier's classes.
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
    EnergyDetector : Log-sum-exp of the logits, less saturated than MSP.
    MaxLogitDetector : The largest logit.

    References
    ----------
    .. [1] D. Hendrycks and K. Gimpel, "A baseline for detecting misclassified
       and out-of-distribution examples in neural networks", ICLR 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import MSPDetector
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(100, 2)) - 3, rng.normal(size=(100, 2)) + 3]
    >>> y = np.r_[np.zeros(100), np.ones(100)]
    >>> detector = MSPDetector().fit(X, y)
    >>> bool(detector.score_samples([[0.0, 0.0]])[0] < detector.score_samples([[3.0, 3.0]])[0])
    True
    """

    _needs = "predict_proba"
    _parameter_constraints: dict = {
        "temperature": [Interval(Real, 0, None, closed="neither")],
        **BaseClassifierDetector._parameter_constraints,
    }

    def __init__(self, estimator=None, *, temperature=1.0, contamination="auto"):
        self.estimator = estimator
        self.temperature = temperature
        self.contamination = contamination

    def _score_outputs(self, out):
        if self.estimator_ is None:
            out = softmax(out / self.temperature, axis=1)
        return np.max(out, axis=1)
