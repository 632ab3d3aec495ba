"""PostgreSQL (asyncpg): the same units of work, reports and numbered migrations as
storage.db's SQLite, for deployments with several workers on one database.

- A unit of work is one transaction on a pooled connection; units run side by side, in
  one process as across workers: the database's own row locks, the dedupe table and the
  turn's advisory lock per (platform, chat, user) (storage/turn_repo.py) keep them apart,
  so one person's updates are handled one at a time and in order.
- Reports read on another pooled connection in a REPEATABLE READ READ ONLY transaction:
  one snapshot, never waiting for the writers.
- Migrations: PostgreSQL databases start at the baseline (storage/migrations/postgresql/
  0017_baseline.sql: the schema SQLite has after migration 17); every later migration
  is the shared NNNN_name.sql, or postgresql/NNNN_name.sql where the SQL must differ.
  Each runs in its own transaction under an advisory lock, so workers starting together
  take turns and the later ones find nothing left to do.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.db import migration_scripts
from storage.db_problems import DatabaseProblem, DbProblem
from storage.dialect import DatabaseUrl, Dialect
from storage.lease import Lease, PgLease
from storage.pg_session import PgSession
from storage.repositories import Repositories

log = logging.getLogger(__name__)

BASELINE = 17
MIGRATION_LOCK = 0x6D656466  # "medf": the advisory lock migrations take turns under
_VERSIONS = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"""


def pg_scripts() -> list[tuple[int, str, str]]:
    """(number, name, sql) as PostgreSQL applies them: the baseline, then each later
    migration in its PostgreSQL form where one exists."""
    own = {entry.name[:4]: entry for entry in resources.files("storage.migrations.postgresql").iterdir()
           if entry.name.endswith(".sql") and entry.name[:4].isdigit()}
    baseline = own.get(f"{BASELINE:04d}")
    if baseline is None:
        raise RuntimeError("storage/migrations/postgresql has no baseline")
    scripts = [(BASELINE, baseline.name, baseline.read_text(encoding="utf-8"))]
    for number, name, sql in migration_scripts():
        if number <= BASELINE:
            continue
        if (entry := own.get(f"{number:04d}")) is not None:
            scripts.append((number, entry.name, entry.read_text(encoding="utf-8")))
        else:
            scripts.append((number, name, sql))
    return scripts


def _number(text: str) -> int | float:
    """numeric (SUM and AVG of integers) as SQLite gives it: int when whole, else float."""
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


async def _prepare(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_number, schema="pg_catalog",
                              format="text")


class PgDatabase:
    dialect = Dialect.POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.url = url
        self.path = DatabaseUrl(Dialect.POSTGRESQL, url).shown()
        self.unverified = False
        self.damage: str | None = None
        self.trips = 0

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> PgDatabase:
        shown = DatabaseUrl(Dialect.POSTGRESQL, url).shown()
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, init=_prepare)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseProblem(DbProblem.UNAVAILABLE, shown, str(exc)) from exc
        db = cls(pool, url)
        try:
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    def expected_version(self) -> int:
        return len(migration_scripts())

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            if not exists:
                return 0
            return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    async def migrate(self) -> int:
        current = 0
        async with self._pool.acquire() as conn:
            for number, name, sql in pg_scripts():
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    await conn.execute(_VERSIONS)
                    current = int(await conn.fetchval(
                        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
                    if number <= current:
                        continue
                    log.info("applying migration %s", name)
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        number, name, datetime.now(UTC).isoformat(timespec="seconds"))
                    current = number
        return current

    @asynccontextmanager
    async def unit(self, *, short: bool = False) -> AsyncIterator[Repositories]:
        """A transaction on a pooled connection (`short` changes nothing here: every
        statement is a network round trip to the server either way)."""
        async with self._pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            session = PgSession(conn)
            try:
                yield Repositories(session)
                await session.commit()
            except BaseException:
                await session.rollback()
                await transaction.rollback()
                raise
            else:
                await transaction.commit()
            finally:
                self.trips += session.trips

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repositories]:
        async with self._pool.acquire() as conn, conn.transaction(
                isolation="repeatable_read", readonly=True):
            yield Repositories(PgSession(conn))

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PoolConnectionProxy]:
        """A pooled connection of its own, outside any unit of work (bulk copies)."""
        async with self._pool.acquire() as conn:
            yield conn

    async def lease(self, name: str) -> Lease | None:
        """The lease `name` if no other worker holds it (storage/lease.py)."""
        return await PgLease.take(self.url, name)

    async def verify(self) -> str | None:
        return None  # the server keeps its own files sound

    async def keep_wal_small(self) -> None:
        return None  # the server checkpoints its own WAL

    async def backup(self, target: str | Path) -> None:
        raise DatabaseProblem(DbProblem.UNAVAILABLE, self.path,
                              "PostgreSQL is backed up with pg_dump or the server's own backups")

    async def close(self) -> None:
        await self._pool.close()
