"""WAL checkpoints run beside the writer, not inside a citizen's commit
(storage/checkpoints.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from storage.checkpoints import EVERY_UNITS
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
        assert checkpoints.runs >= 2
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
