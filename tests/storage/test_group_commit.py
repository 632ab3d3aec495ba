"""Group commit (storage/group_commit.py): short units queued for the writer together share
one COMMIT, each returns only once its writes are committed, a failing unit loses only its
own writes, a COMMIT that fails fails every unit of the group, and anything else that takes
the writer commits the open group first."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import storage.session
from storage.db import Database
from storage.records import DialogState

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


class Boom(Exception):
    pass


async def _open(tmp_path: Path) -> tuple[Database, list[str]]:
    db = await Database.open(tmp_path / "db.sqlite3")
    statements: list[str] = []
    db.trace_statements(statements.append)
    return db, statements


async def _state(db: Database, chat: str) -> str:
    """The chat's state as the reader sees it (committed rows only): 'idle' if none."""
    async with db.read() as reader:
        return (await reader.dialog.get("telegram", chat, chat)).state


async def _write(db: Database, chat: str, *, fail: bool = False) -> str:
    """A short unit writing one chat's dialog state; what the reader sees once it returned."""
    async with db.unit(short=True) as repos:
        await repos.dialog.set("telegram", chat, chat, DialogState("menu", {"n": chat}), NOW)
        if fail:  # after its write went to the database (a read sends what is deferred)
            assert (await repos.dialog.get("telegram", chat, chat)).state == "menu"
            raise Boom(chat)
    return await _state(db, chat)


async def test_units_queued_together_share_one_commit_and_return_committed(
        tmp_path: Path) -> None:
    db, statements = await _open(tmp_path)
    seen = await asyncio.gather(*(_write(db, str(n)) for n in range(10)))
    assert seen == ["menu"] * 10  # committed when the unit returned
    assert statements.count("COMMIT") == 1
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("SAVEPOINT unit") == 9  # the first one began the transaction
    statements.clear()
    assert await _write(db, "alone") == "menu"  # a unit with nobody behind it: its own
    assert statements.count("COMMIT") == 1
    await db.close()


async def test_a_failing_unit_loses_only_its_own_writes(tmp_path: Path) -> None:
    db, statements = await _open(tmp_path)
    results = await asyncio.gather(
        *(_write(db, str(n), fail=n in (0, 4)) for n in range(8)), return_exceptions=True)
    assert [r if isinstance(r, str) else type(r).__name__ for r in results] == (
        ["Boom", "menu", "menu", "menu", "Boom", "menu", "menu", "menu"])
    assert await _state(db, "0") == "idle" and await _state(db, "4") == "idle"
    assert [await _state(db, str(n)) for n in (1, 2, 3, 5, 6, 7)] == ["menu"] * 6
    assert "ROLLBACK TO unit" in statements and statements.count("COMMIT") == 1
    await db.close()


async def test_a_failed_commit_fails_every_unit_of_the_group_and_the_next_one_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk gives an I/O error at the group's COMMIT (injected): each unit raises,
    none of their writes is there, and the writer is usable again right after."""
    db, _ = await _open(tmp_path)
    original = storage.session._run

    def failing_commit(conn: sqlite3.Connection, statements: list) -> list:  # type: ignore[type-arg]
        if any(s.sql == "COMMIT" for s in statements):
            raise sqlite3.OperationalError("disk I/O error")
        return original(conn, statements)

    monkeypatch.setattr(storage.session, "_run", failing_commit)
    results = await asyncio.gather(*(_write(db, str(n)) for n in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    assert "disk I/O error" in str(results[0]) and "disk I/O error" in str(results[-1])
    monkeypatch.setattr(storage.session, "_run", original)
    assert [await _state(db, str(n)) for n in range(5)] == ["idle"] * 5
    assert await _write(db, "after") == "menu"
    await db.close()


async def test_a_long_unit_behind_short_ones_commits_their_group_first(tmp_path: Path) -> None:
    db, statements = await _open(tmp_path)
    seen_by_long: list[str] = []

    async def long_unit() -> None:
        async with db.unit() as repos:  # a report's write, a retention batch: the thread
            # the group of "a" and "b" (queued ahead) is committed: the reader sees it
            seen_by_long.extend([await _state(db, "a"), await _state(db, "b")])
            await repos.dialog.set("telegram", "long", "long", DialogState("menu", {}), NOW)

    results = await asyncio.gather(_write(db, "a"), _write(db, "b"), long_unit(),
                                   _write(db, "c"))
    assert results == ["menu", "menu", None, "menu"]
    assert seen_by_long == ["menu", "menu"]
    assert [await _state(db, chat) for chat in ("a", "b", "c", "long")] == ["menu"] * 4
    # a, b: one group, committed before the long unit's own transaction began
    first_commit = statements.index("COMMIT")
    assert statements.index("BEGIN IMMEDIATE", first_commit) > first_commit
    assert statements.count("COMMIT") == 3  # a+b, the long unit, c
    await db.close()


async def test_a_unit_cancelled_while_its_group_commits_holds_up_nobody(tmp_path: Path) -> None:
    db, _ = await _open(tmp_path)
    tasks = [asyncio.create_task(_write(db, str(n))) for n in range(6)]
    await asyncio.sleep(0)
    while not any(t.done() for t in tasks):  # mid-group: cancel one that waits
        await asyncio.sleep(0)
        for t in tasks[1:3]:
            if not t.done():
                t.cancel()
    done = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
    assert all(r == "menu" or isinstance(r, asyncio.CancelledError) for r in done), done
    assert sum(isinstance(r, asyncio.CancelledError) for r in done) >= 1
    # the cancelled units' writes were in the group: they committed with it
    assert [await _state(db, str(n)) for n in range(6)] == ["menu"] * 6
    assert await _write(db, "next") == "menu"
    await db.close()
