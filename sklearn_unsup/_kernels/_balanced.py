"""Rounding a soft balanced assignment to hard labels with equal cluster sizes."""

import numba
import numpy as np

__all__ = ["round_balanced"]


@numba.njit(cache=True)
def round_balanced(P):
    """Hard labels with cluster sizes ``n // k`` or ``n // k + 1`` from a plan P (n, k).

    Rows are placed most-confident first (largest ``max_j P_ij``), each in its
    most probable cluster that still has room; ``n % k`` clusters may take one
    extra row (the first to ask for it). Greedy: O(n k log k).
    """
    n, k = P.shape
    base = n // k
    extra = n - base * k
    sizes = np.zeros(k, dtype=np.int64)
    labels = np.empty(n, dtype=np.int64)
    conf = np.empty(n)
    for i in range(n):
        m = P[i, 0]
        for j in range(1, k):
            if P[i, j] > m:
                m = P[i, j]
        conf[i] = m
    rows = np.argsort(-conf, kind="mergesort")
    for i in rows:
        prefs = np.argsort(-P[i], kind="mergesort")
        for j in prefs:
            if sizes[j] < base:
                sizes[j] += 1
                labels[i] = j
                break
            if sizes[j] == base and extra > 0:
                sizes[j] += 1
                extra -= 1
                labels[i] = j
                break
    return labels
