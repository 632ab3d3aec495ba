"""One unit of work's statements on a PostgreSQL connection (asyncpg), with the surface of
storage.session.Session, so the repositories run unchanged on either server.

The repositories write `?` and `:name` placeholders (sqlite3's styles); asyncpg takes
`$1..$n`. `placeholders()` rewrites a statement once (cached), outside string literals,
quoted names, comments and `::` casts. Writes nobody reads are `defer`red and sent before
the next statement, as on SQLite; `cached` / `prime` are the same per-unit read cache.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.dialect import Dialect
from storage.read_cache import ReadCache
from storage.sql_port import Params

_ROWS = re.compile(r"\s*(?:SELECT|WITH|VALUES|SHOW)\b|.*\bRETURNING\b", re.IGNORECASE | re.DOTALL)
_COUNT = re.compile(r"(\d+)\s*$")


@lru_cache(maxsize=4096)
def placeholders(sql: str) -> tuple[str, tuple[str, ...] | int]:
    """(the statement with $n, the names in order for :name, or the number of ?)."""
    out: list[str] = []
    names: list[str] = []
    count = 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:  # '' inside a literal
                end = sql.find(c, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i:end + 1])
            i = end + 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif c == "?":
            count += 1
            out.append(f"${count}")
            i += 1
        elif c == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            name = sql[i + 1:j]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            i = j
        else:
            out.append(c)
            i += 1
    if names and count:
        raise ValueError("a statement mixes ? and :name placeholders")
    return "".join(out), (tuple(names) if names else count)


def _args(shape: tuple[str, ...] | int, params: Params) -> list[Any]:
    if isinstance(shape, tuple):
        if not isinstance(params, dict):
            raise TypeError("named placeholders need a dict of parameters")
        return [params[name] for name in shape]
    values = list(params.values()) if isinstance(params, dict) else list(params)
    if len(values) != shape:
        raise ValueError(f"the statement has {shape} placeholders, {len(values)} parameters given")
    return values


@dataclass(slots=True)
class PgResult:
    rows: list[asyncpg.Record] = field(default_factory=list)
    rowcount: int = -1
    lastrowid: int | None = None  # PostgreSQL has none: the repositories use RETURNING

    async def fetchone(self) -> asyncpg.Record | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return self.rows

    def __iter__(self) -> Iterator[asyncpg.Record]:
        return iter(self.rows)


class _Call:
    __slots__ = ("_coro",)

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, None, PgResult]:
        result: PgResult = yield from self._coro.__await__()
        return result

    async def __aenter__(self) -> PgResult:
        result: PgResult = await self._coro
        return result

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgSession:
    """The statements of one unit of work on one connection (PgDatabase holds the
    transaction around it)."""

    dialect = Dialect.POSTGRESQL

    def __init__(self, conn: asyncpg.Connection | PoolConnectionProxy) -> None:
        self._conn = conn
        self._pending: list[tuple[str, Params, bool]] = []
        self._reads = ReadCache()
        self.trips = 0

    def defer(self, sql: str, params: Params = ()) -> None:
        self._forget(sql)
        self._pending.append((sql, params, False))

    def defer_many(self, sql: str, params: Iterable[Params]) -> None:
        self._forget(sql)
        self._pending.append((sql, list(params), True))

    async def cached(self, sql: str, params: Sequence[Any], tables: frozenset[str]) -> list[Any]:
        if (hit := self._reads.get(sql, params)) is not None:
            return hit
        rows = await self.execute_fetchall(sql, params)
        self._reads.put(sql, params, tables, rows)
        return rows

    def prime(self, sql: str, params: Sequence[Any], tables: frozenset[str], rows: list[Any]) -> None:
        self._reads.put(sql, params, tables, rows)

    def _forget(self, sql: str) -> None:
        self._reads.forget(sql)

    async def batch(self, statements: Sequence[tuple[str, Params]]) -> list[PgResult]:
        for sql, _ in statements:
            self._forget(sql)
        await self.flush()
        self.trips += len(statements)
        return [await self._run(sql, params) for sql, params in statements]

    def execute(self, sql: str, params: Params = ()) -> _Call:
        self._forget(sql)
        return _Call(self._one(sql, params, False))

    def executemany(self, sql: str, params: Iterable[Params]) -> _Call:
        self._forget(sql)
        return _Call(self._one(sql, list(params), True))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        self._forget(sql)
        return (await self._one(sql, params, False)).rows

    async def flush(self) -> None:
        """The deferred statements in order; a run of one statement deferred again and
        again (the delivery's marks) goes as one pipelined executemany."""
        pending, self._pending = self._pending, []
        for (sql, many), run in itertools.groupby(pending, key=lambda p: (p[0], p[2])):
            statements = list(run)
            if many:
                for _, params, _ in statements:
                    self.trips += 1
                    await self._many(sql, params, counted=False)
                continue
            self.trips += 1
            if len(statements) == 1:
                await self._run(sql, statements[0][1])
            else:
                await self._many(sql, [params for _, params, _ in statements], counted=False)

    async def commit(self) -> None:
        await self.flush()

    async def rollback(self) -> None:
        self._pending.clear()

    async def _one(self, sql: str, params: Params, many: bool) -> PgResult:
        await self.flush()
        self.trips += 1
        return await (self._many(sql, params) if many else self._run(sql, params))

    async def _run(self, sql: str, params: Params) -> PgResult:
        text, shape = placeholders(sql)
        args = _args(shape, params)
        if _ROWS.match(text):
            rows = await self._conn.fetch(text, *args)
            return PgResult(list(rows), len(rows))
        status = await self._conn.execute(text, *args)
        found = _COUNT.search(status or "")
        return PgResult([], int(found.group(1)) if found else -1)

    async def _many(self, sql: str, params: Iterable[Params], *, counted: bool = True) -> PgResult:
        """Awaited (`executemany`): row by row, so the rows changed are counted as SQLite
        counts them; deferred (`defer_many`, nobody reads the count): asyncpg's
        executemany, one pipelined trip."""
        text, shape = placeholders(sql)
        rows = [_args(shape, p) for p in params]
        if not counted:
            if rows:
                await self._conn.executemany(text, rows)
            return PgResult([], -1)
        changed = 0
        for args in rows:
            found = _COUNT.search(await self._conn.execute(text, *args) or "")
            changed += int(found.group(1)) if found else 0
        return PgResult([], changed)
