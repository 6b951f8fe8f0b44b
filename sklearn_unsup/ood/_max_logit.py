"""Maximum-logit out-of-distribution score."""

import numpy as np

from ._classifier_base import BaseClassifierDetector

__all__ = ["MaxLogitDetector"]


class MaxLogitDetector(BaseClassifierDetector):
    """Out-of-distribution score = the classifier's largest logit.

    Hendrycks et al. found the unnormalised maximum logit a stronger score
    than the softmax probability when there are many classes: it keeps the
    magnitude that the softmax normalises away.

    Parameters
    ----------
    estimator : classifier, "passthrough" or None, default=None
        Classifier with ``decision_function`` (its logits), cloned and fitted
        on ``(X, y)``. Wrap an already trained classifier in
        :class:`sklearn.frozen.FrozenEstimator`; ``"passthrough"`` means ``X``
        holds logits. None: ``LogisticRegression(max_iter=1000)``.
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
    EnergyDetector : Log-sum-exp of the logits (a smooth maximum).

    References
    ----------
    .. [1] D. Hendrycks, S. Basart, M. Mazeika, A. Zou, J. Kwon, M. Mostajabi,
       J. Steinhardt and D. Song, "Scaling out-of-distribution detection for
       real-world settings", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import MaxLogitDetector
    >>> MaxLogitDetector("passthrough").fit([[1.0, 5.0], [2.0, 0.0]]).score_samples([[1.0, 5.0]])
    array([5.])
    """

    def __init__(self, estimator=None, *, contamination="auto"):
        self.estimator = estimator
        self.contamination = contamination

    def _score_outputs(self, logits):
        return np.max(logits, axis=1)
