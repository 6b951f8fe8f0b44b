"""Metrics: clustering accuracy, a fast silhouette, OOD metrics."""

from ._cluster_accuracy import cluster_accuracy
from ._ood import fpr_at_tpr
from ._silhouette import silhouette_samples, silhouette_score

__all__ = ["cluster_accuracy", "fpr_at_tpr", "silhouette_samples", "silhouette_score"]
