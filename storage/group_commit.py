"""Group commit: the short units that queue for the writer one after another share one
transaction, and one COMMIT makes them all durable (issue 15).

A commit writes every page its transaction changed to the WAL. A filed appeal changes
some thirty (the appeal, its indexes, the outbox rows and theirs, the dedupe row...), and
twenty citizens filing at once changed the same pages twenty times over, one commit each:
the commits were a third of a turn's time on the writer. In a group each page goes to the
WAL once per group.

How (all under the Database's writer lock, which keeps one unit at a time):

- The first short unit of a group begins the transaction (`BEGIN IMMEDIATE`) and does not
  commit; it leaves a committer behind, a task queued for the lock like any unit. Every
  short unit that queued before the committer runs inside the same transaction, each in a
  savepoint of its own: a unit that fails rolls back to its savepoint and only its own
  writes go. Then the committer gets the lock and commits.
- A unit returns once its group committed, never earlier: what a unit wrote is durable
  when `async with db.unit()` is done, as before. If the COMMIT fails, every unit of the
  group raises (none of their writes stayed), as each alone would have.
- Anything else that takes the lock (a long unit, a backup, a migration, closing) commits
  the open group first.

A group is the units queued while the first one ran: at most as many as wait for the
writer at once, and a unit waits for the group's work instead of the same work ahead of
it in the queue, so latency is not longer than without grouping.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import aiosqlite

from storage.session import Session

SAVEPOINT = "unit"


class _Group:
    """An open transaction of short units and the future its COMMIT resolves."""

    __slots__ = ("done", "units")

    def __init__(self) -> None:
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.units = 0


class GroupCommit:
    """The writer connection's open group, if any. Every method but `wait` runs under the
    Database's writer lock."""

    def __init__(self, conn: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = lock
        self._open: _Group | None = None
        self._committer: asyncio.Task[None] | None = None
        self.commits = 0  # groups committed (tests and benchmarks read it)
        self.trips = 0  # round trips of the COMMITs and the rollbacks of broken groups

    def session(self, busy_timeout_ms: int) -> Session:
        """A short unit's session: a savepoint in the open group, or the group's start."""
        if self._open is not None:
            return Session(self._conn, begin=f"SAVEPOINT {SAVEPOINT}", end=f"RELEASE {SAVEPOINT}",
                           undo=(f"ROLLBACK TO {SAVEPOINT}", f"RELEASE {SAVEPOINT}"),
                           here_busy_timeout_ms=busy_timeout_ms)
        return Session(self._conn, begin="BEGIN IMMEDIATE", end=None,
                       here_busy_timeout_ms=busy_timeout_ms)

    def joined(self) -> _Group | None:
        """After a unit's statements went through: the group it is in, None if it wrote
        nothing and no group is open (nothing to wait for)."""
        if self._open is None:
            if not self._conn.in_transaction:
                return None
            self._open = _Group()
            self._committer = asyncio.get_running_loop().create_task(self._commit_later())
        self._open.units += 1
        return self._open

    def broken(self, error: BaseException) -> None:
        """After a unit failed: if its failure ended the transaction (SQLite rolls it all
        back on some errors: a full disk, an I/O error), the group's other units lost
        their writes too and raise."""
        if self._open is not None and not self._conn.in_transaction:
            group, self._open = self._open, None
            if not group.done.done():
                group.done.set_exception(_lost(error))

    async def abandon(self, error: BaseException) -> None:
        """A unit could not even roll back to its savepoint: the whole transaction goes,
        and the group's other units raise."""
        with contextlib.suppress(sqlite3.Error):
            if self._conn.in_transaction:
                await Session(self._conn, undo=("ROLLBACK",), here_busy_timeout_ms=0).rollback()
        self.broken(error)

    async def commit(self) -> None:
        """COMMIT the open group, if any (under the lock)."""
        group, self._open = self._open, None
        if group is None:
            return
        self.trips += 1
        try:
            await Session(self._conn, here_busy_timeout_ms=0).commit()
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                if self._conn.in_transaction:
                    await Session(self._conn, here_busy_timeout_ms=0).rollback()
            group.done.set_exception(_lost(exc))
            if not isinstance(exc, Exception):
                raise
            return
        self.commits += 1
        group.done.set_result(None)

    async def _commit_later(self) -> None:
        async with self._lock:
            await self.commit()

    @staticmethod
    async def wait(group: _Group) -> None:
        """Outside the lock: until the group committed (raises if it did not). A unit
        cancelled meanwhile leaves the group to commit without it knowing."""
        await asyncio.shield(group.done)

    async def close(self) -> None:
        """Commit what is open and let the committer task end (under the lock)."""
        await self.commit()
        committer, self._committer = self._committer, None
        if committer is not None and not committer.done():
            committer.cancel()


def _lost(cause: BaseException) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(f"the group's transaction did not commit: {cause}")
    error.__cause__ = cause
    return error
