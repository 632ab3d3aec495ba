"""The outbox: messages to other chats, written in the transaction that caused them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import ChatRef, OutboxItem, from_db, to_db


def _item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"], platform=row["platform"], chat_id=row["chat_id"],
        payload=json.loads(row["payload"]), appeal_id=row["appeal_id"], kind=row["kind"],
        status=row["status"], attempts=row["attempts"],
        not_before=from_db(row["not_before"]), created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        message_id=row["message_id"], error=row["error"],
    )


class OutboxRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(
        self, platform: str, chat_id: str, payload: dict[str, Any], now: datetime, *,
        appeal_id: int | None = None, kind: str = "message", not_before: datetime | None = None,
    ) -> int:
        """`not_before`: hold the message until then (e.g. the end of someone's night)."""
        cur = await self._conn.execute(
            "INSERT INTO outbox (platform, chat_id, payload, appeal_id, kind, not_before, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (platform, chat_id, json.dumps(payload, ensure_ascii=False), appeal_id, kind,
             to_db(not_before or now), to_db(now)),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    async def add_many(self, rows: list[tuple[str, str, dict[str, Any], int | None, str,
                                              datetime]], now: datetime) -> None:
        """Batch: (platform, chat_id, payload, appeal_id, kind, not_before)."""
        stamp = to_db(now)
        await self._conn.executemany(
            "INSERT INTO outbox (platform, chat_id, payload, appeal_id, kind, not_before, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(p, c, json.dumps(pl, ensure_ascii=False), a, k, to_db(nb), stamp)
             for p, c, pl, a, k, nb in rows],
        )

    async def due(self, platforms: list[str], now: datetime, limit: int = 50) -> list[OutboxItem]:
        if not platforms:
            return []
        marks = ", ".join("?" for _ in platforms)
        async with self._conn.execute(
            f"SELECT * FROM outbox WHERE status = 'pending' AND platform IN ({marks}) "
            "AND not_before <= ? ORDER BY id LIMIT ?",
            (*platforms, to_db(now), limit),
        ) as cur:
            return [_item(row) for row in await cur.fetchall()]

    async def mark_sending(self, item_id: int) -> bool:
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND status = 'pending'",
            (item_id,),
        )
        return cur.rowcount == 1

    async def mark_sent(self, item_id: int, message_id: str | None, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, error = NULL "
            "WHERE id = ?",
            (to_db(now), message_id, item_id),
        )

    async def retry_later(self, item_id: int, not_before: datetime, error: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, error = ? WHERE id = ?",
            (to_db(not_before), error, item_id),
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'failed', error = ? WHERE id = ?", (error, item_id)
        )

    async def requeue_interrupted(self) -> int:
        """Rows left 'sending' by a crash go out again: a duplicate beats a lost answer."""
        cur = await self._conn.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
        )
        return cur.rowcount

    async def card_chats(self, appeal_id: int, institution_id: str) -> list[ChatRef]:
        """Chats where a card of this appeal was posted for an institution (or is about to be)."""
        async with self._conn.execute(
            "SELECT DISTINCT platform, chat_id FROM outbox WHERE appeal_id = ? AND kind = 'card' "
            "AND json_extract(payload, '$.institution_id') = ? ORDER BY platform, chat_id",
            (appeal_id, institution_id),
        ) as cur:
            return [ChatRef(row[0], row[1]) for row in await cur.fetchall()]

    async def get(self, item_id: int) -> OutboxItem | None:
        async with self._conn.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)) as cur:
            row = await cur.fetchone()
        return _item(row) if row else None

    async def failed(self, limit: int = 20) -> list[OutboxItem]:
        async with self._conn.execute(
            "SELECT * FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [_item(row) for row in await cur.fetchall()]

    async def count_by_status(self) -> dict[str, int]:
        async with self._conn.execute(
            "SELECT status, COUNT(*) FROM outbox GROUP BY status"
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}
