"""Staff power: group members, the staff list, revoking, bans, the audit of all of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.people_repo import INBOX_COLUMNS, inbox_of
from storage.records import InboxChat, to_db
from storage.sql_port import SqlSession

BAN_SQL = "SELECT user_id, reason, refused_at FROM bans WHERE user_id = ?"
BAN_TABLES = frozenset({"bans"})
MEMBER = "member"  # the staff list's word for a staff group's member


@dataclass(frozen=True, slots=True)
class StaffEntry:
    """One person with staff power: a role, or membership of a staff group."""

    user_id: int
    platform: str
    platform_user_id: str
    name: str
    role: str  # a Role, or MEMBER (of a staff group)
    institution_id: str | None
    chat_id: str = ""  # member: the group
    region: str = ""  # a role's region key ('': none)


@dataclass(frozen=True, slots=True)
class Ban:
    user_id: int
    reason: str
    refused_at: datetime | None


class StaffRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    # staff groups

    async def add_member(self, platform: str, chat_id: str, user_id: int,
                         added_by: int | None, now: datetime) -> bool:
        cur = await self._conn.execute(
            "INSERT INTO group_members (platform, chat_id, user_id, added_by, "
            "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (platform, chat_id, user_id, added_by, to_db(now)))
        return cur.rowcount == 1

    async def is_member(self, platform: str, chat_id: str, user_id: int) -> bool:
        rows = await self._conn.execute_fetchall(
            "SELECT 1 FROM group_members WHERE platform = ? AND chat_id = ? AND user_id = ?",
            (platform, chat_id, user_id))
        return bool(list(rows))

    async def move_group(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        self._conn.defer(
            "UPDATE group_members SET chat_id = ? WHERE platform = ? AND chat_id = ? "
            "AND NOT EXISTS (SELECT 1 FROM group_members AS o WHERE o.platform = ? "
            "AND o.chat_id = ? AND o.user_id = group_members.user_id)",
            (new_chat_id, platform, old_chat_id, platform, new_chat_id))

    # the list

    async def entries(self, institution_ids: list[str] | None = None) -> list[StaffEntry]:
        """Everyone with staff power; with institutions given, those acting for them."""
        roles = await self._conn.execute_fetchall(
            "SELECT u.id, u.platform, u.platform_user_id, u.display_name, s.role, "
            "s.institution_id, '', s.region FROM staff s JOIN users u ON u.id = s.user_id "
            "ORDER BY s.role, s.institution_id, u.id")
        members = await self._conn.execute_fetchall(
            "SELECT DISTINCT u.id, u.platform, u.platform_user_id, u.display_name, 'member', "
            "c.institution_id, m.chat_id, '' FROM group_members m JOIN users u ON u.id = m.user_id "
            "JOIN inbox_chats c ON c.platform = m.platform AND c.chat_id = m.chat_id "
            "ORDER BY c.institution_id, m.chat_id, u.id")
        out = [StaffEntry(*row) for row in [*roles, *members]]
        if institution_ids is None:
            return out
        wanted = set(institution_ids)
        return [e for e in out if e.institution_id in wanted]

    async def inboxes(self, institution_ids: list[str] | None = None) -> list[InboxChat]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {INBOX_COLUMNS} FROM inbox_chats ORDER BY institution_id, id")
        out = [inbox_of(row) for row in rows]
        return out if institution_ids is None else [
            i for i in out if i.institution_id in set(institution_ids)]

    async def revoke(self, user_id: int, institution_ids: list[str] | None) -> int:
        """Takes the person's roles and group memberships (for these institutions only, when
        given). Returns how many were taken."""
        if institution_ids is None:
            taken = (await self._conn.execute(
                "DELETE FROM staff WHERE user_id = ?", (user_id,))).rowcount
            taken += (await self._conn.execute(
                "DELETE FROM group_members WHERE user_id = ?", (user_id,))).rowcount
            return taken
        marks = ", ".join("?" for _ in institution_ids)
        taken = (await self._conn.execute(
            f"DELETE FROM staff WHERE user_id = ? AND role = 'admin' AND institution_id IN "
            f"({marks})", (user_id, *institution_ids))).rowcount
        taken += (await self._conn.execute(
            f"DELETE FROM group_members WHERE user_id = ? AND (platform, chat_id) IN ("
            f"SELECT platform, chat_id FROM inbox_chats WHERE institution_id IN ({marks}))",
            (user_id, *institution_ids))).rowcount
        return taken

    async def unbind(self, inbox_id: int) -> InboxChat | None:
        rows = list(await self._conn.execute_fetchall(
            f"DELETE FROM inbox_chats WHERE id = ? RETURNING {INBOX_COLUMNS}", (inbox_id,)))
        if not rows:
            return None
        inbox = inbox_of(rows[0])
        left = await self._conn.execute_fetchall(
            "SELECT 1 FROM inbox_chats WHERE platform = ? AND chat_id = ?",
            (inbox.platform, inbox.chat_id))
        if not list(left):  # the group is no staff group any more: nobody in it is staff
            self._conn.defer(
                "DELETE FROM group_members WHERE platform = ? AND chat_id = ?",
                (inbox.platform, inbox.chat_id))
        return inbox

    # audit

    async def audit(self, actor: str, action: str, target: str, detail: str,
                    now: datetime) -> None:
        self._conn.defer(
            "INSERT INTO staff_audit (actor, action, target, detail, created_at) "
            "VALUES (?, ?, ?, ?, ?)", (actor, action, target, detail[:500], to_db(now)))

    async def audit_log(self, limit: int = 50) -> list[tuple[str, str, str, str, str]]:
        rows = await self._conn.execute_fetchall(
            "SELECT created_at, actor, action, target, detail FROM staff_audit "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [(str(at), str(actor), str(action), str(target), str(detail))
                for at, actor, action, target, detail in rows]

    # bans

    async def ban(self, user_id: int, reason: str, by: str, now: datetime) -> bool:
        cur = await self._conn.execute(
            "INSERT INTO bans (user_id, reason, banned_by, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (user_id, reason[:200], by, to_db(now)))
        return cur.rowcount == 1

    async def unban(self, user_id: int) -> bool:
        cur = await self._conn.execute("DELETE FROM bans WHERE user_id = ?", (user_id,))
        return cur.rowcount == 1

    async def ban_of(self, user_id: int) -> Ban | None:
        rows = await self._conn.cached(BAN_SQL, (user_id,), BAN_TABLES)
        if not rows:
            return None
        user, reason, refused = rows[0]
        return Ban(user, reason, datetime.fromisoformat(refused) if refused else None)

    async def mark_refused(self, user_id: int, now: datetime) -> None:
        self._conn.defer("UPDATE bans SET refused_at = ? WHERE user_id = ?",
                                 (to_db(now), user_id))
