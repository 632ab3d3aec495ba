"""PostgreSQL for the tests: a fresh database per test, copied from a template migrated once
per run (CREATE DATABASE ... TEMPLATE takes tens of milliseconds, the migrations longer).

The server is TEST_POSTGRESQL_URL (default: the machine's 127.0.0.1:5432, trust auth);
without one, the tests that need it skip and say why.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from storage.pg import PgDatabase, pg_scripts
from storage.pg_session import placeholders

SERVER = os.environ.get("TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test")
T = TypeVar("T")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def in_own_loop(coro: Coroutine[Any, Any, T]) -> T:
    """An async call from synchronous test code running inside the test's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _reachable() -> str | None:
    try:
        conn = await asyncpg.connect(SERVER, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"no PostgreSQL at {SERVER} ({type(exc).__name__}: {exc}); set TEST_POSTGRESQL_URL"
    await conn.close()
    return None


def _template_name() -> str:
    digest = hashlib.sha256("".join(sql for _, _, sql in pg_scripts()).encode()).hexdigest()[:12]
    return f"medfront_tpl_{digest}"


async def _make_template(name: str) -> None:
    admin = await asyncpg.connect(SERVER)
    try:
        await admin.execute("SELECT pg_advisory_lock(7261)")  # two test runs at once
        try:
            if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                return
            for (old,) in await admin.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'medfront_tpl_%'"):
                await admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            building = name + "_building"
            await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{building}"')
            db = await PgDatabase.open(with_database(SERVER, building))
            await db.close()
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await admin.execute("SELECT pg_advisory_unlock(7261)")
    finally:
        await admin.close()


class PgServer:
    """Fresh databases on the test server, each a copy of the migrated template."""

    def __init__(self) -> None:
        self._template: str | None = None
        self._problem: str | None = None
        self._checked = False

    def ready(self) -> None:
        """Skip the calling test when there is no server."""
        if not self._checked:
            self._checked = True
            self._problem = in_own_loop(_reachable())
            if self._problem is None:
                self._template = _template_name()
                in_own_loop(_make_template(self._template))
        if self._problem is not None:
            pytest.skip(self._problem)

    async def create(self) -> str:
        """A migrated database (a copy of the template)."""
        self.ready()
        return await self._create(f' TEMPLATE "{self._template}"')

    async def create_empty(self) -> str:
        """A database without a table: what a first start or migrate-db finds."""
        self.ready()
        return await self._create("")

    async def _create(self, template: str) -> str:
        name = f"medfront_t_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(SERVER)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"{template}')
        finally:
            await admin.close()
        return with_database(SERVER, name)

    async def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        admin = await asyncpg.connect(SERVER)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def fetch_rows(url: str, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    text, _ = placeholders(sql)
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(text, *args)]
    finally:
        await conn.close()
