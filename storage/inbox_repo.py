"""The inbox: updates the polling worker stored for every worker to take (bot/inbox.py).

A row is due when `available_at` has come; taking it holds it (moves `available_at` on)
for the taker; a handled row is deleted, a failed one comes back after a pause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.dialect import Dialect
from storage.records import to_db
from storage.sql_port import SqlSession

# The claims of all workers take turns under this transaction lock (PostgreSQL): a claim
# then sees every row the claims before it held, so two workers never take one chat's
# rows at once (a row lock cannot say that: it guards the row, not the chat's order).
CLAIM_LOCK = 0x6D656469  # "medi"


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    chat_key: str
    payload: str
    tries: int


class InboxRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    def add(self, platform: str, updates: Sequence[tuple[str, str]], now: datetime) -> None:
        """(chat key, raw JSON) each, kept in the order given."""
        stamp = to_db(now)
        self._conn.defer_many(
            "INSERT INTO inbox (platform, chat_key, payload, received_at, available_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(platform, key, payload, stamp, stamp) for key, payload in updates])

    async def claim(self, platform: str, now: datetime, hold_until: datetime,
                    limit: int) -> list[InboxRow]:
        """The due rows of chats none of whose earlier rows is held, oldest first, held
        until `hold_until` for the caller."""
        if self._conn.dialect is Dialect.POSTGRESQL:
            await self._conn.execute("SELECT pg_advisory_xact_lock(?)", (CLAIM_LOCK,))
        rows = await self._conn.execute_fetchall(
            "UPDATE inbox SET available_at = ?, tries = tries + 1 WHERE id IN ("
            " SELECT i.id FROM inbox i WHERE i.platform = ? AND i.available_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.platform = i.platform"
            "  AND e.chat_key = i.chat_key AND e.id < i.id AND e.available_at > ?)"
            " ORDER BY i.id LIMIT ?) RETURNING id, chat_key, payload, tries",
            (to_db(hold_until), platform, to_db(now), to_db(now), limit))
        return sorted((InboxRow(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows),
                      key=lambda row: row.id)

    def done(self, ids: Sequence[int]) -> None:
        self._conn.defer_many("DELETE FROM inbox WHERE id = ?", [(i,) for i in ids])

    def again_at(self, ids: Sequence[int], when: datetime) -> None:
        """Rows that failed, or were not reached: due again at `when`."""
        self._conn.defer_many("UPDATE inbox SET available_at = ? WHERE id = ?",
                              [(to_db(when), i) for i in ids])

    async def waiting(self, platform: str | None = None) -> int:
        """Rows not handled yet (held ones included)."""
        rows = await (self._conn.execute_fetchall("SELECT COUNT(*) FROM inbox") if platform is None
                      else self._conn.execute_fetchall(
                          "SELECT COUNT(*) FROM inbox WHERE platform = ?", (platform,)))
        return int(rows[0][0])

    async def backlog(self) -> list[tuple[str, int]]:
        """(platform, rows not handled yet) of the platforms with any."""
        return [(str(r[0]), int(r[1])) for r in await self._conn.execute_fetchall(
            "SELECT platform, COUNT(*) FROM inbox GROUP BY platform")]
