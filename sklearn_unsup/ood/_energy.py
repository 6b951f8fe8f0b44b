"""Energy-based out-of-distribution score."""

from ..utils._sklearn_compat import Interval, Real
from ._classifier_base import BaseClassifierDetector, energy

__all__ = ["EnergyDetector"]


class EnergyDetector(BaseClassifierDetector):
    """Out-of-distribution score = ``T * logsumexp(logits / T)`` (minus the free energy).

    Liu et al. read the logits as an energy model: the free energy
    ``-T log sum_k exp(f_k(x) / T)`` is lower on the training distribution,
    and unlike the softmax probability it does not saturate at 1.

    Parameters
    ----------
    estimator : classifier, "passthrough" or None, default=None
        Classifier with ``decision_function`` (its logits), cloned and fitted
        on ``(X, y)``. Wrap an already trained classifier in
        :class:`sklearn.frozen.FrozenEstimator`; ``"passthrough"`` means ``X``
        holds logits (e.g. a torch model's last-layer outputs). None:
        ``LogisticRegression(max_iter=1000)``. Probabilities are not logits: a
        classifier with only ``predict_proba`` is refused (use :class:`MSPDetector`).
    temperature : float, default=1.0
        Energy temperature ``T`` (the paper uses 1).
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
    MSPDetector : The largest softmax probability.
    ViMDetector : Energy minus a virtual logit from the feature residual.

    References
    ----------
    .. [1] W. Liu, X. Wang, J. Owens and Y. Li, "Energy-based out-of-distribution
       detection", NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import EnergyDetector
    >>> logits = np.array([[8.0, 0.0, 0.0], [0.5, 0.4, 0.6]])
    >>> detector = EnergyDetector("passthrough").fit(logits)
    >>> bool(detector.score_samples(logits)[0] > detector.score_samples(logits)[1])
    True
    """

    _parameter_constraints: dict = {
        "temperature": [Interval(Real, 0, None, closed="neither")],
        **BaseClassifierDetector._parameter_constraints,
    }

    def __init__(self, estimator=None, *, temperature=1.0, contamination="auto"):
        self.estimator = estimator
        self.temperature = temperature
        self.contamination = contamination

    def _score_outputs(self, logits):
        return energy(logits, self.temperature)
