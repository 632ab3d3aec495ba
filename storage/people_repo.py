"""Users per platform, staff roles, institutions' inbox chats and staff invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import ChatRef, InboxChat, Invite, Role, StaffRole, User, from_db, to_db
from storage.sql_port import SqlSession

USER_BY_ID_SQL = "SELECT * FROM users WHERE id = ?"
USER_TABLES = frozenset({"users"})
INBOX_COLUMNS = "institution_id, platform, chat_id, is_group, disabled_at, disabled_reason, id"


def inbox_of(row: aiosqlite.Row) -> InboxChat:
    return InboxChat(row[0], row[1], row[2], bool(row[3]), from_db(row[4]), row[5], row[6])


def user_of(row: aiosqlite.Row) -> User:
    return User(row["id"], row["platform"], row["platform_user_id"], row["chat_id"],
                row["display_name"], row["region"])


class PeopleRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    # users

    async def ensure_user(
        self, platform: str, platform_user_id: str, chat_id: str, display_name: str,
        now: datetime,
    ) -> User:
        """The user, created on first contact. chat_id is only set for private chats."""
        return await self.met(await self.find_user(platform, platform_user_id), platform,
                              platform_user_id, chat_id, display_name, now)

    async def met(
        self, user: User | None, platform: str, platform_user_id: str, chat_id: str,
        display_name: str, now: datetime,
    ) -> User:
        """ensure_user for a user already looked up (TurnRepo.open): a new one is inserted
        in one trip, a known one's changed name or private chat is a deferred update."""
        if user is None:
            rows = await self._conn.execute_fetchall(
                "INSERT INTO users (platform, platform_user_id, chat_id, display_name, "
                "created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
                (platform, platform_user_id, chat_id, display_name, to_db(now)),
            )
            return user_of(rows[0])
        if display_name and user.display_name != display_name:
            self._conn.defer(
                "UPDATE users SET display_name = ? WHERE id = ?", (display_name, user.id)
            )
        if chat_id and user.chat_id != chat_id:
            # Met first in a group, now in private: reminders and escalations can reach them.
            self._conn.defer("UPDATE users SET chat_id = ? WHERE id = ?", (chat_id, user.id))
            user = User(user.id, user.platform, user.platform_user_id, chat_id,
                        display_name or user.display_name, user.region)
        return user

    async def set_region(self, user: User, region: str) -> None:
        """The region (as an institution's row writes it) a citizen's searches prefer."""
        if user.region != region:
            self._conn.defer("UPDATE users SET region = ? WHERE id = ?", (region, user.id))

    async def find_user(self, platform: str, platform_user_id: str) -> User | None:
        async with self._conn.execute(
            "SELECT * FROM users WHERE platform = ? AND platform_user_id = ?",
            (platform, platform_user_id),
        ) as cur:
            row = await cur.fetchone()
        return user_of(row) if row else None

    async def get_user(self, user_id: int) -> User | None:
        rows = await self._conn.cached(USER_BY_ID_SQL, (user_id,), USER_TABLES)
        return user_of(rows[0]) if rows else None

    # staff

    async def add_role(
        self, user_id: int, role: Role, institution_id: str | None, now: datetime,
        region: str = "",
    ) -> None:
        """A role (kept as it was if the person has it already: see set_role_region)."""
        self._conn.defer(
            "INSERT INTO staff (user_id, role, institution_id, created_at, region) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (user_id, role, institution_id, to_db(now), region),
        )

    async def set_role_region(self, user_id: int, roles: Sequence[Role], region: str) -> int:
        """Binds the person's region-wide roles of these kinds to a region key ('': none);
        how many were changed."""
        marks = ", ".join("?" for _ in roles)
        cur = await self._conn.execute(
            f"UPDATE staff SET region = ? WHERE user_id = ? AND role IN ({marks}) "
            "AND institution_id IS NULL AND region != ?", (region, user_id, *roles, region))
        return cur.rowcount

    async def roles(self, user_id: int) -> list[StaffRole]:
        async with self._conn.execute(
            "SELECT role, institution_id, region FROM staff WHERE user_id = ? ORDER BY id",
            (user_id,),
        ) as cur:
            return [StaffRole(Role(row["role"]), row["institution_id"], row["region"])
                    for row in await cur.fetchall()]

    async def staff_chats(self, role: Role) -> list[ChatRef]:
        """Private chats of everyone with a role (operators for escalations, duty staff); a
        person with none (met only in a group, signed in to the web console only) is no
        recipient."""
        return [ChatRef(row["platform"], row["chat_id"]) for row in await self._conn.cached(
            "SELECT DISTINCT u.platform, u.chat_id FROM staff s JOIN users u ON u.id = s.user_id "
            "WHERE s.role = ? AND u.chat_id != '' ORDER BY u.platform, u.chat_id", (role,),
            frozenset({"staff", "users"}))]

    async def staff_regions(self, role: Role) -> list[tuple[ChatRef, str]]:
        """staff_chats with the region key each role is bound to ('': none): a chat is
        there once for each region its person's roles of that kind have."""
        return [(ChatRef(row[0], row[1]), str(row[2])) for row in await self._conn.cached(
            "SELECT DISTINCT u.platform, u.chat_id, s.region FROM staff s "
            "JOIN users u ON u.id = s.user_id WHERE s.role = ? AND u.chat_id != '' "
            "ORDER BY u.platform, u.chat_id, s.region", (role,), frozenset({"staff", "users"}))]

    # inbox chats

    async def bind_inbox(
        self, institution_id: str, platform: str, chat_id: str, is_group: bool, now: datetime
    ) -> None:
        self._conn.defer(
            "INSERT INTO inbox_chats (institution_id, platform, chat_id, is_group, "
            "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (institution_id, platform, chat_id, int(is_group), to_db(now)),
        )

    async def inbox_chats(self, institution_id: str) -> list[ChatRef]:
        """The institution's inbox chats that work (an unreachable one is disabled)."""
        return [ChatRef(row["platform"], row["chat_id"]) for row in await self._conn.cached(
            "SELECT platform, chat_id FROM inbox_chats WHERE institution_id = ? "
            "AND disabled_at IS NULL ORDER BY id", (institution_id,), frozenset({"inbox_chats"}))]

    async def inboxes_of_chat(self, platform: str, chat_id: str) -> list[InboxChat]:
        """The inbox bindings of one chat (a chat may be the inbox of several institutions)."""
        return [inbox_of(row) for row in await self._conn.execute_fetchall(
            f"SELECT {INBOX_COLUMNS} FROM inbox_chats WHERE platform = ? AND chat_id = ? ORDER BY id",
            (platform, chat_id))]

    async def disable_inbox(self, platform: str, chat_id: str, reason: str,
                            now: datetime) -> list[str]:
        """The chat is unreachable: its institutions' cards go elsewhere. Returns them."""
        rows = await self._conn.execute_fetchall(
            "UPDATE inbox_chats SET disabled_at = ?, disabled_reason = ? WHERE platform = ? "
            "AND chat_id = ? AND disabled_at IS NULL RETURNING institution_id",
            (to_db(now), reason[:200], platform, chat_id))
        return [row[0] for row in rows]

    async def enable_inbox(self, platform: str, chat_id: str) -> list[str]:
        rows = await self._conn.execute_fetchall(
            "UPDATE inbox_chats SET disabled_at = NULL, disabled_reason = NULL "
            "WHERE platform = ? AND chat_id = ? AND disabled_at IS NOT NULL "
            "RETURNING institution_id", (platform, chat_id))
        return [row[0] for row in rows]

    async def move_inbox(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """A group got a new id (Telegram group -> supergroup): the inbox moves with it."""
        cur = await self._conn.execute(
            "UPDATE inbox_chats SET chat_id = ?, disabled_at = NULL, disabled_reason = NULL "
            "WHERE platform = ? AND chat_id = ? AND NOT EXISTS (SELECT 1 FROM inbox_chats AS o "
            "WHERE o.institution_id = inbox_chats.institution_id AND o.platform = ? "
            "AND o.chat_id = ?)",  # one already there (UPDATE OR IGNORE, as both servers say it)
            (new_chat_id, platform, old_chat_id, platform, new_chat_id))
        return cur.rowcount

    async def disabled_inboxes(self) -> list[InboxChat]:
        return [inbox_of(row) for row in await self._conn.execute_fetchall(
            f"SELECT {INBOX_COLUMNS} FROM inbox_chats WHERE disabled_at IS NOT NULL ORDER BY disabled_at")]

    async def institutions_without_inbox(self) -> int:
        """Active institutions no working inbox chat receives appeals for."""
        rows = await self._conn.execute_fetchall(
            "SELECT COUNT(*) FROM institutions i WHERE i.active = 1 AND NOT EXISTS ("
            "SELECT 1 FROM inbox_chats c WHERE c.institution_id = i.id AND c.disabled_at IS NULL)")
        return int(next(iter(rows))[0])

    async def inbox_chats_of(self, institution_ids: list[str]) -> dict[str, list[ChatRef]]:
        """Inbox chats of several institutions at once (those without one are absent)."""
        if not institution_ids:
            return {}
        marks = ", ".join("?" for _ in institution_ids)
        out: dict[str, list[ChatRef]] = {}
        async with self._conn.execute(
            f"SELECT institution_id, platform, chat_id FROM inbox_chats "
            f"WHERE institution_id IN ({marks}) AND disabled_at IS NULL ORDER BY id", institution_ids,
        ) as cur:
            for row in await cur.fetchall():
                out.setdefault(row[0], []).append(ChatRef(row[1], row[2]))
        return out

    async def institutions_with_inbox(self) -> list[str]:
        async with self._conn.execute(
            "SELECT DISTINCT institution_id FROM inbox_chats WHERE disabled_at IS NULL "
            "ORDER BY institution_id"
        ) as cur:
            return [row[0] for row in await cur.fetchall()]

    async def institutions_of_group_chat(self, platform: str, chat_id: str) -> list[str]:
        """Institutions whose inbox is this staff group: its members act for them."""
        async with self._conn.execute(
            "SELECT institution_id FROM inbox_chats WHERE platform = ? AND chat_id = ? "
            "AND is_group = 1",
            (platform, chat_id),
        ) as cur:
            return [row["institution_id"] for row in await cur.fetchall()]

    # invites

    async def create_invite(
        self, token: str, role: Role, institution_id: str | None, now: datetime,
        expires_at: datetime, region: str = "",
    ) -> None:
        self._conn.defer(
            "INSERT INTO invites (token, role, institution_id, created_at, expires_at, region) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (token, role, institution_id, to_db(now), to_db(expires_at), region),
        )

    async def get_invite(self, token: str) -> Invite | None:
        async with self._conn.execute("SELECT * FROM invites WHERE token = ?", (token,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return Invite(row["token"], Role(row["role"]), row["institution_id"],
                      from_db(row["expires_at"]), from_db(row["used_at"]), row["region"])

    async def use_invite(self, token: str, user_id: int, now: datetime) -> bool:
        """Mark an invite used; False if someone used it first."""
        cur = await self._conn.execute(
            "UPDATE invites SET used_at = ?, used_by = ? WHERE token = ? AND used_at IS NULL",
            (to_db(now), user_id, token),
        )
        return cur.rowcount == 1
