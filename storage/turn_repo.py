"""What a turn reads before it decides, in one round trip: is the update new, who is
writing (user, roles, ban), what the conversation in this chat is at, and, in a group
chat, which institutions the chat is the inbox of and whether the writer is listed there.
The same reads the repositories make one by one (people, staff, dialog), batched; the
writer's own row, their ban and the institution the conversation is about (an appeal
being filled in keeps it in the state's data) are primed into the unit's cache, so the
turn's later `get_user`, `ban_of` and `institutions.get` of them cost no trip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.dialect import Dialect
from storage.dialog_repo import SEEN_SQL, STATE_SQL, state_of
from storage.institutions_repo import INSTITUTION_SQL, INSTITUTION_TABLES
from storage.people_repo import USER_BY_ID_SQL, USER_TABLES, user_of
from storage.records import DialogState, Role, StaffRole, User, to_db
from storage.sql_port import Params, SqlSession
from storage.staff_repo import BAN_SQL, BAN_TABLES, Ban

_USER = "SELECT * FROM users WHERE platform = ? AND platform_user_id = ?"
_USER_ID = "(SELECT id FROM users WHERE platform = ? AND platform_user_id = ?)"


@dataclass(frozen=True, slots=True)
class Opening:
    fresh: bool  # False: the update was handled before (a redelivery)
    user: User | None  # None: first contact (PeopleRepo.ensure_user creates them)
    roles: tuple[StaffRole, ...]
    ban: Ban | None
    state: DialogState
    group_institutions: tuple[str, ...]  # a group inbox's institutions...
    group_member: bool  # ...and whether the writer is listed in it


class TurnRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def open(self, platform: str, update_key: str | None, platform_user_id: str,
                   chat_id: str, is_group: bool, now: datetime) -> Opening:
        who = (platform, platform_user_id)
        statements: list[tuple[str, Params]] = [
            (SEEN_SQL, (platform, update_key, to_db(now))) if update_key is not None
            else ("SELECT 1", ()),
            (_USER, who),
            (f"SELECT role, institution_id, region FROM staff WHERE user_id = {_USER_ID} "
             "ORDER BY id",
             who),
            (f"SELECT user_id, reason, refused_at FROM bans WHERE user_id = {_USER_ID}", who),
            (STATE_SQL, (platform, chat_id, platform_user_id)),
            ("SELECT * FROM institutions WHERE id = (SELECT "
             f"{self._conn.dialect.json_text('data', 'institution_id')} FROM dialog_state "
             "WHERE platform = ? AND chat_id = ? AND user_id = ?)", (platform, chat_id, platform_user_id)),
        ]
        if is_group:
            statements += [
                ("SELECT institution_id FROM inbox_chats WHERE platform = ? AND chat_id = ? "
                 "AND is_group = 1", (platform, chat_id)),
                (f"SELECT 1 FROM group_members WHERE platform = ? AND chat_id = ? "
                 f"AND user_id = {_USER_ID}", (platform, chat_id, *who)),
            ]
        if self._conn.dialect is Dialect.POSTGRESQL:
            # Several workers on one database: one person's updates in one chat take turns
            # (held to the end of the transaction), so they are handled in order and a
            # redelivery waits for the first copy's verdict in seen_updates.
            statements.insert(0, ("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                                  (f"{platform}\x1f{chat_id}\x1f{platform_user_id}",)))
        results = list(await self._conn.batch(statements))
        if self._conn.dialect is Dialect.POSTGRESQL:
            results = results[1:]  # the lock's own row
        seen, users, roles, bans, states, institution, *group = results
        user = user_of(users.rows[0]) if users.rows else None
        if user is not None:
            self._conn.prime(USER_BY_ID_SQL, (user.id,), USER_TABLES, users.rows)
            self._conn.prime(BAN_SQL, (user.id,), BAN_TABLES, bans.rows)
        if institution.rows:
            self._conn.prime(INSTITUTION_SQL, (institution.rows[0]["id"],), INSTITUTION_TABLES,
                             institution.rows)
        ban = None
        if bans.rows:
            banned, reason, refused = bans.rows[0]
            ban = Ban(banned, reason, datetime.fromisoformat(refused) if refused else None)
        state = state_of(states.rows)
        return Opening(
            fresh=update_key is None or seen.rowcount == 1,
            user=user,
            roles=tuple(StaffRole(Role(row["role"]), row["institution_id"], row["region"])
                        for row in roles.rows),
            ban=ban, state=state,
            group_institutions=tuple(row[0] for row in group[0].rows) if group else (),
            group_member=bool(group and group[1].rows))
