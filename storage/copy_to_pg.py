"""`python -m bot migrate-db --to postgresql://...`: an SQLite deployment's rows copied
into PostgreSQL (brought to the same schema version first), then verified table by table
by row count and a checksum over every row in primary-key order, computed the same way on
both sides. A target that holds any row is refused: the copy never mixes two histories.

The SQLite file is read in one snapshot (its read-only reader), so the bot may keep
running during the copy; rows it writes afterwards are not copied (stop it for the
switch-over, then copy).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite
import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.db import Database, _read_only
from storage.pg import PgDatabase

Conn = asyncpg.Connection | PoolConnectionProxy
BATCH = 5000


class CopyProblem(StrEnum):
    VERSIONS_DIFFER = "versions_differ"  # detail: "SQLite N, PostgreSQL M"
    TARGET_NOT_EMPTY = "target_not_empty"  # detail: the tables holding rows
    TABLE_MISSING = "table_missing"  # detail: the table the SQLite file lacks


class CopyRefused(Exception):
    """The copy cannot start: `problem`, and `detail` naming what."""

    def __init__(self, problem: CopyProblem, detail: str) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    rows: int
    checksum: str  # sha256 over the rows in key order, the same on both sides
    verified: bool


def _row_bytes(row: Sequence[Any]) -> bytes:
    """One row as the checksum reads it: SQLite and PostgreSQL give the same Python
    values (TEXT as str, INTEGER/BIGINT as int, NULL as None)."""
    return repr(tuple(row)).encode("utf-8") + b"\n"


async def _pg_tables(conn: Conn) -> list[tuple[str, list[str], list[str]]]:
    """(table, columns in order, primary-key columns) of the target, referenced tables
    first (foreign keys), schema_migrations left out."""
    tables = [r[0] for r in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name != 'schema_migrations' ORDER BY table_name")]
    edges = await conn.fetch(
        "SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.constraint_column_usage ccu "
        "ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema "
        "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()")
    needs = {t: {ref for src, ref in edges if src == t and ref != t} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and needs[t] <= set(ordered)]
        if not ready:  # a cycle: the rest in name order (constraints are checked at commit)
            ready = [t for t in tables if t not in ordered]
        ordered += ready
    out = []
    for table in ordered:
        columns = [r[0] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 ORDER BY ordinal_position", table)]
        keys = [r[0] for r in await conn.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)", table)]
        out.append((table, columns, keys or columns))
    return out


def _select(table: str, columns: list[str], keys: list[str]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    order = ", ".join(f'"{k}"' for k in keys)
    return f'SELECT {cols} FROM "{table}" ORDER BY {order}'


async def copy_sqlite_to_pg(source: Database, target: PgDatabase,
                            progress: Callable[[str, int], None] | None = None) -> list[TableCopy]:
    """Copy every table (the target must be empty and at the same schema version), then
    verify each; raises CopyRefused when the target holds rows or a table differs."""
    if (mine := await source.schema_version()) != (theirs := await target.schema_version()):
        raise CopyRefused(CopyProblem.VERSIONS_DIFFER, f"SQLite {mine}, PostgreSQL {theirs}")
    reader = await aiosqlite.connect(_read_only(source.path), uri=True, isolation_level=None)
    try:
        await reader.execute("BEGIN")  # one snapshot for the copy and its check
        async with target.connection() as conn:
            tables = await _pg_tables(conn)
            busy = [t for t, _, _ in tables
                    if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{t}")')]
            if busy:
                raise CopyRefused(CopyProblem.TARGET_NOT_EMPTY, ", ".join(busy))
            known = {r[0] for r in await reader.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            async with conn.transaction():
                for table, columns, keys in tables:
                    if table not in known:
                        raise CopyRefused(CopyProblem.TABLE_MISSING, table)
                    copied = 0
                    async with reader.execute(_select(table, columns, keys)) as cursor:
                        while batch := list(await cursor.fetchmany(BATCH)):
                            await conn.copy_records_to_table(
                                table, records=[tuple(r) for r in batch], columns=columns)
                            copied += len(batch)
                            if progress is not None:
                                progress(table, copied)
                    await _advance_identity(conn, table)
            return [await _verify(reader, conn, table, columns, keys) for table, columns, keys in tables]
    finally:
        await reader.close()


async def _advance_identity(conn: Conn, table: str) -> None:
    """Identity columns carry on after the copied ids (the next appeal is not id 1)."""
    for (column,) in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 AND is_identity = 'YES'", table):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)')


async def _verify(reader: aiosqlite.Connection, conn: Conn, table: str,
                  columns: list[str], keys: list[str]) -> TableCopy:
    sql = _select(table, columns, keys)
    mine, mine_rows = hashlib.sha256(), 0
    async with reader.execute(sql) as cursor:
        while batch := list(await cursor.fetchmany(BATCH)):
            for row in batch:
                mine.update(_row_bytes(row))
            mine_rows += len(batch)
    theirs, their_rows = hashlib.sha256(), 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for record in conn.cursor(sql, prefetch=BATCH):
            theirs.update(_row_bytes(tuple(record)))
            their_rows += 1
    verified = mine_rows == their_rows and mine.hexdigest() == theirs.hexdigest()
    return TableCopy(table, their_rows, theirs.hexdigest(), verified)

