"""The one port the repositories talk to: a unit of work's statements. storage.session
(SQLite, aiosqlite) and storage.pg_session (PostgreSQL, asyncpg) implement it."""

from __future__ import annotations

from collections.abc import Awaitable, Generator, Iterable, Iterator, Sequence
from typing import Any, Protocol

from storage.dialect import Dialect

Params = Sequence[Any] | dict[str, Any]


class SqlResult(Protocol):
    rows: list[Any]
    rowcount: int
    lastrowid: int | None

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlCall(Protocol):
    """`await session.execute(...)` or `async with session.execute(...) as result`."""

    def __await__(self) -> Generator[Any, None, SqlResult]: ...

    async def __aenter__(self) -> SqlResult: ...

    async def __aexit__(self, *exc: object) -> None: ...


class SqlSession(Protocol):
    dialect: Dialect
    trips: int

    def defer(self, sql: str, params: Params = ()) -> None: ...

    def defer_many(self, sql: str, params: Iterable[Params]) -> None: ...

    async def cached(self, sql: str, params: Sequence[Any], tables: frozenset[str]) -> list[Any]: ...

    def prime(self, sql: str, params: Sequence[Any], tables: frozenset[str], rows: list[Any]) -> None: ...

    def batch(self, statements: Sequence[tuple[str, Params]]) -> Awaitable[Sequence[SqlResult]]: ...

    def execute(self, sql: str, params: Params = ()) -> SqlCall: ...

    def executemany(self, sql: str, params: Iterable[Params]) -> SqlCall: ...

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Any]: ...

    async def flush(self) -> None: ...
