"""A scratch PostgreSQL database for a benchmark run: created on the server of
BENCH_POSTGRESQL_URL (default: the machine's, 127.0.0.1:5432, database `test`), dropped
after; `unavailable()` says why a run is skipped when there is no server."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

SERVER = os.environ.get("BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test")


def unavailable() -> str | None:
    """None when the server answers, else why not (for the skip line)."""
    async def probe() -> None:
        conn = await asyncpg.connect(SERVER, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError) as exc:
        return f"no server at {SERVER} ({exc})"
    return None


async def _admin(sql: str) -> None:
    admin = await asyncpg.connect(SERVER)
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


@contextmanager
def scratch_database(prefix: str = "medfront_bench") -> Iterator[str]:
    """The URL of a new empty database, dropped when the block ends (synchronous: each
    step runs its own event loop, as the benchmarks' runs do)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(SERVER)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def fetch_all(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Rows of one query on that database, as tuples."""
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()
