"""The PostgreSQL backend (storage/pg.py, pg_session.py): every repository statement runs
on it, migrations take turns between workers, units commit or leave nothing, reports
cannot write. Skipped, with the reason, where no PostgreSQL server is reachable."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from storage.pg import PgDatabase
from storage.pg_session import placeholders
from tests.pg import PgServer
from tests.storage.test_query_plans import NOW, _exercise


@pytest.fixture
async def empty_url(pg_server: PgServer):
    url = await pg_server.create_empty()
    yield url
    await pg_server.drop(url)


@pytest.fixture
async def pg(pg_server: PgServer):
    url = await pg_server.create()
    db = await PgDatabase.open(url)
    yield db
    await db.close()
    await pg_server.drop(url)


async def test_every_repository_method_runs_on_postgresql(pg: PgDatabase) -> None:
    await _exercise(pg)  # the query-plan test's tour: every public method, on rows
    async with pg.read() as repos:
        assert await repos.appeals.queue_sizes() is not None


async def test_workers_starting_together_migrate_once(empty_url: str) -> None:
    opened = await asyncio.gather(*(PgDatabase.open(empty_url) for _ in range(3)))
    try:
        versions = {await db.schema_version() for db in opened}
        assert versions == {opened[0].expected_version()}
        conn = await asyncpg.connect(empty_url)
        try:
            applied = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        finally:
            await conn.close()
        assert len(applied) == len(set(applied))  # each migration applied by one of them
    finally:
        for db in opened:
            await db.close()
    again = await PgDatabase.open(empty_url)  # a restart applies nothing twice
    try:
        assert await again.migrate() == again.expected_version()
    finally:
        await again.close()


async def test_a_unit_that_fails_leaves_nothing(pg: PgDatabase) -> None:
    with pytest.raises(RuntimeError):
        async with pg.unit() as repos:
            await repos.people.ensure_user("telegram", "1", "100", "Иван", NOW)
            raise RuntimeError("the turn failed")
    async with pg.unit() as repos:
        assert await repos.people.find_user("telegram", "1") is None
        user = await repos.people.ensure_user("telegram", "1", "100", "Иван", NOW)
    async with pg.unit() as repos:
        assert (await repos.people.find_user("telegram", "1")).id == user.id


async def test_reports_read_a_snapshot_and_cannot_write(pg: PgDatabase) -> None:
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with pg.read() as repos:
            await repos.people.ensure_user("telegram", "1", "100", "Иван", NOW)


def test_placeholders_become_numbered_outside_literals_and_casts() -> None:
    assert placeholders("SELECT ? || '?' , x::text FROM t WHERE a = ? -- why?\n") == (
        "SELECT $1 || '?' , x::text FROM t WHERE a = $2 -- why?\n", 2)
    assert placeholders("SELECT :a, :b, :a, 'it''s :c'") == ("SELECT $1, $2, $1, 'it''s :c'", ("a", "b"))
    with pytest.raises(ValueError):
        placeholders("SELECT ?, :a")
