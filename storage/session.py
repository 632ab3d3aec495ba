"""One unit of work's statements on the shared aiosqlite connection, pipelined.

aiosqlite runs every statement in its own thread and each call is a round trip between
the event loop and that thread (a queue put, a wake-up, a GIL hand-over, a future set:
tens of microseconds, and the unit's lock is held all the while). A citizen's message
used to cost about twenty of them. The session cuts that down without changing what the
statements do:

- a SELECT (or any statement) run through `execute` / `execute_fetchall` is executed and
  fetched in one trip, not three (execute, fetchone, close);
- a write whose result nobody reads is `defer`red: it waits and goes in the same trip as
  the next statement that returns something, or as the commit. Order is kept (a later
  read sees every earlier write), and a deferred write that fails fails the unit, so the
  transaction is rolled back as before;
- `BEGIN IMMEDIATE` itself is deferred: it travels with the unit's first statement;
- `batch` runs several statements in one trip (the turn's opening reads);
- `cached` reads (an institution, its inbox chats, the operators) are asked once per unit
  however many steps of the turn need them, until a write to one of their tables; a
  batch that read the same rows already can `prime` them.

A `short` unit (a citizen's turn, the courier's claim and marks: a few indexed
statements) runs its statements on the event loop's own thread instead: each costs
microseconds, less than the hop to aiosqlite's thread and back (measured in
benchmarks/bench_core.py: the hops were most of the writer lock's time). Its BEGIN asks
for the write lock without waiting; if another process holds it, that one batch goes to
aiosqlite's thread, which waits the busy timeout there, never on the event loop.

The aiosqlite internals used are `Connection._execute(fn)`, which runs `fn` in the
connection's thread, the way aiosqlite's own `execute_fetchall` does, and
`Connection._conn`, the sqlite3 connection itself (opened with check_same_thread=False;
the Database's lock keeps one unit at a time on it); the pin in pyproject.toml keeps
them there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from storage.dialect import Dialect
from storage.read_cache import ReadCache
from storage.sql_port import Params


@dataclass(slots=True)
class Result:
    """What a statement gave, already fetched: rows, rowcount, lastrowid."""

    rows: list[sqlite3.Row] = field(default_factory=list)
    rowcount: int = -1
    lastrowid: int | None = None

    async def fetchone(self) -> sqlite3.Row | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[sqlite3.Row]:
        return self.rows

    def __iter__(self) -> Iterator[sqlite3.Row]:
        return iter(self.rows)


class _Call:
    """`await session.execute(...)` and `async with session.execute(...) as cur`, as
    aiosqlite allows both."""

    __slots__ = ("_awaitable",)

    def __init__(self, awaitable: Awaitable[Result]) -> None:
        self._awaitable = awaitable

    def __await__(self) -> Generator[Any, None, Result]:
        return self._awaitable.__await__()

    async def __aenter__(self) -> Result:
        return await self._awaitable

    async def __aexit__(self, *exc: object) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _Statement:
    sql: str
    params: Params | Iterable[Params] = ()
    many: bool = False


def _run(conn: sqlite3.Connection, statements: list[_Statement]) -> list[Result]:
    """In aiosqlite's thread: every statement in order; the first failure stops it."""
    results = []
    for statement in statements:
        if statement.many:
            cursor = conn.executemany(statement.sql, statement.params)
            results.append(Result([], cursor.rowcount, cursor.lastrowid))
            continue
        cursor = conn.execute(statement.sql, statement.params)  # type: ignore[arg-type]
        rows = cursor.fetchall() if cursor.description is not None else []
        results.append(Result(rows, cursor.rowcount, cursor.lastrowid))
        cursor.close()
    return results


Sender = Callable[[list[_Statement]], Awaitable[list[Result]]]


def _in_thread(conn: aiosqlite.Connection) -> Sender:
    def call(statements: list[_Statement]) -> Awaitable[list[Result]]:
        return conn._execute(lambda: _run(conn._conn, statements))  # type: ignore[no-untyped-call]
    return call


class _Busy(Exception):
    """Another connection holds the write lock: BEGIN would have to wait for it."""


def _run_here(conn: sqlite3.Connection, statements: list[_Statement],
              busy_timeout_ms: int) -> list[Result]:
    """On the event loop's thread. A BEGIN first asks for the lock without waiting
    (busy_timeout 0 for that one statement) and raises _Busy rather than sleep here."""
    if not statements or not statements[0].sql.startswith("BEGIN"):
        return _run(conn, statements)
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute(statements[0].sql)
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise _Busy from exc
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    return [Result(), *_run(conn, statements[1:])]


def _here(conn: aiosqlite.Connection, busy_timeout_ms: int) -> Sender:
    thread = _in_thread(conn)

    async def call(statements: list[_Statement]) -> list[Result]:
        try:
            return _run_here(conn._conn, statements, busy_timeout_ms)
        except _Busy:  # nothing ran: the whole batch waits for the lock in the thread
            return await thread(statements)
    return call


class Session:
    """The statements of one unit of work (see the module docstring). Not shared between
    units: the Database's lock makes one unit at a time use the connection."""

    dialect = Dialect.SQLITE

    def __init__(self, conn: aiosqlite.Connection, *, begin: str | None = None,
                 end: str | None = "COMMIT", undo: tuple[str, ...] = ("ROLLBACK",),
                 here_busy_timeout_ms: int | None = None) -> None:
        """`begin` starts the unit (sent with its first statement), `end` finishes it at
        commit (None: the writes go, the transaction stays open), `undo` at rollback; a
        group's units (storage/group_commit.py) have a savepoint's. `here_busy_timeout_ms`:
        run the statements on the event loop's thread (a short unit), the connection's
        busy timeout being that; None: in aiosqlite's thread."""
        self._conn = conn
        self._send = (_in_thread(conn) if here_busy_timeout_ms is None
                      else _here(conn, here_busy_timeout_ms))
        self._begin = begin
        self._end = end
        self._undo = undo
        self._begun = False  # the begin statement went out
        self._pending: list[_Statement] = [_Statement(begin)] if begin else []
        self._reads = ReadCache()
        self.trips = 0  # round trips so far (benchmarks and tests read it)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def defer(self, sql: str, params: Params = ()) -> None:
        """A write whose result nobody reads: sent with the next statement."""
        self._forget(sql)
        self._pending.append(_Statement(sql, params))

    def defer_many(self, sql: str, params: Iterable[Params]) -> None:
        self._forget(sql)
        self._pending.append(_Statement(sql, list(params), many=True))

    async def cached(self, sql: str, params: Sequence[Any], tables: frozenset[str],
                     ) -> list[sqlite3.Row]:
        """A read asked once per unit: the same statement again gives the same rows until
        this unit writes to one of `tables` (every table the read depends on, including
        what triggers write)."""
        if (hit := self._reads.get(sql, params)) is not None:
            return hit
        rows = await self.execute_fetchall(sql, params)
        self._reads.put(sql, params, tables, rows)
        return rows

    def prime(self, sql: str, params: Sequence[Any], tables: frozenset[str],
              rows: list[sqlite3.Row]) -> None:
        """What `cached(sql, params, tables)` would read, already read by a batch of this
        unit (TurnRepo.open): the first cached read of it costs no trip."""
        self._reads.put(sql, params, tables, rows)

    def _forget(self, sql: str) -> None:
        self._reads.forget(sql)

    async def batch(self, statements: Sequence[tuple[str, Params]]) -> list[Result]:
        """Several statements in one trip, after the deferred ones; their results."""
        for sql, _ in statements:
            self._forget(sql)
        wanted = [_Statement(sql, params) for sql, params in statements]
        return (await self._flush(wanted))[-len(wanted):] if wanted else []

    def execute(self, sql: str, params: Params = ()) -> _Call:
        self._forget(sql)
        return _Call(self._one(_Statement(sql, params)))

    def executemany(self, sql: str, params: Iterable[Params]) -> _Call:
        self._forget(sql)
        return _Call(self._one(_Statement(sql, list(params), many=True)))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        self._forget(sql)
        return (await self._one(_Statement(sql, params))).rows

    async def flush(self) -> None:
        """Send what is deferred (before work outside the database relies on it)."""
        if self._pending:
            await self._flush([])

    async def commit(self) -> None:
        """The deferred writes and COMMIT (the `end`) in one trip; nothing at all if the
        unit ran no statement (its BEGIN was never sent)."""
        begin_pending = self._begin is not None and not self._begun
        if begin_pending and len(self._pending) == 1:
            self._pending.clear()
        elif begin_pending or self._begun or self._conn.in_transaction:
            end = [_Statement(self._end)] if self._end else []
            if end or self._pending:
                await self._flush(end)
        elif self._pending:
            await self._flush([])

    async def rollback(self) -> None:
        self._pending.clear()
        if self._conn.in_transaction and (self._begun or self._begin is None):
            await self._flush([_Statement(sql) for sql in self._undo])

    async def _one(self, statement: _Statement) -> Result:
        return (await self._flush([statement]))[-1]

    async def _flush(self, statements: list[_Statement]) -> list[Result]:
        todo, self._pending = [*self._pending, *statements], []
        self.trips += 1
        if todo and not self._begun and todo[0].sql == self._begin:
            self._begun = True
        return await self._send(todo)
