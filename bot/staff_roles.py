"""What the transports ask the core about staff, as plain values: which private chats get
the staff command menus (Telegram), and the personas of the console chat."""

from __future__ import annotations

from typing import Literal

from bot.appeals.staff_power import grant_role
from bot.clock import Clock
from bot.dialog.ports import DirectorySource
from storage.records import Role
from storage.store import Store

# The command menu of a staff member's private chat: an operator's has their reports too.
StaffMenu = Literal["staff", "operator"]
MENU_ROLES: dict[str, StaffMenu] = {"admin": "staff", "duty": "staff", "operator": "operator"}


def _menu(roles: list[str]) -> StaffMenu | None:
    menus = {MENU_ROLES[role] for role in roles if role in MENU_ROLES}
    return "operator" if "operator" in menus else "staff" if menus else None


class StaffRoles:
    def __init__(self, db: Store, directory: DirectorySource, clock: Clock) -> None:
        self.db = db
        self.directory = directory
        self.clock = clock

    async def staff_chats(self, platform: str) -> dict[str, StaffMenu]:
        """The private chats of staff on `platform`, each with its menu."""
        menus: dict[str, StaffMenu] = {}
        async with self.db.unit() as repos:
            for role in (Role.ADMIN, Role.DUTY, Role.OPERATOR):  # an operator's menu wins
                for chat in await repos.people.staff_chats(role):
                    if chat.platform == platform and chat.chat_id:
                        menus[chat.chat_id] = MENU_ROLES[role]
        return menus

    async def menu_of(self, platform: str, user_id: str) -> StaffMenu | None:
        """The menu of one person (None: not staff)."""
        async with self.db.unit() as repos:
            user = await repos.people.find_user(platform, user_id)
            roles = await repos.people.roles(user.id) if user is not None else []
        return _menu([r.role for r in roles])

    # the console's personas

    async def institution(self, query: str) -> tuple[str, str] | None:
        """(id, name) of the institution with this id, or else the best search match."""
        async with self.db.unit() as repos:
            inst = await repos.institutions.get(query)
        if inst is None:
            matches = self.directory.current.search(query, limit=1)
            inst = matches[0].institution if matches else None
        return (inst.id, inst.display_name) if inst is not None else None

    async def grant(self, platform: str, user_id: str, chat_id: str, role: str,
                    institution_id: str | None) -> None:
        async with self.db.unit() as repos:
            await grant_role(repos, platform=platform, user_id=user_id, chat_id=chat_id,
                             role=role, institution_id=institution_id, now=self.clock.now())
