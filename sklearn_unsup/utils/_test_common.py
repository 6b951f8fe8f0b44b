"""Settings for running scikit-learn's common checks over our estimators.

``FAST_PARAMS``: per-estimator parameters that make the checks quick (tiny
networks, few epochs) without changing what is being checked.

``EXPECTED_FAILED_CHECKS``: the one table of checks an estimator is allowed
to fail, each with the reason. An entry here is a known, explained gap; a
new failure anywhere else fails the test suite.
"""

# _LOGIT_NOTE: the logit detectors are checked on X = logits ("passthrough"; the default
# LogisticRegression needs y, which the outlier checks do not pass). On blobs read as logits,
# Tukey's fence ("auto") flags no row, which check_outliers_fit_predict requires; a fixed
# contamination exercises the same code path. The default estimator is tested in tests/ood.
FAST_PARAMS = {
    "AutoEncoder": dict(n_components=2, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "AutoEncoderOutlierDetector": dict(hidden_dims=(8,), max_epochs=3, batch_size=32),
    "BalancedKMeans": dict(n_clusters=3, max_iter=20),
    "ClAM": dict(n_clusters=3, max_epochs=10, batch_size=16, lr=0.05),
    "ClassifierDriftDetector": dict(n_folds=3),  # three classifier fits per test instead of five
    "DEC": dict(n_clusters=3, hidden_dims=(16,), n_components=2, pretrain_epochs=5, max_epochs=5, batch_size=16,
                update_interval=4, n_init=1, kmeans_n_init=3),
    "DeepCluster": dict(n_clusters=3, hidden_dims=(16,), n_components=8, feature_pca_components=4, n_neighbors=3,
                        max_epochs=15, batch_size=16, n_init=1),
    "DeepLowDensitySeparation": dict(n_components=4, hidden_dims=(16,), max_epochs=30, batch_size=32, lr=1e-2,
                                     n_rounds=1, round_epochs=2, s3vm_max_iter=20),
    "DeepSVDD": dict(n_components=2, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "FlowOutlierDetector": dict(n_coupling_layers=2, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "InternalContrastiveDetector": dict(n_components=4, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "NeuralTransformationDetector": dict(n_transformations=3, transformation_hidden_dims=(4,), hidden_dims=(8,),
                                         n_components=4, max_epochs=3, batch_size=32),
    "ContrastiveEncoder": dict(n_components=2, hidden_dims=(8,), projector_dims=(8,), max_epochs=3, batch_size=32),
    "GraphAutoEncoder": dict(n_components=2, n_neighbors=3, hidden_dims=(8,), max_epochs=5),
    "GraphContrastiveEncoder": dict(n_components=2, n_neighbors=3, projection_dim=8, max_epochs=5, batch_size=32),
    "EnergyDetector": dict(estimator="passthrough", contamination=0.1),  # see _LOGIT_NOTE
    "InfFS": dict(n_features_to_select=1),
    "QuickSelection": dict(n_features_to_select=1, hidden_size=16, max_epochs=3),
    "InvariantsDetector": dict(n_coupling_layers=1, hidden_dims=(8,), max_epochs=2, batch_size=32),
    "MaxLogitDetector": dict(estimator="passthrough", contamination=0.1),  # see _LOGIT_NOTE
    "MSPDetector": dict(estimator="passthrough", contamination=0.1),  # see _LOGIT_NOTE
    # contamination: with n_skip=1 (-LLR) Tukey's fence flags no row of the checks' blobs (a tail of high scores only)
    "HierarchicalVAEDetector": dict(latent_dims=(2, 2), hidden_dims=(8, 8), max_epochs=3, batch_size=32,
                                    contamination=0.1),
    "ScoreMatchingDetector": dict(n_levels=3, hidden_dims=(8,), density_components=1, max_epochs=2, batch_size=32),
    "KNNDetector": dict(n_neighbors=3),
    # n_clusters: the checks that fit without y cluster into 3 (ignored when y has labels, as in the classifier checks)
    "LaplacianKPrototypes": dict(n_clusters=3),
    # n_clusters: without pairs the merging otherwise stops when half of the row pairs share a cluster
    "PairwiseConstrainedClustering": dict(n_clusters=3, n_neighbors=5),
    "JULE": dict(n_clusters=3, n_neighbors=5, hidden_dims=(16,), n_components=8, max_epochs=2, batch_size=32),
    "JointVAE": dict(n_clusters=3, n_components=2, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "ProjectionBasedNCD": dict(n_components=4, hidden_dims=(16,), max_epochs=20, batch_size=32, lr=1e-2,
                               max_novel_clusters=5, n_init=2),
    "RateReductionClustering": dict(n_clusters=3, hidden_dims=(16,), n_components=8, max_epochs=5, batch_size=32,
                                    lr=1e-2),
    "RealNVP": dict(n_coupling_layers=2, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "VAEOutlierDetector": dict(hidden_dims=(8,), max_epochs=3, batch_size=32, n_importance_samples=2),
    "VAE": dict(n_components=2, hidden_dims=(8,), max_epochs=3, batch_size=32),
    "SCAN": dict(n_clusters=3, n_neighbors=3, hidden_dims=(16,), n_components=8, n_heads=2, max_epochs=8,
                 self_label_epochs=2, batch_size=16, n_init=1),
    "SeLa": dict(n_clusters=3, n_neighbors=3, hidden_dims=(16,), n_components=8, max_epochs=5, n_label_updates=3,
                 batch_size=16, n_init=1),
    "SwAV": dict(n_clusters=3, n_neighbors=3, hidden_dims=(16,), n_components=8, projector_dims=(8,), max_epochs=15,
                 batch_size=16, n_init=1),
    "SelfOrganizingMap": dict(grid=(3, 3), max_epochs=2),
    "SimilarityCalibratedHashing": dict(n_bits=8, max_epochs=3, batch_size=32, lr=1e-3),
    "TLDR": dict(n_components=2, n_neighbors=3, projector_dims=(16,), max_epochs=3, batch_size=32),
    # 20 epochs at lr 1e-2: check_clustering asks for ARI > 0.4 on 50 blob rows (.94 with seeds 0 and 1), and the
    # arms start at random
    "CoupledMixtureVAE": dict(n_clusters=3, n_components=2, hidden_dims=(16,), latent_dim=4, augment="gaussian",
                              max_epochs=20, batch_size=16, lr=1e-2),
    # cv=2, n_init=1: fewer discriminator fits; the input tests fit it with fit_side_information's domains
    "DDFA": dict(n_clusters=3, cv=2, n_init=1),
    "CPCEncoder": dict(n_components=8, encoder_dim=8, max_epochs=2, batch_size=32),
    "TSTEncoder": dict(d_model=8, n_heads=2, n_layers=1, dim_feedforward=16, max_epochs=2, batch_size=32),
}

# Estimators checked with their defaults because those are already fast (no training loop to shorten).
FAST_PARAMS_NOT_NEEDED = {
    "KSDriftDetector": "fit stores the reference; a test is one Kolmogorov-Smirnov test per feature",
    "MMDDriftDetector": "fit stores the reference; a test is one kernel matrix and 100 matrix-vector products",
    "MahalanobisDetector": "closed-form fit (class means and one covariance); defaults are fast",
    "RejectionOutlierDetector": "a meta-estimator: its speed is its detector's (a small IsolationForest here)",
    "OutlierExplainer": "a meta-estimator: its speed is its detector's (a small IsolationForest here)",
    "EnsembleOutlierDetector": "its default members (an isolation forest, k-NN distance, LOF) are fast",
    "DenseMulticut": "a kNN search and a greedy contraction; defaults are fast",
    "GraphDegreeLinkage": "a kNN graph and a numba merging kernel; defaults are fast",
    "HierarchicalKMeans": "a few numba k-means runs of about sqrt(n) clusters; defaults are fast",
    "SplitMergeGMM": "k-means rounds with split/merge tests on a 10-component PCA; defaults are fast",
    "VotingClustering": "its default clusterers (k-means, Ward, BIRCH) are fast on the checks' data",
    "ViMDetector": "a linear classifier and one PCA; defaults are fast",
    "Whitening": "one eigendecomposition; defaults are fast",
}

_REJECT_REASON = (
    "The point of the estimator is a third answer: predict returns +1, -1 or reject_label (0) for "
    "rows whose prediction is not confident; the check requires the label set to be exactly {-1, 1}. "
    "With T small enough to reject nothing, the same check passes (tests/outlier/test_rejection.py)."
)

_VIM_REASON = (
    "ViM reads a linear classifier's final layer, fitted on (X, y) with class labels; these checks fit "
    "outlier detectors without y (and a frozen classifier cannot be built before the check's data "
    "exist). tests/ood/test_classifier_detectors.py runs the same outlier checks on a ViMDetector "
    "holding a frozen classifier fitted on the checks' data."
)

_MINUS_ONE_REASON = (
    "The check's last problem labels the classes -1 and 1; scikit-learn reads -1 as 'unlabelled' only for its own "
    "semi-supervised estimators (by name, in _choose_check_classifiers_labels). Here -1 marks the unlabelled rows "
    "too, so the rows of class -1 become a novel cluster. The check's string- and object-label problems pass "
    "(tests/semi_supervised/test_projection_based_ncd.py)."
)

_DDFA_REASON = (
    "DDFA cannot cluster without the domain of each row (fit(X, domains=...)), which these checks never pass; it "
    "refuses fit(X) and fit(X, y) with a ValueError saying how to give them (y is never read as domains, so a "
    "scorer's true labels cannot leak into the fit). tests/cluster/test_ddfa.py runs scikit-learn's checks on a "
    "subclass that supplies domains."
)

EXPECTED_FAILED_CHECKS = {
    "LaplacianKPrototypes": {
        "check_classifiers_classes": (
            "The check's last problem uses -1 as a class label; in scikit-learn's semi-supervised convention "
            "y == -1 marks an unlabelled row (scikit-learn exempts its own LabelSpreading, LabelPropagation "
            "and SelfTrainingClassifier from that part). The string and object label problems of the check "
            "pass in tests/semi_supervised/test_laplacian_kprototypes.py."
        ),
    },
    "ProjectionBasedNCD": {"check_classifiers_classes": _MINUS_ONE_REASON},
    "DeepLowDensitySeparation": {"check_classifiers_classes": _MINUS_ONE_REASON},
    "ViMDetector": {
        "check_fit_score_takes_y": _VIM_REASON,
        "check_outliers_fit_predict": _VIM_REASON,
        "check_outliers_train": _VIM_REASON,
    },
    "RejectionOutlierDetector": {
        "check_outliers_fit_predict": _REJECT_REASON,
        "check_outliers_train": _REJECT_REASON,
    },
    "DDFA": dict.fromkeys([
        "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
        "check_pipeline_consistency", "check_estimators_nan_inf", "check_estimators_pickle",
        "check_estimators_pickle(readonly_memmap=True)",
        "check_array_api_input",
        "check_f_contiguous_array_estimator", "check_clustering", "check_clustering(readonly_memmap=True)",
        "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_fit2d_1sample",
        "check_fit2d_1feature", "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
        "check_n_features_in", "check_fit2d_predict1d", "check_dataframe_column_names_consistency",
    ], _DDFA_REASON),
    "SelfOrganizingMap": {
        "check_clustering": (
            "check_clustering requires every label between min and max to be used; a SOM "
            "grid unit may be empty by design (units between two groups interpolate the map "
            "and win no row). The rest of that check (ARI > 0.4 on blobs, fit_predict == "
            "labels_, integer labels) is run in tests/cluster/test_som.py."
        ),
    },
}


def fit_side_information(estimator, X):
    """Keyword arguments that an estimator's fit cannot do without (DDFA's domains), for the generic input tests."""
    from sklearn_unsup.cluster import DDFA

    if isinstance(estimator, DDFA):
        import numpy as np

        return {"domains": np.arange(len(X)) % max(estimator.n_clusters, 4)}
    return {}


def _meta_params(name):
    """Required sub-estimators of meta-estimators (built lazily: they import sklearn models)."""
    if name in ("RejectionOutlierDetector", "OutlierExplainer"):
        from sklearn.ensemble import IsolationForest

        return {"detector": IsolationForest(n_estimators=10, random_state=0)}
    return {}


def make_test_instances(estimators):
    """Instantiate each estimator class with its fast settings and a fixed seed."""
    instances = []
    for name, cls in estimators:
        params = {**_meta_params(name), **FAST_PARAMS.get(name, {})}
        est = cls(**params)
        if "random_state" in est.get_params():
            est.set_params(random_state=0)
        instances.append(est)
    return instances


# The common checks also run on default-constructed estimators (tests/test_common.py): only the epoch counts
# are lowered, for time, so a default that breaks on small or awkward data fails the suite.
DEFAULT_EPOCHS = {"max_epochs": 2, "pretrain_epochs": 1, "self_label_epochs": 1}


def make_default_instances(estimators):
    """Instantiate each estimator with its defaults (epoch counts lowered) and a fixed seed."""
    instances = []
    for name, cls in estimators:
        est = cls(**_meta_params(name))
        params = est.get_params()
        est.set_params(**{k: v for k, v in DEFAULT_EPOCHS.items() if k in params})
        if "random_state" in params:
            est.set_params(random_state=0)
        instances.append(est)
    return instances


_NEEDS_Y_REASON = (
    "With its default estimator (a LogisticRegression fitted on (X, y)) the detector needs the class labels y, "
    "which the outlier checks do not pass; it raises a clear ValueError saying so (tests/ood). The same checks "
    "pass with estimator='passthrough' (the fast settings) and with a frozen classifier."
)
_OUTLIER_CHECKS_WITHOUT_Y = ("check_outliers_fit_predict", "check_outliers_train")

# Entries of the table that apply only where the estimator runs with its default classifier (the common
# checks on default-constructed estimators): the detectors that read a classifier fitted on (X, y).
EXPECTED_FAILED_CHECKS_WITH_DEFAULT_CLASSIFIER = {
    name: dict.fromkeys(_OUTLIER_CHECKS_WITHOUT_Y, _NEEDS_Y_REASON)
    for name in ("EnergyDetector", "MSPDetector", "MaxLogitDetector")
}


# Entries that apply only to the default-constructed instances, whose epochs DEFAULT_EPOCHS lowers.
_TWO_STEPS_REASON = (
    "The default-instance checks lower max_epochs to 2; with the default batch_size=512 that is two optimisation "
    "steps on the check's few hundred rows, too few for the classifier head to reach the check's 0.83 training "
    "accuracy. With the fast settings (20 epochs of 32-row batches) the same check passes."
)
_ICL_TWO_EPOCHS_REASON = (
    "The default-instance checks lower max_epochs to 2: ten Adam steps on the check's 300 blob rows leave ICL's "
    "encoders barely trained, so the rows' contrastive losses spread evenly (about 0 to 4 nats) with no lower tail "
    "of scores, and Tukey's fence (contamination='auto') flags no training row, while these checks require both "
    "labels. With the default 20 epochs the fence flags a few percent of the same rows "
    "(tests/outlier/test_icl.py::test_default_epochs_flag_check_blobs), and the fast settings pass these checks."
)
_NEUTRAL_TWO_EPOCHS_REASON = (
    "The default-instance checks lower max_epochs to 2: six Adam steps on the check's 300 two-feature blob rows leave "
    "NeuTraL's narrow default networks (widths 2d = 4) mapping a row and its 11 views to nearly one direction, so "
    "every row's loss sits at its plateau K log K = 26.38 and the scores have no lower tail; Tukey's fence "
    "(contamination='auto') then flags no training row, while these checks require both labels. The fast settings "
    "pass these checks."
)
_CPL_TWO_EPOCHS_REASON = (
    "The default-instance checks lower max_epochs to 2: a few Adam steps at lr 1e-3 leave CoupledMixtureVAE's arms "
    "(random start, no k-means warm start) far from separating the check's three blobs (ARI > 0.4). The fast "
    "settings (20 epochs at lr 1e-2) pass the check."
)
EXPECTED_FAILED_CHECKS_WITH_LOWERED_EPOCHS = {
    "CoupledMixtureVAE": dict.fromkeys(["check_clustering", "check_clustering(readonly_memmap=True)"],
                                       _CPL_TWO_EPOCHS_REASON),
    "ProjectionBasedNCD": dict.fromkeys(
        ["check_classifiers_train", "check_classifiers_train(readonly_memmap=True)",
         "check_classifiers_train(readonly_memmap=True,X_dtype=float32)"], _TWO_STEPS_REASON),
    "InternalContrastiveDetector": dict.fromkeys(
        ["check_outliers_train", "check_outliers_train(readonly_memmap=True)", "check_outliers_fit_predict"],
        _ICL_TWO_EPOCHS_REASON),
    "NeuralTransformationDetector": dict.fromkeys(
        ["check_outliers_train", "check_outliers_train(readonly_memmap=True)", "check_outliers_fit_predict"],
        _NEUTRAL_TWO_EPOCHS_REASON),
}


def expected_failed_checks(estimator):
    """Callable for ``parametrize_with_checks(expected_failed_checks=...)``."""
    name = type(estimator).__name__
    expected = dict(EXPECTED_FAILED_CHECKS.get(name, {}))
    if name in EXPECTED_FAILED_CHECKS_WITH_LOWERED_EPOCHS and \
            estimator.get_params().get("max_epochs") == DEFAULT_EPOCHS["max_epochs"]:
        expected.update(EXPECTED_FAILED_CHECKS_WITH_LOWERED_EPOCHS[name])
    if name in EXPECTED_FAILED_CHECKS_WITH_DEFAULT_CLASSIFIER and estimator.get_params().get("estimator") is None:
        expected.update(EXPECTED_FAILED_CHECKS_WITH_DEFAULT_CLASSIFIER[name])
    return expected


def numeric_output(out):
    """An inference method's output as a float array; a drift test's result gives its statistic and p-value."""
    import numpy as np

    if hasattr(out, "p_value"):  # sklearn_unsup.drift.DriftResult
        return np.array([out.statistic, out.p_value], dtype=np.float64)
    return np.asarray(out, dtype=np.float64)
