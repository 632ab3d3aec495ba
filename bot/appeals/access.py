"""Who may act on an appeal: checked on the server for every staff action."""

from __future__ import annotations

from dataclasses import dataclass

from storage.records import Appeal, Role, StaffRole


@dataclass(frozen=True, slots=True)
class Actor:
    """A staff member as seen from one chat."""

    roles: tuple[StaffRole, ...]
    group_institutions: tuple[str, ...] = ()  # the chat is the staff group of these

    @property
    def is_operator(self) -> bool:
        return any(r.role == Role.OPERATOR for r in self.roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles) or bool(self.group_institutions)

    def institutions(self) -> list[str] | None:
        """Institutions whose queue this actor sees; None means all of them."""
        if self.is_operator or any(r.role == Role.DUTY and r.institution_id is None
                                   for r in self.roles):
            return None
        ids = {r.institution_id for r in self.roles if r.institution_id} | set(
            self.group_institutions
        )
        return sorted(ids)

    def may_act_on(self, appeal: Appeal) -> bool:
        allowed = self.institutions()
        return allowed is None or appeal.institution_id in allowed
