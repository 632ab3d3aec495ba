"""Database.unit(short=True): a turn's statements run on the event loop's thread (no hop
to aiosqlite's thread and back), never sleep there waiting for another process's write
lock, and a loop of short units still lets the rest of the loop run."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from directory.model import Institution
from storage.db import Database

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def _threads_of_statements(db: Database, *, short: bool) -> set[int]:
    """The threads that ran a unit's statements."""
    threads: set[int] = set()
    db.trace_statements(lambda sql: threads.add(threading.get_ident()))
    async with db.unit(short=short) as repos:
        await repos.institutions.count()
    db.trace_statements(None)
    return threads


async def test_a_short_unit_runs_on_the_loops_thread_and_another_in_aiosqlites(
        tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    here = threading.get_ident()
    assert await _threads_of_statements(db, short=True) == {here}
    (other,) = await _threads_of_statements(db, short=False)
    assert other != here
    async with db.unit(short=True) as repos:  # and it writes and commits as any unit
        await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
    async with db.read() as reader:
        assert await reader.institutions.count() == 1
    await db.close()


async def test_a_short_unit_waits_for_another_processes_lock_off_the_event_loop(
        tmp_path: Path) -> None:
    """Another connection (a CLI command in another process) holds the write lock for
    0.4 s: the short unit waits in aiosqlite's thread, the loop keeps running meanwhile,
    and the unit goes through once the lock is free."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.4, other.execute, ("COMMIT",)).start()
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.03)
    started = time.perf_counter()
    async with db.unit(short=True) as repos:
        await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
    waited = time.perf_counter() - started
    stop.set()
    await ticking
    other.close()
    assert waited >= 0.3  # it did wait for the other writer...
    assert max(gaps) < 0.2, max(gaps)  # ...but not on the event loop (it stood still 0.4 s)
    async with db.read() as reader:
        assert await reader.institutions.count() == 1
    await db.close()


async def test_a_loop_of_short_units_lets_other_tasks_run(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    ticks = 0

    async def other_task() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    before = ticks
    for n in range(50):
        async with db.unit(short=True) as repos:
            await repos.institutions.replace_all([Institution("a", f"Больница {n}")], NOW)
    other.cancel()
    assert ticks - before >= 50  # once per unit at least: nothing starved
    await db.close()


async def test_a_failed_short_unit_rolls_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.unit(short=True) as repos:
            await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    async with db.read() as reader:
        assert await reader.institutions.count() == 0
    await db.close()


async def test_the_schema_version_is_read_beside_an_open_unit(tmp_path: Path) -> None:
    """A health probe asks for the version while a unit holds the writer: it reads
    through the reader, neither waiting for the unit nor using its connection."""
    db = await Database.open(tmp_path / "db.sqlite3")
    async with db.unit(short=True) as repos:
        await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
        async with asyncio.timeout(1):
            assert await db.schema_version() == db.expected_version()
    await db.close()
