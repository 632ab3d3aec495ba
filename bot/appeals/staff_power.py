"""Giving and taking staff power, and bans: one set of rules for the chat and the command line.
Every change is audited with who made it ("cli" for the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.appeals.service import AppealService
from storage.records import User
from storage.repositories import Repositories
from storage.staff_repo import StaffEntry

LIST_LIMIT = 60  # lines of each list in one message


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose staff a manager manages: None is everyone (an operator, the command line)."""

    institutions: list[str] | None
    actor: str  # the audit's "who": a user id or "cli"

    def covers(self, institution_id: str | None) -> bool:
        return self.institutions is None or institution_id in self.institutions


CLI = Scope(None, "cli")


async def listing(repos: Repositories, scope: Scope) -> str:
    entries = await repos.staff.entries(scope.institutions)
    inboxes = await repos.staff.inboxes(scope.institutions)
    names = {i.id: i.display_name for i in await repos.institutions.list(active_only=False)}
    lines = [texts.STAFF_LIST_TITLE.format(count=len({e.user_id for e in entries}))
             if entries else texts.STAFF_LIST_EMPTY]
    lines += _capped([_entry_line(e, names) for e in entries])
    if inboxes:
        lines.append("")
        lines.append(texts.INBOX_LIST_TITLE)
        lines += _capped([texts.INBOX_LIST_ITEM.format(
            id=i.id, institution=names.get(i.institution_id, i.institution_id),
            platform=texts.PLATFORM_NAMES.get(i.platform, i.platform),
            kind=texts.INBOX_KIND_GROUP if i.is_group else texts.INBOX_KIND_PRIVATE,
            chat_id=i.chat_id,
            disabled=texts.INBOX_DISABLED.format(reason=i.disabled_reason) if i.disabled_at
            else "") for i in inboxes])
    return "\n".join(lines)


def _entry_line(e: StaffEntry, names: dict[str, str]) -> str:
    institution = f": {names.get(e.institution_id, e.institution_id)}" if e.institution_id else ""
    return texts.STAFF_LIST_ITEM.format(
        id=e.user_id, name=(e.name or "—")[:60],
        platform=texts.PLATFORM_NAMES.get(e.platform, e.platform), platform_id=e.platform_user_id,
        role=texts.ROLE_NAMES.get(e.role, e.role), institution=institution)


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= LIST_LIMIT:
        return lines
    return lines[:LIST_LIMIT] + [texts.LIST_MORE.format(count=len(lines) - LIST_LIMIT)]


async def add_member(repos: Repositories, platform: str, chat_id: str, person: User,
                     scope: Scope, now: datetime) -> bool:
    """Makes a person staff of a group inbox. False when they were already."""
    added = await repos.staff.add_member(platform, chat_id, person.id,
                                         int(scope.actor) if scope.actor.isdigit() else None, now)
    if added:
        await repos.staff.audit(scope.actor, "member_added", str(person.id),
                                f"{platform}:{chat_id}", now)
    return added


async def revoke(repos: Repositories, user_id: int, scope: Scope, now: datetime) -> int:
    taken = await repos.staff.revoke(user_id, scope.institutions)
    if taken:
        await repos.staff.audit(scope.actor, "revoked", str(user_id),
                                ",".join(scope.institutions or ["*"]), now)
    return taken


async def unbind(repos: Repositories, inbox_id: int, scope: Scope, now: datetime) -> str | None:
    """Unbinds an inbox chat in scope; returns the answer, or None if there is no such chat."""
    inbox = next((i for i in await repos.staff.inboxes(scope.institutions) if i.id == inbox_id),
                 None)
    if inbox is None:
        return None
    await repos.staff.unbind(inbox_id)
    await repos.staff.audit(scope.actor, "inbox_unbound", str(inbox_id),
                            f"{inbox.institution_id} {inbox.platform}:{inbox.chat_id}", now)
    inst = await repos.institutions.get(inbox.institution_id)
    text = texts.INBOX_UNBOUND.format(id=inbox_id, institution=inst.display_name if inst
                                      else inbox.institution_id)
    if not await repos.people.inbox_chats(inbox.institution_id):
        text += texts.INBOX_UNBOUND_LAST
    return text


async def find_person(repos: Repositories, ref: str) -> User | None:
    """A user by "#ID" / "ID" (the staff list's numbers) or by an appeal number (its author)."""
    ref = ref.strip()
    if "-" in ref:
        appeal = await repos.appeals.by_number(ref.removeprefix("№"))
        return await repos.people.get_user(appeal.citizen_id) if appeal else None
    digits = ref.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) < 12:
        return await repos.people.get_user(int(digits))
    return None


async def ban(repos: Repositories, service: AppealService, person: User, reason: str,
              scope: Scope, now: datetime) -> str:
    if await repos.people.roles(person.id):
        return texts.BAN_STAFF
    if not await repos.staff.ban(person.id, reason, scope.actor, now):
        return texts.BAN_ALREADY.format(id=person.id)
    await repos.staff.audit(scope.actor, "banned", str(person.id), reason, now)
    await _refresh_open_cards(repos, service, person, now)
    return texts.BANNED.format(id=person.id, name=person.display_name or person.platform_user_id)


async def unban(repos: Repositories, service: AppealService, person: User, scope: Scope,
                now: datetime) -> str:
    if not await repos.staff.unban(person.id):
        return texts.UNBAN_NONE.format(id=person.id)
    await repos.staff.audit(scope.actor, "unbanned", str(person.id), "", now)
    await _refresh_open_cards(repos, service, person, now)
    return texts.UNBANNED.format(id=person.id, name=person.display_name or person.platform_user_id)


async def _refresh_open_cards(repos: Repositories, service: AppealService, person: User,
                              now: datetime) -> None:
    """The cards of the person's open appeals show the ban (or no longer do)."""
    for appeal in await repos.appeals.of_citizen(person.id, limit=50):
        if appeal.is_open:
            await service.refresh_cards(repos, appeal, now)
