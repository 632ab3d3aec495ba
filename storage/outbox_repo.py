"""The outbox: every message the bot sends, written in the transaction that caused it.

Rows go pending -> sending (claimed by the running delivery, a chat's few next rows at a
time) -> sent, or failed (with the class of the failure) where operators see them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import aiosqlite

from storage.dialect import Dialect
from storage.records import (
    ChatRef,
    NewOutboxRow,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    from_db,
    to_db,
)
from storage.sql_port import SqlSession

_COLUMNS = ("id, key, platform, chat_id, payload, appeal_id, institution_id, kind, status, "
            "attempts, not_before, created_at, message_id, error, failure")


def _item(row: aiosqlite.Row | tuple[Any, ...]) -> OutboxItem:
    (id_, key, platform, chat_id, payload, appeal_id, institution_id, kind, status, attempts,
     not_before, created_at, message_id, error, failure) = tuple(row)
    return OutboxItem(
        id=id_, key=key, platform=platform, chat_id=chat_id, payload=payload,
        appeal_id=appeal_id, institution_id=institution_id, kind=OutboxKind(kind),
        status=OutboxStatus(status), attempts=attempts,
        not_before=from_db(not_before), created_at=from_db(created_at),
        message_id=message_id, error=error, failure=failure,
    )


def new_key() -> str:
    return uuid.uuid4().hex


class OutboxRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    # writing

    async def add(self, row: NewOutboxRow, now: datetime) -> int:
        """`not_before`: hold the message until then (e.g. the end of someone's night)."""
        cur = await self._conn.execute(
            "INSERT INTO outbox (key, platform, chat_id, payload, appeal_id, institution_id, "
            "kind, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (new_key(), row.platform, row.chat_id, row.payload, row.appeal_id,
             row.institution_id, str(row.kind), to_db(row.not_before or now), to_db(now)),
        )
        return int(cur.rows[0][0])

    async def add_many(self, rows: list[NewOutboxRow], now: datetime) -> None:
        stamp = to_db(now)
        self._conn.defer_many(
            "INSERT INTO outbox (key, platform, chat_id, payload, appeal_id, institution_id, "
            "kind, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(new_key(), r.platform, r.chat_id, r.payload, r.appeal_id, r.institution_id,
              str(r.kind), to_db(r.not_before) if r.not_before else stamp, stamp)
             for r in rows],
        )

    # the delivery's side

    async def claim(self, platforms: list[str], now: datetime, per_chat: int,
                    limit: int) -> list[OutboxItem]:
        """The due rows to send next, in id order: at most `per_chat` of one chat, and none
        of a chat whose earlier rows are still being sent (so a chat's order holds).

        On PostgreSQL the chosen rows are locked `FOR UPDATE SKIP LOCKED` first: two claims
        at once (a worker taking over while the old one's last claim commits, or tests
        flushing side by side) never wait on each other nor deadlock, and a row another
        claim holds is left to it. The outer `status = 'pending'` is checked again on the
        row itself, so a row claimed meanwhile is never sent twice."""
        if not platforms:
            return []
        marks = ", ".join("?" for _ in platforms)
        chosen = (f"SELECT id FROM (SELECT o.id, ROW_NUMBER() OVER ("
                  f"  PARTITION BY o.platform, o.chat_id ORDER BY o.id) AS n FROM outbox o"
                  f"  WHERE o.status = 'pending' AND o.platform IN ({marks}) AND o.not_before <= ?"
                  f"  AND NOT EXISTS (SELECT 1 FROM outbox s WHERE s.status = 'sending'"
                  f"   AND s.platform = o.platform AND s.chat_id = o.chat_id)) AS q"
                  f" WHERE n <= ? ORDER BY id LIMIT ?")
        if self._conn.dialect is Dialect.POSTGRESQL:
            chosen = (f"SELECT id FROM outbox WHERE id IN ({chosen}) AND status = 'pending' "
                      "ORDER BY id FOR UPDATE SKIP LOCKED")
        # RETURNING promises no order (PostgreSQL gives the rows as it updated them):
        # the lanes take them in id order, each chat's oldest first
        return sorted((_item(row) for row in await self._conn.execute_fetchall(
            f"UPDATE outbox SET status = 'sending' WHERE id IN ({chosen}) "
            f"AND status = 'pending' RETURNING {_COLUMNS}",
            (*platforms, to_db(now), per_chat, limit),
        )), key=lambda item: item.id)

    async def mark_sent(self, item_id: int, message_id: str | None, now: datetime) -> None:
        self._conn.defer(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, error = NULL, "
            "failure = NULL, attempts = attempts + 1, last_attempt_at = ? WHERE id = ?",
            (to_db(now), message_id, to_db(now), item_id),
        )

    async def note_failure(self, item_id: int, failure: str, error: str, now: datetime) -> None:
        """A failed attempt that will be retried: kept for the operators' view."""
        self._conn.defer(
            "UPDATE outbox SET attempts = attempts + 1, failure = ?, error = ?, "
            "last_attempt_at = ? WHERE id = ?",
            (failure, error[:500], to_db(now), item_id),
        )

    async def mark_failed(self, item_ids: list[int], failure: str, error: str,
                          now: datetime) -> None:
        self._conn.defer_many(
            "UPDATE outbox SET status = 'failed', failure = ?, error = ?, last_attempt_at = ? "
            "WHERE id = ?",
            [(failure, error[:500], to_db(now), i) for i in item_ids],
        )

    async def release(self, item_ids: list[int]) -> None:
        """Claimed rows back to pending (the delivery stops, or a chat was re-routed)."""
        self._conn.defer_many(
            "UPDATE outbox SET status = 'pending' WHERE id = ? AND status = 'sending'",
            [(i,) for i in item_ids])

    async def requeue_interrupted(self) -> int:
        """Rows left 'sending' by a crash go out again: a duplicate beats a lost answer."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
        return cur.rowcount

    async def unsent_of_chat(self, platform: str, chat_id: str) -> list[OutboxItem]:
        """Everything still to go to one chat (pending or claimed), in order."""
        return [_item(row) for row in await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE platform = ? AND chat_id = ? "
            "AND status IN ('pending', 'sending') ORDER BY id", (platform, chat_id))]

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """A chat got a new id: what was still to go there goes to the new one."""
        cur = await self._conn.execute(
            "UPDATE outbox SET chat_id = ?, status = 'pending' WHERE platform = ? "
            "AND chat_id = ? AND status IN ('pending', 'sending')",
            (new_chat_id, platform, old_chat_id))
        return cur.rowcount

    async def retry(self, item_id: int, now: datetime) -> bool:
        """An operator sends a failed row again."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, attempts = 0 "
            "WHERE id = ? AND status = 'failed'", (to_db(now), item_id))
        return cur.rowcount == 1

    async def prune_sent(self, delete_before: datetime, blank_before: datetime,
                         blank_payload: str, after: tuple[str, int] | None,
                         limit: int = 1000) -> tuple[int, tuple[str, int] | None]:
        """One batch of the retention of delivered rows: of the next `limit` sent rows in
        (sent_at, id) order past `after`, those sent before `delete_before` go unless they
        are cards, and the cards sent before `blank_before` lose their text (they stay while
        their appeal can still change: they say which chats got a copy). One trip, one
        window through outbox_sent_age: a batch visits at most `limit` rows, kept cards
        included. Returns (rows changed, where the next batch starts; None: the end)."""
        until = to_db(max(delete_before, blank_before))
        start = after or ("", 0)
        window = ("SELECT id, kind, sent_at, payload FROM outbox WHERE status = 'sent' "
                  "AND sent_at < ? AND (sent_at, id) > (?, ?) ORDER BY sent_at, id LIMIT ?")
        params = (until, start[0], start[1], limit)
        # the UPDATE before the DELETE: it leaves the window as it was, the DELETE would not
        last, blanked, deleted = await self._conn.batch([
            (f"SELECT sent_at, id FROM ({window}) AS w ORDER BY sent_at DESC, id DESC LIMIT 1",
             params),
            (f"UPDATE outbox SET payload = ? WHERE id IN (SELECT id FROM ({window}) AS w "
             "WHERE kind = 'card' AND sent_at < ? AND payload != ?)",
             (blank_payload, *params, to_db(blank_before), blank_payload)),
            (f"DELETE FROM outbox WHERE id IN (SELECT id FROM ({window}) AS w "
             "WHERE kind != 'card' AND sent_at < ?)", (*params, to_db(delete_before))),
        ])
        changed = max(deleted.rowcount, 0) + max(blanked.rowcount, 0)
        if not last.rows:
            return changed, None
        row = last.rows[0]
        return changed, (str(row[0]), int(row[1]))

    # reading

    async def card_chats(self, appeal_id: int, institution_id: str) -> list[ChatRef]:
        """Chats where a card of this appeal was posted for an institution (or is about to be)."""
        return [ChatRef(row[0], row[1]) for row in await self._conn.execute_fetchall(
            "SELECT platform, chat_id FROM outbox WHERE appeal_id = ? AND kind = 'card' "
            "AND institution_id = ? AND status != 'failed' UNION "
            # the chats of sent cards whose rows retention compacted (storage/privacy_repo.py)
            "SELECT platform, chat_id FROM card_copies WHERE appeal_id = ? "
            "AND institution_id = ? ORDER BY platform, chat_id",
            (appeal_id, institution_id, appeal_id, institution_id))]

    async def get(self, item_id: int) -> OutboxItem | None:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (item_id,))
        return _item(next(iter(rows))) if rows else None

    async def failed(self, limit: int = 20) -> list[OutboxItem]:
        return [_item(row) for row in await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?",
            (limit,))]

    async def count_by_status(self) -> dict[str, int]:
        """Rows per status (those with none absent): each count from its status's partial
        index (outbox_pending, outbox_chat_sending, outbox_sent_age, outbox_failed), not a
        scan of every message ever sent."""
        sql = " UNION ALL ".join(
            f"SELECT '{status.value}', COUNT(*) FROM outbox WHERE status = '{status.value}'"
            for status in OutboxStatus)
        return {row[0]: row[1] for row in await self._conn.execute_fetchall(sql) if row[1]}

    async def backlog(self) -> list[tuple[str, int, datetime]]:
        """(platform, messages still to send, the oldest one's creation time)."""
        return [(str(row[0]), int(row[1]), from_db(str(row[2]))) for row in
                await self._conn.execute_fetchall(
                    # each status through its partial index: the backlog, not the history
                    "SELECT platform, SUM(n), MIN(oldest) FROM ("
                    "SELECT platform, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox "
                    "WHERE status = 'pending' GROUP BY platform UNION ALL "
                    "SELECT platform, COUNT(*), MIN(created_at) FROM outbox "
                    "WHERE status = 'sending' GROUP BY platform) AS b "
                    "GROUP BY platform ORDER BY platform")]

    async def oldest_due(self, platforms: list[str]) -> datetime | None:
        """Since when the longest-waiting pending row of these platforms has been due (its
        `not_before`: a row held for later is not due before then); None: none waits. One
        MIN through the outbox_pending index (platform, not_before) per platform."""
        found = [from_db(str(row[0])) for platform in platforms
                 for row in await self._conn.execute_fetchall(
                     "SELECT MIN(not_before) FROM outbox WHERE status = 'pending' "
                     "AND platform = ?", (platform,)) if row[0] is not None]
        return min(found, default=None)

    async def failures(self) -> list[tuple[str, str, int]]:
        """(platform, failure class, failed rows). Through the failed rows' partial index,
        named: with the statistics of a big table the planner preferred walking all of
        outbox_chat to save the GROUP BY's sort (22 s at 1M stored appeals)."""
        return [(row[0], row[1] or "?", row[2]) for row in await self._conn.execute_fetchall(
            f"SELECT platform, failure, COUNT(*) FROM outbox{self._conn.dialect.indexed_by('outbox_failed')} "
            "WHERE status = 'failed' "
            "GROUP BY platform, failure ORDER BY platform, failure")]
