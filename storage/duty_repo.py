"""The duty roster and the log of digests sent (each digest once a day)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from storage.people_repo import user_of
from storage.records import User, to_db
from storage.sql_port import SqlSession


def _among(column: str, regions: Sequence[str] | None) -> tuple[str, list[Any]]:
    """An `AND column IN (...)` for these region keys; nothing for None (every region)."""
    if regions is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' for _ in regions)})", list(regions)


class DutyRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def assign(self, days: Iterable[tuple[date, int, str]], now: datetime) -> int:
        """(day, user id, region key) rows (one region a person a day); how many were new."""
        cur = await self._conn.executemany(
            "INSERT INTO duty_roster (day, user_id, created_at, region) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(d.isoformat(), u, to_db(now), region) for d, u, region in days],
        )
        return cur.rowcount

    async def clear(self, first: date, last: date) -> None:
        self._conn.defer("DELETE FROM duty_roster WHERE day BETWEEN ? AND ?",
                                 (first.isoformat(), last.isoformat()))

    async def on_duty(self, day: date, regions: Sequence[str] | None = None) -> list[User]:
        """The people on the roster that day; with `regions` (keys, '' the entries of no
        region), those entries only."""
        where, params = _among("r.region", regions)
        async with self._conn.execute(
            "SELECT u.* FROM duty_roster r JOIN users u ON u.id = r.user_id WHERE r.day = ?"
            f"{where} ORDER BY u.id", (day.isoformat(), *params),
        ) as cur:
            rows = await cur.fetchall()
        return [user_of(r) for r in rows]

    async def roster(self, first: date, last: date) -> dict[date, list[User]]:
        """The people on duty on each day from `first` to `last` that has anyone: one read
        of the primary key's range (the roster page, on_duty_during)."""
        rows = await self._conn.execute_fetchall(
            "SELECT r.day, u.* FROM duty_roster r JOIN users u ON u.id = r.user_id "
            "WHERE r.day >= ? AND r.day <= ? ORDER BY r.day, u.id",
            (first.isoformat(), last.isoformat()))
        out: dict[date, list[User]] = {}
        for r in rows:
            out.setdefault(date.fromisoformat(r["day"]), []).append(user_of(r))
        return out

    async def next_duty_day(self, after: date) -> date | None:
        async with self._conn.execute(
            "SELECT MIN(day) FROM duty_roster WHERE day > ?", (after.isoformat(),)
        ) as cur:
            row = await cur.fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    async def duty_staff(self, regions: Sequence[str] | None = None) -> list[User]:
        """Everyone with the duty role (to pick from, and the fallback with no roster); with
        `regions`, those whose role is bound to one of them ('': to none)."""
        where, params = _among("s.region", regions)
        async with self._conn.execute(
            "SELECT DISTINCT u.* FROM staff s JOIN users u ON u.id = s.user_id "
            f"WHERE s.role = 'duty'{where} ORDER BY u.id", params,
        ) as cur:
            rows = await cur.fetchall()
        return [user_of(r) for r in rows]

    async def duty_regions(self) -> dict[int, str]:
        """The region key each duty person's role is bound to ('': none): their roster
        entries cover it."""
        rows = await self._conn.execute_fetchall(
            "SELECT user_id, MIN(region) FROM staff WHERE role = 'duty' GROUP BY user_id")
        return {int(user_id): str(region) for user_id, region in rows}

    async def was_sent(self, kind: str, target: str, day: date) -> bool:
        """Whether that digest went out that day (a report's read: it records nothing)."""
        rows = await self._conn.execute_fetchall(
            "SELECT 1 FROM digest_log WHERE kind = ? AND target = ? AND day = ?",
            (kind, target, day.isoformat()))
        return bool(rows)

    async def digest_sent(self, kind: str, target: str, day: date, now: datetime) -> bool:
        """Record a digest as sent; False if it was already sent that day."""
        cur = await self._conn.execute(
            "INSERT INTO digest_log (kind, target, day, sent_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (kind, target, day.isoformat(), to_db(now)),
        )
        return cur.rowcount == 1
