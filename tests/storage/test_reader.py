"""Database.read(): reports read through a read-only connection beside the writer, in one
snapshot, and never hold a unit of work up; a write through it fails loudly."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from directory.model import Institution
from storage.db import Database

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def test_a_long_report_does_not_block_a_unit_of_work(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    async with db.unit() as repos:
        await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
    reading, done = asyncio.Event(), asyncio.Event()
    seen: list[int] = []

    async def long_report() -> None:
        async with db.read() as reader:
            seen.append(await reader.institutions.count())
            reading.set()
            await done.wait()  # the report is still running...
            seen.append(await reader.institutions.count())

    report = asyncio.create_task(long_report())
    await reading.wait()
    async with asyncio.timeout(2):  # ...and a citizen's unit of work goes through meanwhile
        async with db.unit() as repos:
            await repos.institutions.replace_all(
                [Institution("a", "Больница А"), Institution("b", "Больница Б")], NOW)
    done.set()
    await report
    assert seen == [1, 1]  # one snapshot: the report never saw half of anything
    async with db.read() as reader:
        assert await reader.institutions.count() == 2  # the next report sees the commit
    await db.close()


@pytest.mark.parametrize("memory", [False, True])
async def test_a_write_through_the_reader_fails_loudly(tmp_path: Path, memory: bool) -> None:
    db = await Database.open(":memory:" if memory else tmp_path / "db.sqlite3")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        async with db.read() as reader:
            await reader.staff.ban(1, "", "cli", NOW)
            await reader.staff.audit_log()  # a deferred write fails with the next statement
    async with db.unit() as repos:  # the writer writes as before (":memory:": the same one)
        await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
    async with db.read() as reader:
        assert await reader.institutions.count() == 1
    await db.close()
