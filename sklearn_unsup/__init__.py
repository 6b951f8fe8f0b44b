"""sklearn_unsup: recent unsupervised methods as scikit-learn estimators.

Subpackages (each imported on first use; a torch-free estimator does not load torch):
``cluster`` (deep and classical clusterers), ``semi_supervised`` (few labels, new
classes), ``timeseries`` (sequence encoders), ``decomposition`` (autoencoders, VAEs,
whitening), ``density`` (normalizing flows), ``manifold`` (TLDR, contrastive encoders),
``outlier`` (deep outlier detectors), ``ood`` (out-of-distribution detectors),
``drift`` (two-sample drift tests for tables and embeddings),
``feature_selection``, ``neighbors`` (exact kNN), ``inspection`` (per-feature
explanations of outlier scores), ``metrics`` (clustering, OOD and
scorer functions), ``model_selection`` (cross-validation that hides known
classes), ``exceptions``, ``base`` (the outlier-detector conventions) and
``utils``. See the README for the quickstart.
"""

from ._config import config_context, get_config, set_config
from ._show_versions import show_versions

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "config_context", "get_config", "set_config", "show_versions"]
