"""WAL checkpoints run beside the writer, not inside a citizen's commit
(storage/checkpoints.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

import storage.db as db_module
from storage.checkpoints import EVERY_UNITS, WAL_KEEP_BYTES
from storage.db import Database


async def test_checkpoints_run_now_and_then_on_their_own_connection(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "wal.sqlite3")
    try:
        async with db.unit() as repos:
            rows = await repos.institutions.get("nothing")  # any unit works
        assert rows is None
        assert [tuple(r) for r in await db._conn.execute_fetchall(
            "PRAGMA wal_autocheckpoint")] == [(0,)]  # no commit of a turn checkpoints
        checkpoints = db._checkpoints
        assert checkpoints is not None
        now = datetime.now(UTC)
        for n in range(EVERY_UNITS * 2 + 10):
            async with db.unit() as repos:
                await repos.dialog.first_time("telegram", f"u{n}", now)
            await asyncio.sleep(0)
        if checkpoints._task is not None:
            await checkpoints._task
        # one started at unit 200; the one at 400 only if that one was done (never piled up)
        assert checkpoints.runs >= 1
        wal = Path(f"{tmp_path / 'wal.sqlite3'}-wal")
        assert wal.exists()
    finally:
        await db.close()
    assert (tmp_path / "wal.sqlite3").stat().st_size > 0


async def test_a_memory_database_has_no_checkpointer() -> None:
    db = await Database.open(":memory:")
    try:
        assert db._checkpoints is None
        async with db.unit() as repos:
            assert await repos.institutions.get("x") is None
    finally:
        await db.close()


async def test_a_bulk_writer_that_waits_for_checkpoints_keeps_the_wal_small(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of about 200 KB each, back to back: with keep_wal_small between them the
    WAL file never passes the high mark by more than a batch, and it is given back."""
    high = 2 * 2**20
    monkeypatch.setattr(db_module, "WAL_HIGH_BYTES", high)
    path = tmp_path / "bulk.sqlite3"
    db = await Database.open(path)
    wal = Path(f"{path}-wal")
    largest = 0
    try:
        now = datetime.now(UTC)
        for batch in range(120):
            async with db.unit() as repos:
                for n in range(100):
                    await repos.dialog.first_time("telegram", f"{batch}-{n}-" + "x" * 2000, now)
            await db.keep_wal_small()
            largest = max(largest, wal.stat().st_size)
        assert largest < high + 2**20, largest  # 120 batches wrote some 25 MB in all
        async with db.unit() as repos:  # the next write after a full checkpoint starts over
            await repos.dialog.first_time("telegram", "last", now)
        assert wal.stat().st_size <= WAL_KEEP_BYTES
    finally:
        await db.close()
