"""Meta-estimators over named ``(name, estimator)`` members, as scikit-learn's voting estimators."""

from sklearn.base import clone
from sklearn.utils.metaestimators import _BaseComposition

__all__ = ["NamedMembersMixin"]


class NamedMembersMixin(_BaseComposition):
    """``get_params``/``set_params`` reaching into named members, and their validated clones.

    Subclasses name the parameter holding the ``(name, estimator)`` pairs in
    ``_members_param`` and what a member is in ``_member_kind`` (for messages).
    """

    _members_param = "estimators"
    _member_kind = "estimator"

    def get_params(self, deep=True):
        """Parameters, with each named member's own under ``<name>__`` when ``deep``."""
        return self._get_params(self._members_param, deep=deep)

    def set_params(self, **params):
        """Set parameters, including a named member's (``<name>__<param>``) or the member itself."""
        self._set_params(self._members_param, **params)
        return self

    def _clone_members(self):
        """Clones of the given ``(name, member)`` pairs, after checking names and ``fit``."""
        pairs = getattr(self, self._members_param)
        if not pairs:
            raise ValueError(f"{self._members_param} is empty: give at least one (name, {self._member_kind}) pair, "
                             "or None for the defaults.")
        self._validate_names([name for name, _ in pairs])
        for name, member in pairs:
            if not hasattr(member, "fit"):
                raise TypeError(f"{self._member_kind.capitalize()} {name!r} has no fit method: {member!r}.")
        return [(name, clone(member)) for name, member in pairs]
