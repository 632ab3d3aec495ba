"""Who may act on an appeal: checked on the server for every staff action."""

from __future__ import annotations

from dataclasses import dataclass

from storage.records import Appeal, Role, StaffRole


@dataclass(frozen=True, slots=True)
class Actor:
    """A staff member as seen from one chat."""

    roles: tuple[StaffRole, ...]
    group_institutions: tuple[str, ...] = ()  # the chat is the staff group of these
    # An operator bound to regions: their regions' institutions and those of no region
    # (bot/appeals/regions.py: scoped); None: every institution.
    scope: tuple[str, ...] | None = None

    @property
    def is_operator(self) -> bool:
        return any(r.role == Role.OPERATOR for r in self.roles)

    @property
    def operator_regions(self) -> frozenset[str] | None:
        """The regions (keys) an operator works for; None: every one (an operator bound to
        none, or not an operator)."""
        regions = frozenset(r.region for r in self.roles if r.role == Role.OPERATOR)
        return None if not regions or "" in regions else regions

    @property
    def is_staff(self) -> bool:
        return bool(self.roles) or bool(self.group_institutions)

    def institutions(self) -> list[str] | None:
        """Institutions whose queue this actor sees (and whose appeals they may act on);
        None means all of them."""
        own = {r.institution_id for r in self.roles if r.institution_id} | set(
            self.group_institutions)
        if self.is_operator and self.scope is not None:
            return sorted(own | set(self.scope))
        if self.is_operator or any(r.role == Role.DUTY and r.institution_id is None
                                   for r in self.roles):
            return None
        return sorted(own)

    def may_act_on(self, appeal: Appeal) -> bool:
        allowed = self.institutions()
        return allowed is None or appeal.institution_id in allowed
