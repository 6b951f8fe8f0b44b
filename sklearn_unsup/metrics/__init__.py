"""Metrics: clustering accuracy, and (as they land) OOD metrics and fast scorers."""

from ._cluster_accuracy import cluster_accuracy

__all__ = ["cluster_accuracy"]
