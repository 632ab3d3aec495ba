"""What the application asks of its database, whichever server holds it.

`storage.db.Database` (SQLite, the embedded default) and `storage.pg.PgDatabase`
(PostgreSQL, for several workers) both provide it; `open_store(url)` opens the one a
DATABASE_URL names.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from storage.dialect import DatabaseUrl, Dialect
from storage.lease import Lease
from storage.repositories import Repositories


class Store(Protocol):
    dialect: Dialect
    path: str  # where it is, for messages (a PostgreSQL URL without its password)
    unverified: bool  # a big SQLite file whose full check is still to run
    damage: str | None  # what verify() found wrong, None: nothing

    @property
    def trips(self) -> int:
        """Round trips by units of work, their commits included (benchmarks, tests)."""
        ...

    def unit(self, *, short: bool = False) -> AbstractAsyncContextManager[Repositories]:
        """A transaction: everything inside commits together or not at all. `short`: a
        few indexed statements on the hot path (a turn, the courier's claim and marks),
        which SQLite runs on the event loop's thread; PostgreSQL's are alike anyway."""
        ...

    def read(self) -> AbstractAsyncContextManager[Repositories]:
        """A report's reads: one consistent snapshot that never holds up the writers."""
        ...

    async def migrate(self) -> int: ...

    async def schema_version(self) -> int: ...

    def expected_version(self) -> int:
        """The migration this code brings the schema to."""
        ...

    async def lease(self, name: str) -> Lease | None:
        """Work for one worker at a time (storage/lease.py): the lease, or None while
        another worker holds it."""
        ...

    async def verify(self) -> str | None: ...

    async def keep_wal_small(self) -> None: ...

    async def backup(self, target: str | Path) -> None: ...

    async def close(self) -> None: ...


async def open_store(url: DatabaseUrl, *, check: bool = True) -> Store:
    if url.dialect is Dialect.POSTGRESQL:
        from storage.pg import PgDatabase  # asyncpg only where PostgreSQL is used
        return await PgDatabase.open(url.target)
    from storage.db import Database
    return await Database.open(url.target, check=check)
