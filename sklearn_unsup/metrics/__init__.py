"""Metrics: clustering accuracy, a fast silhouette, OOD metrics, and label-free scorers for model selection
(clusterers, and outlier detectors by the Excess-Mass/Mass-Volume curves or a consensus)."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "calinski_harabasz_scorer": "._scorers",
        "cluster_accuracy": "._cluster_accuracy",
        "clustering_stability": "._stability",
        "ClusterValidityScorer": "._scorers",
        "ConsensusScorer": "._consensus",
        "davies_bouldin_scorer": "._scorers",
        "dbcv_scorer": "._scorers",
        "excess_mass_auc": "._mass_volume",
        "excess_mass_scorer": "._mass_volume",
        "fpr_at_tpr": "._ood",
        "log_likelihood_scorer": "._scorers",
        "make_cluster_scorer": "._scorers",
        "make_consensus_scorer": "._consensus",
        "make_outlier_curve_scorer": "._mass_volume",
        "make_stability_scorer": "._stability",
        "mass_volume_auc": "._mass_volume",
        "mass_volume_scorer": "._mass_volume",
        "OutlierCurveScorer": "._mass_volume",
        "reconstruction_scorer": "._scorers",
        "silhouette_samples": "._silhouette",
        "silhouette_score": "._silhouette",
        "silhouette_scorer": "._scorers",
    },
)
