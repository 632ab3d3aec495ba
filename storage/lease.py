"""Leases: which worker does the work that must run on one worker at a time (the delivery
with its platform rate limits, the reminder tick, digests, retention, the weekly report).

On PostgreSQL a lease is a session advisory lock (`pg_try_advisory_lock`) held on a
connection of its own: it is the server that knows who holds it, and it lets go the
moment that connection ends (the worker died or lost the network), so another worker's
next try takes it. On SQLite one process serves one file: its lease is always held.
"""

from __future__ import annotations

from typing import Protocol

import asyncpg


class Lease(Protocol):
    async def alive(self) -> bool:
        """Still held: the connection holding it answers."""
        ...

    async def release(self) -> None: ...


class HeldLease:
    """SQLite: the one process is the one worker."""

    async def alive(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PgLease:
    def __init__(self, conn: asyncpg.Connection, key: str) -> None:
        self._conn = conn
        self._key = key

    @classmethod
    async def take(cls, url: str, key: str) -> PgLease | None:
        """The lease if no other worker holds it now; None otherwise."""
        conn = await asyncpg.connect(url)
        try:
            held = await conn.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key)
        except BaseException:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return None
        return cls(conn, key)

    async def alive(self) -> bool:
        if self._conn.is_closed():
            return False
        try:
            return bool(await self._conn.fetchval("SELECT 1", timeout=10))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False

    async def release(self) -> None:
        if not self._conn.is_closed():
            await self._conn.close(timeout=5)  # the lock goes with the session
