"""WAL checkpoints off the citizens' path.

SQLite's automatic checkpoint runs inside the commit that crosses 1,000 pages of WAL:
whichever turn happens to commit then waits tens of milliseconds while the WAL is
copied into the database file (seen as 80 ms spikes beside the retention job). The
writer turns the automatic checkpoint off, and every EVERY_UNITS units of work a
checkpoint runs on a connection of its own, in its own thread, in PASSIVE mode: it
copies what no reader still needs and never waits for, or blocks, the writer.

A bulk writer (the retention job's catch-up over years of history) can outrun it: the
WAL is only started over when a checkpoint has copied all of it, and a writer that never
pauses leaves it growing (6 GB in two minutes over a million stored appeals). Such a
writer calls `Database.keep_wal_small()` between its batches: past WAL_HIGH_BYTES it
waits for a checkpoint to finish, the next write starts the WAL over, and
journal_size_limit gives the file back.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import aiosqlite

log = logging.getLogger(__name__)

EVERY_UNITS = 200  # about 1,000 WAL pages of a turn's size
WAL_HIGH_BYTES = 64 * 2**20  # a bulk writer waits for a checkpoint past this much WAL
WAL_KEEP_BYTES = 16 * 2**20  # PRAGMA journal_size_limit: the WAL file after a restart


class Checkpointer:
    def __init__(self, conn: aiosqlite.Connection, every: int = EVERY_UNITS) -> None:
        self._conn = conn
        self._every = every
        self._units = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.runs = 0

    @classmethod
    async def open(cls, path: str, busy_timeout_ms: int) -> Checkpointer:
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    def after_unit(self) -> None:
        """A unit of work committed: start a checkpoint now and then, never waiting for it."""
        self._units += 1
        if not self._closed and self._units >= self._every and (self._task is None or self._task.done()):
            self._units = 0
            self._task = asyncio.create_task(self._run("PASSIVE"), name="wal-checkpoint")

    async def catch_up(self) -> None:
        """Wait for the running checkpoint, then run one more to its end."""
        if self._closed:
            return
        if self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)
        self._units = 0
        await self._run("PASSIVE")

    async def _run(self, mode: str) -> None:
        try:
            await self._conn.execute(f"PRAGMA wal_checkpoint({mode})")
            self.runs += 1
        except sqlite3.Error as exc:  # the next one tries again; the WAL only grows meanwhile
            log.warning("WAL checkpoint (%s) failed: %s", mode, exc)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self._run("PASSIVE")
        await self._conn.close()
