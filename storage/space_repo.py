"""Bytes in use: what `python -m bot storage` reports (issue 15, bounded storage).

Pages in use are (page_count - freelist_count) x page_size: the free pages of rows deleted
are reused by SQLite for new rows, so after retention the file stops growing although it
does not shrink (auto_vacuum is off; an offline VACUUM shrinks it). Per table, with its
indexes, from the dbstat virtual table when SQLite was built with it (it reads every page:
seconds on a file of gigabytes, on the reader, not under the writer's lock).

On PostgreSQL the same shapes: pages of the server's block size, in use by the tables of
the database's schema with their indexes and TOAST (pg_total_relation_size: the files'
sizes, read without reading them); no free pages are counted (the server reuses what
VACUUM frees inside those files itself, and counting it needs the pgstattuple extension).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.dialect import Dialect
from storage.sql_port import SqlSession

# Every table of the schema (partitioned ones and materialised views too), with its size.
_PG_TABLES = ("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
              "WHERE c.relnamespace = current_schema()::regnamespace "
              "AND c.relkind IN ('r', 'm', 'p') ORDER BY 2 DESC, 1")


@dataclass(frozen=True, slots=True)
class SpaceUsage:
    page_size: int
    pages: int
    free_pages: int
    closed_appeals: int
    tables: tuple[tuple[str, int], ...]  # (table, bytes with its indexes), largest first

    @property
    def used(self) -> int:
        return (self.pages - self.free_pages) * self.page_size

    @property
    def free(self) -> int:
        return self.free_pages * self.page_size

    @property
    def per_closed_appeal(self) -> float | None:
        return self.used / self.closed_appeals if self.closed_appeals else None


class SpaceRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def usage(self, per_table: bool = True) -> SpaceUsage:
        if self._conn.dialect is Dialect.POSTGRESQL:
            return await self._pg_usage(per_table)
        size, pages, free, closed = await self._conn.batch([
            ("PRAGMA page_size", ()), ("PRAGMA page_count", ()), ("PRAGMA freelist_count", ()),
            ("SELECT COUNT(*) FROM appeals WHERE status = 'closed'", ()),
        ])
        return SpaceUsage(int(size.rows[0][0]), int(pages.rows[0][0]), int(free.rows[0][0]),
                          int(closed.rows[0][0]),
                          await self._tables() if per_table else ())

    async def _pg_usage(self, per_table: bool) -> SpaceUsage:
        size, tables, closed = await self._conn.batch([
            ("SELECT CAST(current_setting('block_size') AS BIGINT)", ()), (_PG_TABLES, ()),
            ("SELECT COUNT(*) FROM appeals WHERE status = 'closed'", ()),
        ])
        page_size = int(size.rows[0][0])
        sizes = tuple((str(row[0]), int(row[1])) for row in tables.rows)
        return SpaceUsage(page_size, sum(n for _, n in sizes) // page_size, 0,
                          int(closed.rows[0][0]), sizes if per_table else ())

    async def _tables(self) -> tuple[tuple[str, int], ...]:
        try:
            rows = await self._conn.execute_fetchall(
                "SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
                "LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC")
        except sqlite3.OperationalError:  # SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
            return ()
        return tuple((str(row[0]), int(row[1])) for row in rows)
