"""Metrics: clustering accuracy, a fast silhouette, OOD metrics, and label-free scorers for model selection."""

from ._cluster_accuracy import cluster_accuracy
from ._ood import fpr_at_tpr
from ._scorers import (
    ClusterValidityScorer,
    calinski_harabasz_scorer,
    davies_bouldin_scorer,
    dbcv_scorer,
    log_likelihood_scorer,
    make_cluster_scorer,
    reconstruction_scorer,
    silhouette_scorer,
)
from ._silhouette import silhouette_samples, silhouette_score
from ._stability import clustering_stability, make_stability_scorer

__all__ = [
    "ClusterValidityScorer",
    "calinski_harabasz_scorer",
    "cluster_accuracy",
    "clustering_stability",
    "davies_bouldin_scorer",
    "dbcv_scorer",
    "fpr_at_tpr",
    "log_likelihood_scorer",
    "make_cluster_scorer",
    "make_stability_scorer",
    "reconstruction_scorer",
    "silhouette_samples",
    "silhouette_score",
    "silhouette_scorer",
]
