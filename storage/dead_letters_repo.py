"""Dead letters: updates a transport could not read, kept (size-capped) for operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.records import from_db, to_db
from storage.sql_port import SqlSession

RAW_LIMIT_BYTES = 64 * 1024  # a raw update is cut here (Telegram's are far smaller)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    platform: str
    update_id: str | None
    reason: str  # what was wrong, by field and error type: never the contents
    raw: str
    received_at: datetime


def capped(raw: str, limit: int = RAW_LIMIT_BYTES) -> str:
    """`raw` cut to at most `limit` bytes of UTF-8 (never inside a character)."""
    data = raw.encode("utf-8", errors="replace")
    if len(data) <= limit:
        return raw
    return data[:limit].decode("utf-8", errors="ignore")


class DeadLetterRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def add(self, platform: str, update_id: str | None, reason: str, raw: str,
                  now: datetime) -> bool:
        """Keep one; False if this platform's update id is kept already (a redelivery)."""
        cur = await self._conn.execute(
            "INSERT INTO dead_letters (platform, update_id, reason, raw, received_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (platform, update_id, reason, capped(raw), to_db(now)),
        )
        return cur.rowcount == 1

    async def count(self) -> int:
        async with self._conn.execute("SELECT count(*) FROM dead_letters") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def recent(self, limit: int = 20) -> list[DeadLetter]:
        rows = await self._conn.execute_fetchall(
            "SELECT id, platform, update_id, reason, raw, received_at FROM dead_letters "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [_letter(row) for row in rows]

    async def get(self, letter_id: int) -> DeadLetter | None:
        rows = list(await self._conn.execute_fetchall(
            "SELECT id, platform, update_id, reason, raw, received_at FROM dead_letters "
            "WHERE id = ?", (letter_id,)))
        return _letter(rows[0]) if rows else None

    async def forget_before(self, moment: datetime) -> int:
        cur = await self._conn.execute("DELETE FROM dead_letters WHERE received_at < ?",
                                       (to_db(moment),))
        return cur.rowcount


def _letter(row: aiosqlite.Row | tuple[Any, ...]) -> DeadLetter:
    id_, platform, update_id, reason, raw, received_at = tuple(row)
    return DeadLetter(id_, platform, update_id, reason, raw,
                      from_db(received_at))
