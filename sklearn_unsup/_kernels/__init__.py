"""numba kernels (private): distances, exact kNN, k-means (Lloyd and mini-batch), Sinkhorn-Knopp, silhouette,
DEC's Student-t assignment, the self-organising map.

Pure functions on NumPy arrays; no scikit-learn and no torch. Estimators call
them; they never know about estimators. Random numbers, where needed, are
drawn by the caller and passed in.

This package exports what the estimators use; reference implementations and the
stand-alone mini-batch k-means (``pairwise_cosine``, ``sinkhorn_reference``,
``minibatch_kmeans``) are imported from their modules by the tests and benchmarks.
"""

from ._balanced import round_balanced
from ._distances import l2_normalize, pairwise_sq_euclidean, row_sq_norms
from ._kmeans import assign_labels, kmeans_plusplus, lloyd
from ._knn import knn_search
from ._minibatch_kmeans import minibatch_update
from ._silhouette import silhouette_values
from ._sinkhorn import sinkhorn_knopp
from ._som import som_bmu, som_train
from ._student_t import dec_target_distribution, student_t_assignment

__all__ = [
    "assign_labels",
    "dec_target_distribution",
    "kmeans_plusplus",
    "knn_search",
    "l2_normalize",
    "lloyd",
    "minibatch_update",
    "pairwise_sq_euclidean",
    "round_balanced",
    "row_sq_norms",
    "silhouette_values",
    "sinkhorn_knopp",
    "som_bmu",
    "som_train",
    "student_t_assignment",
]
