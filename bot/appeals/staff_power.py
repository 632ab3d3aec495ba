"""Staff membership and bans, one set of rules for the chat and the command line: roles
(granted by an invite, by the settings, to the console's personas), staff group members,
the staff list, revoking, unbinding inbox chats, bans. Every change made by a person is
audited with who made it ("cli" for the command line)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.appeals.regions import region_names
from bot.appeals.service import AppealService
from storage.records import ChatRef, Invite, Role, User
from storage.repositories import Repositories
from storage.staff_repo import StaffEntry

LIST_LIMIT = 60  # lines of each list in one message
INVITE_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose staff a manager manages: None is everyone (an operator, the command line)."""

    institutions: list[str] | None
    actor: str  # the audit's "who": a user id or "cli"

    def covers(self, institution_id: str | None) -> bool:
        return self.institutions is None or institution_id in self.institutions


CLI = Scope(None, "cli")


# roles


async def grant_role(
    repos: Repositories, *, platform: str, user_id: str, chat_id: str, role: Role | str,
    institution_id: str | None, now: datetime, is_group: bool = False, region: str = "",
) -> User:
    """A role for the person `user_id` of `platform`, acting in `chat_id`: an admin's chat
    becomes the institution's inbox (in a group, they are staff of the group). What an
    accepted invite does; the settings' operators and the console's personas get it
    without one. `region` (a key) binds an operator or a duty person to one region: a
    person who had the role already is bound to it from now on; '' leaves the role's
    region as it was (a new role: none, every region's)."""
    role = Role(role)
    user = await repos.people.ensure_user(platform, user_id, "" if is_group else chat_id, "",
                                          now)
    await repos.people.add_role(user.id, role, institution_id, now, region)
    if region and institution_id is None:
        await repos.people.set_role_region(user.id, [role], region)
    if role == Role.ADMIN and institution_id:
        await repos.people.bind_inbox(institution_id, platform, chat_id, is_group, now)
        if is_group:
            await repos.staff.add_member(platform, chat_id, user.id, None, now)
    return user


# invites


async def create_invite(repos: Repositories, role: Role | str, institution_id: str | None,
                        now: datetime, region: str = "") -> str:
    """A one-time token for `/start inv_<token>`; short enough for a Telegram deep link.
    `region`: the region key an operator or duty role is bound to ('': none)."""
    token = secrets.token_urlsafe(12)
    await repos.people.create_invite(token, Role(role), institution_id, now, now + INVITE_TTL,
                                     region)
    return token


async def bind_region(repos: Repositories, person: User, region: str, scope: Scope,
                     now: datetime) -> int:
    """Binds the person's operator and duty roles to a region key ('': to none, every
    region's); how many roles changed (audited)."""
    changed = await repos.people.set_role_region(person.id, [Role.OPERATOR, Role.DUTY], region)
    if changed:
        await repos.staff.audit(scope.actor, "region_set", str(person.id), region or "*", now)
    return changed


async def accept_invite(repos: Repositories, token: str, person: User, chat: ChatRef,
                        is_group: bool, now: datetime) -> Invite | str:
    """The invite, used by `person` in `chat` (its role granted), or the answer why not."""
    invite = await repos.people.get_invite(token)
    if invite is None or invite.used_at is not None:
        return texts.INVITE_INVALID
    if invite.expires_at < now:
        return texts.INVITE_EXPIRED
    if not await repos.people.use_invite(token, person.id, now):
        return texts.INVITE_INVALID
    await grant_role(repos, platform=chat.platform, user_id=person.platform_user_id,
                     chat_id=chat.chat_id, role=invite.role, institution_id=invite.institution_id,
                     now=now, is_group=is_group, region=invite.region)
    if invite.role == Role.ADMIN and invite.institution_id:
        await repos.staff.audit(str(person.id), "invite_accepted", str(person.id),
                                f"admin {invite.institution_id}", now)
    return invite


# the staff list


async def listing(repos: Repositories, scope: Scope) -> str:
    entries = await repos.staff.entries(scope.institutions)
    inboxes = await repos.staff.inboxes(scope.institutions)
    names = {i.id: i.display_name for i in await repos.institutions.list(active_only=False)}
    regions = await region_names(repos)
    lines = [texts.STAFF_LIST_TITLE.format(count=len({e.user_id for e in entries}))
             if entries else texts.STAFF_LIST_EMPTY]
    lines += _capped([_entry_line(e, names, regions) for e in entries])
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


def _entry_line(e: StaffEntry, names: dict[str, str], regions: dict[str, str]) -> str:
    institution = f": {names.get(e.institution_id, e.institution_id)}" if e.institution_id else ""
    if e.region:
        institution += texts.STAFF_LIST_REGION.format(region=regions.get(e.region, e.region))
    return texts.STAFF_LIST_ITEM.format(
        id=e.user_id, name=(e.name or "—")[:60],
        platform=texts.PLATFORM_NAMES.get(e.platform, e.platform), platform_id=e.platform_user_id,
        role=texts.ROLE_NAMES.get(e.role, e.role), institution=institution)


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= LIST_LIMIT:
        return lines
    return lines[:LIST_LIMIT] + [texts.LIST_MORE.format(count=len(lines) - LIST_LIMIT)]


# staff power taken, inbox chats, staff group members


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


# bans


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
            await service.cards.refresh(repos, appeal, now)
