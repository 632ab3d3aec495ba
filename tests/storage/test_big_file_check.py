"""A database file too big to read through at every start (storage/db.py
FULL_CHECK_AT_OPEN_BYTES): checked at open as far as its schema, in full by verify()
while the bot serves; damage found fails /readyz."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import storage.db as db_module
from bot.health import database_reachable
from storage.db import Database
from storage.db_problems import DatabaseProblem

PAGE = 4096


async def _made(path: Path) -> None:
    db = await Database.open(path)
    await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, x TEXT)")
        conn.executemany("INSERT INTO filler (x) VALUES (?)", [("v" * 200,)] * 2000)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()


def _damage(path: Path) -> None:
    """Cells of a page of the filler table overwritten (its last page but one)."""
    data = bytearray(path.read_bytes())
    start = (len(data) // PAGE - 2) * PAGE + 2000
    data[start:start + 50] = b"\xff" * 50
    path.write_bytes(bytes(data))


async def test_a_small_damaged_file_is_still_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "small.sqlite3"
    await _made(path)
    _damage(path)
    with pytest.raises(DatabaseProblem):
        await Database.open(path)


async def test_a_big_damaged_file_opens_and_the_check_beside_the_serving_finds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "FULL_CHECK_AT_OPEN_BYTES", 0)  # every file is "big"
    path = tmp_path / "big.sqlite3"
    await _made(path)
    _damage(path)
    db = await Database.open(path)
    try:
        assert db.unverified and db.damage is None
        ready = database_reachable(db)
        assert await ready() is None  # not known yet
        damage = await db.verify()
        assert damage is not None and "page" in damage
        assert not db.unverified and db.damage == damage
        problem = await ready()
        assert problem is not None and "damaged" in problem
    finally:
        await db.close()


async def test_a_big_sound_file_passes_the_check(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "FULL_CHECK_AT_OPEN_BYTES", 0)
    path = tmp_path / "sound.sqlite3"
    await _made(path)
    db = await Database.open(path)
    try:
        assert db.unverified
        assert await db.verify() is None
        assert not db.unverified and await database_reachable(db)() is None
    finally:
        await db.close()


async def test_a_file_under_the_limit_is_checked_at_open_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.sqlite3")
    try:
        assert not db.unverified
    finally:
        await db.close()
