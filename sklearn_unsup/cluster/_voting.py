"""Voting clustering with abstention: keep the rows on which several clusterers agree."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import ClusterMixin, MetaEstimatorMixin
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.metaestimators import available_if

from ..base import BaseEstimator
from ..utils._composition import NamedMembersMixin
from ..utils._sklearn_compat import Integral, Interval, StrOptions, _fit_context, check_is_fitted, validate_data

__all__ = ["VotingClustering"]

_UNMATCHED = -2  # a member's cluster left without a partner in the reference: never counts as a vote


def default_clusterers(n_clusters, random_state=None):
    """The members used when ``estimators=None``: k-means (the reference), Ward and BIRCH."""
    from sklearn.cluster import AgglomerativeClustering, Birch, KMeans

    return [
        ("kmeans", KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state)),
        ("ward", AgglomerativeClustering(n_clusters=n_clusters, linkage="ward")),
        ("birch", Birch(n_clusters=n_clusters)),
    ]


def match_to_reference(reference, labels):
    """Relabel ``labels`` onto ``reference``'s clusters by maximum overlap (Hungarian method).

    Returns the mapping as a dict ``{member label: reference label}``; a member
    cluster that finds no partner (more clusters than the reference) maps to -2.
    """
    ref_values, ref_idx = np.unique(reference, return_inverse=True)
    values, idx = np.unique(labels, return_inverse=True)
    overlap = np.zeros((values.size, ref_values.size), dtype=np.int64)
    np.add.at(overlap, (idx, ref_idx), 1)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    mapping = dict.fromkeys(values.tolist(), _UNMATCHED)
    mapping.update({values[r].item(): ref_values[c].item() for r, c in zip(rows, cols)})
    return mapping


def _apply(mapping, labels):
    return np.array([mapping.get(v, _UNMATCHED) for v in labels.tolist()], dtype=np.int64)


class VotingClustering(MetaEstimatorMixin, ClusterMixin, NamedMembersMixin, BaseEstimator):
    """Clustering with abstention: a row gets a cluster only where enough clusterers agree on it.

    Each clusterer is cloned and fitted on X. The first one is the reference;
    every other one's clusters are matched one-to-one to the reference's by
    maximum overlap (the Hungarian method, so two clusters can never claim the
    same reference cluster). A row's votes are the matched labels; it is kept
    when at least ``min_agreement`` clusterers give it the same label, and
    labelled ``-1`` (abstention, as HDBSCAN's noise) otherwise. The kept rows
    are the ones the clustering is sure of: on embedding vectors their
    accuracy is well above any single member's, at the price of coverage.

    Adapted from the unanimous vote of Fang et al.'s galaxy-morphology
    pipeline (k-means, Ward and BIRCH on ConvNeXt codes); their code relabels
    each cluster to its majority reference label, which can merge two
    clusters into one — the Hungarian matching here cannot.

    Parameters
    ----------
    estimators : list of (str, estimator) or None, default=None
        The clusterers, as named ``(name, clusterer)`` pairs, cloned in
        ``fit``; each needs ``fit_predict`` or ``labels_`` after ``fit``. The
        first is the reference. ``None``: k-means (10 restarts), Ward's
        agglomerative clustering and BIRCH, each with ``n_clusters`` clusters.
    n_clusters : int, default=8
        Number of clusters of the default clusterers (ignored when
        ``estimators`` is given: each keeps its own setting).
    min_agreement : "all" or int, default="all"
        How many clusterers must give a row the same label for it to be kept
        (counting the reference); ``"all"`` is unanimity.
    random_state : int, RandomState instance or None, default=None
        Seeds the default k-means.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted clones, in the order of ``estimators``.
    named_estimators_ : :class:`~sklearn.utils.Bunch`
        The fitted clones by name.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row, ``-1`` where the clusterers disagree.
        Kept clusters are numbered ``0 .. n_clusters_ - 1``.
    n_clusters_ : int
        Number of clusters among the kept rows.
    agreement_ : float
        Share of the training rows kept (the coverage).
    votes_ : ndarray of shape (n_samples,)
        Number of clusterers giving each row its most common matched label.
    member_labels_ : ndarray of shape (n_samples, n_estimators)
        Each clusterer's labels, matched onto the reference's (``-2`` for a
        cluster without a partner).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.HDBSCAN : Density-based clustering that also leaves rows unassigned (-1).

    References
    ----------
    .. [1] Y. Fang et al., "Galaxy morphology classification via voting
       clustering based on coding from the ConvNeXt large model", Astronomy &
       Astrophysics 693, A141, 2025.
    .. [2] H. W. Kuhn, "The Hungarian method for the assignment problem",
       Naval Research Logistics Quarterly 2, 1955.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_unsup.cluster import VotingClustering
    >>> X, _ = make_blobs(300, centers=3, cluster_std=2.0, random_state=0)
    >>> vote = VotingClustering(n_clusters=3, random_state=0).fit(X)
    >>> vote.n_clusters_, bool(vote.agreement_ > 0.8)
    (3, True)
    """

    _parameter_constraints: dict = {
        "estimators": [list, None],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "min_agreement": [StrOptions({"all"}), Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    _members_param = "estimators"
    _member_kind = "clusterer"

    def __init__(self, estimators=None, *, n_clusters=8, min_agreement="all", random_state=None):
        self.estimators = estimators
        self.n_clusters = n_clusters
        self.min_agreement = min_agreement
        self.random_state = random_state

    def _members(self, n_samples):
        if self.estimators is None:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            return default_clusterers(min(self.n_clusters, n_samples), seed)
        return self._clone_members()

    def _required_votes(self, n_members):
        if self.min_agreement == "all":
            return n_members
        if self.min_agreement > n_members:
            raise ValueError(f"min_agreement={self.min_agreement} exceeds the number of clusterers ({n_members}).")
        return self.min_agreement

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit every clusterer on X and keep the rows they agree on.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.

        Returns
        -------
        self : VotingClustering
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        members = self._members(X.shape[0])
        required = self._required_votes(len(members))
        self.estimators_, raw = [], []
        for name, member in members:
            labels = member.fit_predict(X) if hasattr(member, "fit_predict") else member.fit(X).labels_
            self.estimators_.append(member)
            raw.append(np.asarray(labels))
        self._names = [name for name, _ in members]
        reference = raw[0]
        self._mappings = [match_to_reference(reference, labels) for labels in raw]
        self.member_labels_ = np.column_stack([_apply(m, labels) for m, labels in zip(self._mappings, raw)])
        modal, self.votes_ = self._vote(self.member_labels_)
        kept = self.votes_ >= required
        # kept clusters renumbered 0 .. n_clusters_ - 1; the mapping also serves predict
        self._cluster_ids = np.unique(modal[kept])
        self.labels_ = np.full(X.shape[0], -1, dtype=np.int64)
        self.labels_[kept] = np.searchsorted(self._cluster_ids, modal[kept])
        self.n_clusters_ = int(self._cluster_ids.size)
        self.agreement_ = float(kept.mean())
        self._required = required
        return self

    @staticmethod
    def _vote(member_labels):
        """The most common matched label of each row and how many clusterers gave it (-2 never wins)."""
        n, m = member_labels.shape
        modal = np.full(n, _UNMATCHED, dtype=np.int64)
        votes = np.zeros(n, dtype=np.int64)
        for j in range(m):
            candidate = member_labels[:, j]
            count = np.sum(member_labels == candidate[:, None], axis=1)
            better = (candidate != _UNMATCHED) & (count > votes)
            modal[better], votes[better] = candidate[better], count[better]
        return modal, votes

    @property
    def named_estimators_(self):
        """:class:`~sklearn.utils.Bunch` of the fitted clusterers by name."""
        check_is_fitted(self)
        return Bunch(**dict(zip(self._names, self.estimators_)))

    def _members_predict(self):
        members = self.estimators_ if hasattr(self, "estimators_") else [
            m for _, m in (self.estimators or default_clusterers(self.n_clusters))]
        return all(hasattr(m, "predict") for m in members)

    @available_if(_members_predict)
    def predict(self, X):
        """Cluster of new rows where the clusterers agree on them, ``-1`` elsewhere.

        Available when every clusterer has ``predict`` (k-means and BIRCH do,
        Ward's agglomerative clustering does not, so not with the defaults).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        member_labels = np.column_stack([_apply(m, np.asarray(est.predict(X)))
                                         for m, est in zip(self._mappings, self.estimators_)])
        modal, votes = self._vote(member_labels)
        labels = np.full(X.shape[0], -1, dtype=np.int64)
        pos = np.searchsorted(self._cluster_ids, modal)
        known = (votes >= self._required) & (pos < self._cluster_ids.size)
        known[known] &= self._cluster_ids[pos[known]] == modal[known]
        labels[known] = pos[known]
        return labels
