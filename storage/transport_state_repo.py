"""A transport's own small state (MAX's long-poll marker): one text value per name."""

from __future__ import annotations

from datetime import datetime

from storage.records import to_db
from storage.sql_port import SqlSession


class TransportStateRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def get(self, platform: str, name: str) -> str | None:
        async with self._conn.execute(
                "SELECT value FROM transport_state WHERE platform = ? AND name = ?",
                (platform, name)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row is not None else None

    async def put(self, platform: str, name: str, value: str, now: datetime) -> None:
        self._conn.defer(
            "INSERT INTO transport_state (platform, name, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (platform, name) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            (platform, name, value, to_db(now)))
