"""Multiscale score matching (MSMA) out-of-distribution scoring."""

import numpy as np
from scipy.spatial.distance import pdist
from sklearn import config_context
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state

from .._nn import MeanLoss, NoiseConditionalScoreNet
from .._torch import BaseTorchEstimator
from ..base import OutlierDetectorMixin
from ..outlier._preprocessing import StandardizeMixin
from ..utils._sklearn_compat import Integral, Interval, Real, StrOptions
from ..utils._validation import FLOAT32_MAX, check_hidden_dims, finite_scores

__all__ = ["ScoreMatchingDetector"]


class ScoreMatchingDetector(StandardizeMixin, OutlierDetectorMixin, BaseTorchEstimator):
    """Unsupervised OOD score from the norms of a score network at several noise levels (MSMA).

    A noise-conditional score network ``s(x, sigma)`` is trained by denoising
    score matching on the (standardised) in-distribution rows, for a
    geometric ladder of ``n_levels`` noise levels from ``sigma_max`` down to
    ``sigma_min``. Each row is then described by the ``n_levels`` norms
    ``|s(x, sigma_i)|`` (on the clean row), in log scale; a Gaussian mixture fitted on
    the training rows' norm vectors gives the score: its log-density (higher
    = more in-distribution). Rows from elsewhere have scores of unusual size
    at some of the scales. No labels are used.

    Parameters
    ----------
    n_levels : int, default=10
        Number of noise levels (the paper's L = 10).
    sigma_min : float, default=0.1
        Smallest noise level, in standardised units.
    sigma_max : float or "auto", default=1.0
        Largest noise level, in standardised units. "auto": the largest
        distance between two of (at most 1000) training rows, Song & Ermon's
        rule for covering the data; it scored far below the default 1.0 to
        0.1 ladder in the OOD benchmark (``benchmarks/results/ood.md``).
    hidden_dims : sequence of int, default=(256, 256)
        Hidden widths of the score network (SiLU activations).
    density_components : int, default=4
        Components of the Gaussian mixture on the norm vectors.
    standardize : bool, default=True
        Standardise the features before training.
    max_epochs : int, default=300
        Passes over the training data. Training epochs of the score network.
    batch_size : int, default=128
        Rows per optimisation step.
    lr : float, default=1e-3
        Learning rate.
    optimizer : str or torch optimizer class, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"`` (momentum 0.9), ``"rmsprop"``, or a
        ``torch.optim.Optimizer`` subclass.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    callbacks : list or None, default=None
        Extra skorch callbacks or (name, callback) pairs (early stopping, checkpoints,
        LR schedulers, ...), copied at fit.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ..., or ``"accelerate"``: skorch's ``AccelerateMixin`` with an
        ``accelerate.Accelerator`` configured by the environment.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and every random draw of training through
        a private generator; torch's global random state is left as it was. The same
        seed gives identical results on CPU.
    verbose : int, default=0
        0 silent; 1 prints skorch's per-epoch table; 2 adds a progress bar.
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
    sigmas_ : ndarray of shape (n_levels,)
        The noise levels, largest first.
    density_ : sklearn.mixture.GaussianMixture
        Mixture on the training rows' log score norms.
    scaler_ : sklearn.preprocessing.StandardScaler or None
        The fitted scaler.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    predicted_contamination_ : float
        Share of the training rows below ``offset_`` (flagged as outliers).
    net_ : sklearn_unsup._nn.UnsupervisedNet
        The fitted skorch net.
    device_ : str
        Device the net was trained on.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Denoising score-matching loss per epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    InvariantsDetector : The other unsupervised OOD detector.
    MahalanobisDetector : One Gaussian on the features.

    References
    ----------
    .. [1] A. Mahmood, J. Oliva and M. Styner, "Multiscale score matching for
       out-of-distribution detection", ICLR 2021.
    .. [2] Y. Song and S. Ermon, "Improved techniques for training score-based
       generative models", NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup.ood import ScoreMatchingDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 3))
    >>> detector = ScoreMatchingDetector(max_epochs=20, hidden_dims=(32,), random_state=0).fit(X)
    >>> bool(detector.score_samples([[6.0, 6.0, 6.0]])[0] < np.median(detector.score_samples(X)))
    True
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_levels": [Interval(Integral, 1, None, closed="left")],
        "sigma_min": [Interval(Real, 0, None, closed="neither")],
        "sigma_max": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "hidden_dims": ["array-like"],
        "density_components": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        **OutlierDetectorMixin._parameter_constraints,
    }

    def __init__(self, n_levels=10, *, sigma_min=0.1, sigma_max=1.0, hidden_dims=(256, 256), density_components=4,
                 standardize=True, max_epochs=300, batch_size=128, lr=1e-3, optimizer="adam", weight_decay=0.0,
                 callbacks=None, device="auto", random_state=None, verbose=0, contamination="auto"):
        self.n_levels = n_levels
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max
        self.hidden_dims = hidden_dims
        self.density_components = density_components
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.contamination = contamination

    def _largest_distance(self, Xs, rng):
        sub = Xs[rng.choice(len(Xs), size=min(len(Xs), 1000), replace=False)]
        return float(pdist(sub).max()) if len(sub) > 1 else 0.0

    def _fit(self, X, *, first_block):
        X = self._validate_fit_data(X, ensure_min_samples=2)
        rng = check_random_state(self.random_state)
        net_seed, gmm_seed, sub_seed = rng.randint(np.iinfo(np.int32).max, size=3)
        Xs = self._fit_preprocessing(X)
        sigma_max = (self._largest_distance(Xs, np.random.RandomState(sub_seed))
                     if self.sigma_max == "auto" else float(self.sigma_max))
        sigma_max = max(sigma_max, self.sigma_min)
        self.sigmas_ = np.geomspace(sigma_max, self.sigma_min, self.n_levels)
        net = self._build_net(
            module=NoiseConditionalScoreNet,
            module_kwargs=dict(n_features=X.shape[1], sigmas=self.sigmas_.tolist(),
                               hidden_dims=check_hidden_dims(self.hidden_dims)),
            criterion=MeanLoss,
            random_state=int(net_seed),
        )
        self._train(net, Xs)
        feats = self._norm_features(Xs)
        n_comp = min(self.density_components, len(feats))
        with config_context(array_api_dispatch=False):  # the mixture's k-means init is NumPy-only
            self.density_ = GaussianMixture(n_comp, covariance_type="full", reg_covar=1e-4,
                                            random_state=int(gmm_seed)).fit(feats)
        self._set_offset(self.density_.score_samples(feats))
        return self

    def _norm_features(self, Xs):
        norms = self._forward(lambda m, xb: m.score_norms(xb), Xs).astype(np.float64)
        # a row far outside the data can overflow the float32 network (inf or NaN norms): give it the
        # largest feature instead, so the density model scores it as the most abnormal rather than failing
        feats = np.log(norms + 1e-12)
        return np.nan_to_num(feats, nan=FLOAT32_MAX, posinf=FLOAT32_MAX, neginf=-FLOAT32_MAX)

    def score_norms(self, X):
        """The score network's norm at every noise level (the features of the density model).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        norms : ndarray of shape (n_samples, n_levels)
            ``|s(x, sigma_i)|`` for the levels in ``sigmas_``.
        """
        X = self._validate_predict_data(X)
        return np.exp(self._norm_features(self._preprocess(X)))

    def score_samples(self, X):
        """Log-density of the row's log score norms under the mixture (higher = more in-distribution).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        X = self._validate_predict_data(X)
        return finite_scores(self.density_.score_samples(self._norm_features(self._preprocess(X))))
