"""Institutions: the directory as stored, re-imported by id, deactivated never deleted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from directory.model import Institution
from storage.records import to_db
from storage.sql_port import SqlSession

_FIELDS = (
    "id", "name", "short_name", "aliases", "kind", "region", "city", "district", "address",
    "phone", "website", "vk", "telegram", "ok", "timezone", "parent", "former_names",
)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    added: int
    updated: int
    unchanged: int
    deactivated: int


def _row_values(inst: Institution) -> tuple[str, ...]:
    values = {f: getattr(inst, f) for f in _FIELDS}
    values["aliases"] = ";".join(inst.aliases)
    values["former_names"] = ";".join(inst.former_names)
    return tuple(values[f] for f in _FIELDS)


INSTITUTION_SQL = "SELECT * FROM institutions WHERE id = ?"  # get(); TurnRepo primes it
INSTITUTION_TABLES = frozenset({"institutions"})
# Rows converted to records in a worker thread from this many on: 100,000 institutions
# take most of a second, which the event loop should not spend.
CONVERT_IN_THREAD = 2_000


def _from_rows(rows: Iterable[aiosqlite.Row]) -> list[Institution]:
    return [_from_row(row) for row in rows]


def _from_row(row: aiosqlite.Row) -> Institution:
    data = {f: row[f] for f in _FIELDS}
    aliases = tuple(a for a in data.pop("aliases").split(";") if a)
    former_names = tuple(a for a in data.pop("former_names").split(";") if a)
    return Institution(**data, aliases=aliases, former_names=former_names,
                       active=bool(row["active"]))


class InstitutionRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def count(self) -> int:
        rows = await self._conn.execute_fetchall("SELECT COUNT(*) FROM institutions")
        return int(next(iter(rows))[0])

    async def signature(self) -> tuple[int, str]:
        """Changes whenever an import adds, updates or deactivates a row."""
        rows = await self._conn.execute_fetchall(
            "SELECT COUNT(*), COALESCE(MAX(updated_at), '') FROM institutions WHERE active = 1")
        row = next(iter(rows))  # an aggregate: always one row
        return int(row[0]), str(row[1])

    async def get(self, institution_id: str) -> Institution | None:
        rows = await self._conn.cached(INSTITUTION_SQL, (institution_id,), INSTITUTION_TABLES)
        return _from_row(rows[0]) if rows else None

    async def get_many(self, ids: list[str]) -> dict[str, Institution]:
        if not ids:
            return {}
        async with self._conn.execute(
            f"SELECT * FROM institutions WHERE id IN ({', '.join('?' for _ in ids)})", ids
        ) as cur:
            return {row["id"]: _from_row(row) for row in await cur.fetchall()}

    async def list(self, *, active_only: bool = True) -> list[Institution]:
        sql = "SELECT * FROM institutions"
        if active_only:
            sql += " WHERE active = 1"
        async with self._conn.execute(sql + " ORDER BY id") as cur:
            rows = list(await cur.fetchall())
        if len(rows) < CONVERT_IN_THREAD:
            return _from_rows(rows)
        return await asyncio.to_thread(_from_rows, rows)

    async def regions(self) -> tuple[str, ...]:
        """The region fields the directory's rows write, each once (none: not listed)."""
        rows = await self._conn.execute_fetchall(
            "SELECT DISTINCT region FROM institutions WHERE region != '' ORDER BY region")
        return tuple(str(row[0]) for row in rows)

    async def replace_all(self, institutions: Iterable[Institution], now: datetime) -> ImportCounts:
        """Make the table match a full import: upsert by id, deactivate the missing ones.

        Missing institutions are only deactivated: appeals keep referring to them.
        """
        existing = {i.id: i for i in await self.list(active_only=False)}
        seen: set[str] = set()
        added = updated = unchanged = 0
        stamp = to_db(now)
        placeholders = ", ".join("?" for _ in _FIELDS)
        updates = ", ".join(f"{f} = excluded.{f}" for f in _FIELDS if f != "id")
        for inst in institutions:
            seen.add(inst.id)
            old = existing.get(inst.id)
            if old is not None and _row_values(old) == _row_values(inst) and old.active:
                unchanged += 1
                continue
            self._conn.defer(
                f"INSERT INTO institutions ({', '.join(_FIELDS)}, active, updated_at) "
                f"VALUES ({placeholders}, 1, ?) "
                f"ON CONFLICT(id) DO UPDATE SET {updates}, active = 1, updated_at = excluded.updated_at",
                (*_row_values(inst), stamp),
            )
            if old is None:
                added += 1
            else:
                updated += 1
        missing = [i for i, inst in existing.items() if i not in seen and inst.active]
        self._conn.defer_many(
            "UPDATE institutions SET active = 0, updated_at = ? WHERE id = ?",
            [(stamp, i) for i in missing],
        )
        return ImportCounts(added, updated, unchanged, len(missing))
