"""The SQLite connections: pragmas, a check at open, numbered migrations, units of work on
the writer, reports on a read-only reader beside it, online backup."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.checkpoints import WAL_HIGH_BYTES, WAL_KEEP_BYTES, Checkpointer
from storage.db_problems import DatabaseProblem, DbProblem, problem_of_os, problem_of_sqlite
from storage.dialect import Dialect
from storage.group_commit import GroupCommit
from storage.lease import HeldLease, Lease
from storage.repositories import Repositories
from storage.session import Session

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def _statements(sql: str) -> list[str]:
    """A migration script's statements one by one (a trigger's body, with its own
    semicolons, stays whole: sqlite3.complete_statement knows SQL's grammar), so they run
    inside a transaction this code opened (executescript would commit it first)."""
    out, pending = [], ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip() and any(not line.strip().startswith("--") and line.strip()
                               for line in pending.splitlines()):
        out.append(pending.strip())  # a last statement without its semicolon
    return out


def migration_scripts() -> list[tuple[int, str, str]]:
    """(number, name, sql) of storage/migrations/NNNN_name.sql, in order."""
    scripts = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            scripts.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    scripts.sort()
    numbers = [number for number, _, _ in scripts]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, got {numbers}")
    return scripts


def private_file(path: Path) -> None:
    """Personal data (152-FZ): the file is 0600, in a 0700 folder when the folder is new.
    SQLite gives the WAL and shared-memory files the database file's permissions."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


# PRAGMA quick_check reads every page: five minutes over a million stored appeals (14 GB).
# A file larger than this is checked at open only as far as its header and schema, and
# in full by Database.verify() while the bot already serves.
FULL_CHECK_AT_OPEN_BYTES = 1 << 30


async def _check_usable(conn: aiosqlite.Connection, path: str, full: bool) -> None:
    """At open: PRAGMA quick_check (a damaged file stops the start before anything is
    written to it), or for a big file a read of its schema; then a write lock taken and
    given back (a file SQLite could open for reading only says so now, not at the first
    citizen's message)."""
    if full:
        if (damage := await _quick_check(conn)) is not None:
            raise DatabaseProblem(DbProblem.CORRUPTED, path, damage)
    else:
        await conn.execute_fetchall("SELECT COUNT(*) FROM sqlite_master")
    await conn.execute("BEGIN IMMEDIATE")
    await conn.execute("ROLLBACK")


async def _quick_check(conn: aiosqlite.Connection) -> str | None:
    """What PRAGMA quick_check finds wrong (its first three problems), None: nothing."""
    rows = [str(row[0]) for row in await conn.execute_fetchall("PRAGMA quick_check(3)")]
    return None if rows == ["ok"] else "; ".join(rows)[:300]


async def _user_version(conn: aiosqlite.Connection) -> int:
    rows = await conn.execute_fetchall("PRAGMA user_version")
    return int(next(iter(rows))[0])


def _read_only(path: str) -> str:
    """The URI of the file opened read-only (a write through it fails loudly)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def _size(path: str) -> int:
    return sum(os.stat(p).st_size for p in (path, path + "-wal") if os.path.exists(p))


async def _open_reader(path: str) -> aiosqlite.Connection:
    """A read-only connection to the same file (WAL: it reads beside the writer, each
    transaction a snapshot of what was committed). A write through it fails loudly."""
    conn = await aiosqlite.connect(_read_only(path), uri=True, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA cache_size = -65536")  # reports scan indexes: keep them warm
        await conn.execute("PRAGMA query_only = ON")
    except BaseException:
        await conn.close()
        raise
    return conn


class Database:
    """One writer connection shared by the process, and a read-only reader beside it.

    Statements of one connection interleave if two coroutines use it at once, so every
    unit of work holds a lock: a transaction is never mixed with another's statements.
    Reports (`read()`) go through the reader, under a lock of its own, and never wait for
    the writer's: a long report does not hold up a citizen's turn. A ":memory:" database
    cannot be shared between connections: its reports read through the writer, under the
    writer's lock.
    """

    dialect = Dialect.SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: str,
                 reader: aiosqlite.Connection | None = None) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._groups = GroupCommit(conn, self._lock)  # short units share a COMMIT
        self._reader = reader
        self._read_lock = asyncio.Lock()
        self.path = path
        self._checkpoints: Checkpointer | None = None
        self.unverified = False  # a big file whose full check is still to run (verify())
        self.damage: str | None = None  # what verify() found wrong, None: nothing
        self._unit_trips = 0  # round trips of the units' own statements

    @classmethod
    async def open(cls, path: str | Path, *, check: bool = True) -> Database:
        """Open (create) and migrate. A file the process may not write, one that is not
        SQLite, or one `PRAGMA quick_check` finds damaged (`check`) raises DatabaseProblem;
        a file over FULL_CHECK_AT_OPEN_BYTES is left `unverified` for verify()."""
        path = str(path)
        if path != ":memory:":
            try:
                private_file(Path(path))
            except OSError as exc:
                raise DatabaseProblem(problem_of_os(exc), path, exc.strerror or "") from exc
        conn: aiosqlite.Connection | None = None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves. check_same_thread:
            # short units run on the event loop's thread (storage/session.py), the rest
            # in aiosqlite's; the lock keeps one unit at a time on the connection.
            conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: a region's hot pages stay in memory
            await conn.execute("PRAGMA foreign_keys = ON")
            full = path == ":memory:" or _size(path) <= FULL_CHECK_AT_OPEN_BYTES
            if check and path != ":memory:":
                await _check_usable(conn, path, full)
            db = cls(conn, path)
            db.unverified = check and not full
            await db.migrate()
            if path != ":memory:":
                db._reader = await _open_reader(path)  # after the migrations: their schema
                await conn.execute("PRAGMA wal_autocheckpoint = 0")  # storage/checkpoints.py
                await conn.execute(f"PRAGMA journal_size_limit = {WAL_KEEP_BYTES}")
                db._checkpoints = await Checkpointer.open(path, BUSY_TIMEOUT_MS)
            return db
        except sqlite3.Error as exc:
            if conn is not None:
                await conn.close()
            problem = problem_of_sqlite(exc)
            if problem is None:
                raise
            raise DatabaseProblem(problem, path, str(exc)) from exc
        except BaseException:
            if conn is not None:
                await conn.close()
            raise

    async def verify(self) -> str | None:
        """The full PRAGMA quick_check of a file too big to check at open, on a read-only
        connection of its own (WAL: the writer and the reports go on meanwhile). Returns
        and keeps in `damage` what it found; None: the file is sound."""
        conn = await aiosqlite.connect(_read_only(self.path), uri=True, isolation_level=None)
        try:
            damage = await _quick_check(conn)
        except sqlite3.Error as exc:
            damage = str(exc)[:300]
        finally:
            await conn.close()
        self.unverified = False
        self.damage = damage
        return damage

    async def close(self) -> None:
        if self._checkpoints is not None:
            await self._checkpoints.close()
        if self._reader is not None:
            async with self._read_lock:
                await self._reader.close()
        async with self._lock:
            await self._groups.close()
            await self._conn.close()

    def expected_version(self) -> int:
        return len(migration_scripts())

    async def schema_version(self) -> int:
        """The schema's version, through the reader (a health probe never waits for the
        writer, nor uses its connection beside a unit); ":memory:": the writer's lock."""
        if self._reader is not None:
            async with self._read_lock:
                return await _user_version(self._reader)
        async with self._lock:
            await self._groups.commit()
            return await _user_version(self._conn)

    async def migrate(self) -> int:
        """Apply the migrations newer than PRAGMA user_version; returns the version.

        Each migration is one BEGIN IMMEDIATE transaction that reads the version again
        inside it: several processes starting at once on one file take turns, and one
        that waited behind another's migration skips what that one applied (reading the
        version before the lock let both run it: "table institutions already exists")."""
        async with self._lock:
            await self._groups.commit()
            current = await _user_version(self._conn)
            for number, name, sql in migration_scripts():
                if number <= current:
                    continue
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    current = await _user_version(self._conn)
                    if number > current:
                        log.info("applying migration %s", name)
                        for statement in _statements(sql):
                            await self._conn.execute(statement)
                        await self._conn.execute(f"PRAGMA user_version = {number}")
                        current = number
                    await self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise
            return current

    @asynccontextmanager
    async def unit(self, *, short: bool = False) -> AsyncIterator[Repositories]:
        """A transaction: everything inside commits together or not at all, and is durable
        once the block is done. `short`: a few indexed statements (a turn, the courier's
        claim or marks), run on the event loop's thread (storage/session.py) and committed
        with the short units queued behind it (storage/group_commit.py); the unit lets the
        loop run at least once before it returns, as a hop to the thread would have, so a
        loop of short units never starves the rest."""
        group = None
        async with self._lock:
            if short:
                session = self._groups.session(BUSY_TIMEOUT_MS)
            else:
                await self._groups.commit()
                session = Session(self._conn, begin="BEGIN IMMEDIATE")
            try:
                yield Repositories(session)
                await session.commit()
            except BaseException as exc:
                try:
                    await session.rollback()
                except BaseException:
                    if short:
                        await self._groups.abandon(exc)
                    raise
                if short:
                    self._groups.broken(exc)
                raise
            else:
                group = self._groups.joined() if short else None
            finally:
                self._unit_trips += session.trips
        if group is not None:
            await self._groups.wait(group)
        elif short:
            await asyncio.sleep(0)
        if self._checkpoints is not None:
            self._checkpoints.after_unit()

    @property
    def commits(self) -> int:
        """Groups of short units committed (tests and benchmarks read it)."""
        return self._groups.commits

    @property
    def trips(self) -> int:
        """Round trips to the writer by units of work, their groups' COMMITs included
        (benchmarks and tests read it)."""
        return self._unit_trips + self._groups.trips

    def trace_statements(self, callback: Callable[[str], object] | None) -> None:
        """Diagnostics: `callback(sql)` for every statement the writer runs, called on the
        thread that runs it (sqlite3's trace callback); None turns it off."""
        self._conn._conn.set_trace_callback(callback)

    async def lease(self, name: str) -> Lease | None:
        """One process serves one SQLite file: always held (storage/lease.py)."""
        return HeldLease()

    async def keep_wal_small(self) -> None:
        """For a bulk writer between its batches (storage/checkpoints.py): past
        WAL_HIGH_BYTES of WAL, wait until a checkpoint has copied it."""
        if self._checkpoints is None:
            return
        try:
            size = os.stat(self.path + "-wal").st_size
        except OSError:
            return
        if size > WAL_HIGH_BYTES:
            await self._checkpoints.catch_up()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repositories]:
        """A report's reads: one consistent snapshot through the read-only reader, never
        under the writer's lock. Any write through these repositories raises
        sqlite3.OperationalError ("attempt to write a readonly database")."""
        if self._reader is None:  # ":memory:": the writer, read-only for the while
            async with self._lock:
                await self._groups.commit()
                await self._conn.execute("PRAGMA query_only = ON")
                try:
                    yield Repositories(Session(self._conn))
                finally:
                    await self._conn.execute("PRAGMA query_only = OFF")
            return
        async with self._read_lock:
            await self._reader.execute("BEGIN")  # the snapshot starts at the first read
            try:
                yield Repositories(Session(self._reader))
            finally:
                await self._reader.execute("ROLLBACK")

    async def backup(self, target: str | Path) -> None:
        """Online copy with the SQLite backup API, consistent while the bot runs."""
        target = Path(target)
        private_file(target)
        async with self._lock:
            await self._groups.commit()
            dest = await aiosqlite.connect(str(target))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()
