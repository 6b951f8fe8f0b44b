"""Metrics: clustering accuracy, a fast silhouette, OOD metrics, and label-free scorers for model selection."""

from ..utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "calinski_harabasz_scorer": "._scorers",
        "cluster_accuracy": "._cluster_accuracy",
        "clustering_stability": "._stability",
        "ClusterValidityScorer": "._scorers",
        "davies_bouldin_scorer": "._scorers",
        "dbcv_scorer": "._scorers",
        "fpr_at_tpr": "._ood",
        "log_likelihood_scorer": "._scorers",
        "make_cluster_scorer": "._scorers",
        "make_stability_scorer": "._stability",
        "reconstruction_scorer": "._scorers",
        "silhouette_samples": "._silhouette",
        "silhouette_score": "._silhouette",
        "silhouette_scorer": "._scorers",
    },
)
