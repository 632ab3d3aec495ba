"""Storage: migrations, pragmas, re-import by id, transactions, online backup."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.appeals.outbox import outbox_row
from bot.message import Message
from directory.model import Institution
from storage.db import Database, migration_scripts
from storage.records import DialogState, OutboxKind

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def test_migrations_apply_once_and_set_user_version(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    latest = len(migration_scripts())
    assert await db.schema_version() == latest
    await db.close()
    again = await Database.open(path)  # a restart applies nothing twice
    assert await again.schema_version() == latest
    await again.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"institutions", "users", "staff", "inbox_chats", "invites", "appeals",
            "appeal_events", "appeal_messages", "dialog_state", "outbox"} <= tables


async def test_a_process_starting_while_another_migrates_waits_and_skips_its_work(
        tmp_path: Path) -> None:
    """Two workers started together on one file: the second waits for the first one's
    migration and does not run it again ("table institutions already exists")."""
    import asyncio
    import contextlib

    from storage.db import _statements

    path = tmp_path / "bot.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)  # the other process
    try:
        other.execute("PRAGMA journal_mode = WAL")
        _, _, first_sql = migration_scripts()[0]
        other.execute("BEGIN IMMEDIATE")
        for statement in _statements(first_sql):
            other.execute(statement)
        other.execute("PRAGMA user_version = 1")
        # check=False: straight to the migrations (the check at open takes the lock first)
        opening = asyncio.create_task(Database.open(path, check=False))
        await asyncio.sleep(0.3)  # it has read the version (0) and waits for the lock
        other.execute("COMMIT")
        db = await asyncio.wait_for(opening, 30)
    finally:
        other.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(migration_scripts()) == await db.schema_version()
    await db.close()


def test_migration_statements_keep_trigger_bodies_whole() -> None:
    from storage.db import _statements

    sql = ("-- a note\nCREATE TABLE t (a);\nCREATE TRIGGER x AFTER INSERT ON t BEGIN\n"
           "  INSERT INTO t VALUES (1);\n  INSERT INTO t VALUES (2);\nEND;\n-- the end\n")
    got = _statements(sql)
    assert len(got) == 2 and got[1].startswith("CREATE TRIGGER") and got[1].endswith("END;")


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        async with db.unit() as repos:
            await repos.people.bind_inbox("no-such-institution", "telegram", "1", False, NOW)
    await db.close()


async def test_failed_unit_rolls_back_everything(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError):
        async with db.unit() as repos:
            await repos.outbox.add(outbox_row("telegram", "1", Message("x"), OutboxKind.MESSAGE),
                                   NOW)
            raise RuntimeError("boom")
    async with db.unit() as repos:
        assert await repos.outbox.count_by_status() == {}
    await db.close()


async def test_reimport_updates_by_id_and_deactivates_missing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    a = Institution("a", "Больница А", city="Киров")
    b = Institution("b", "Больница Б")
    async with db.unit() as repos:
        counts = await repos.institutions.replace_all([a, b], NOW)
    assert (counts.added, counts.updated, counts.deactivated) == (2, 0, 0)
    async with db.unit() as repos:
        counts = await repos.institutions.replace_all(
            [Institution("a", "Больница А", city="Слободской")], NOW)
        assert (counts.added, counts.updated, counts.deactivated) == (0, 1, 1)
        assert [i.id for i in await repos.institutions.list()] == ["a"]
        kept = await repos.institutions.get("b")
        assert kept is not None and not kept.active  # hidden, not deleted
        assert (await repos.institutions.get("a")).city == "Слободской"
        counts = await repos.institutions.replace_all([a, b], NOW)
        assert (counts.added, counts.updated) == (0, 2)  # b comes back
        fap = Institution("fap", "ФАП села Б", parent="a")
        await repos.institutions.replace_all([a, b, fap], NOW)
    async with db.unit() as repos:
        assert (await repos.institutions.get("fap")).parent == "a"  # who answers for it
    await db.close()


async def test_former_names_are_stored_and_a_change_of_them_is_an_update(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    merged = Institution("north", "ГБУЗ «Северная ЦРБ»", aliases=("Северная больница",),
                         former_names=("Лальская ЦРБ", "Пинюгская районная больница"))
    async with db.unit() as repos:
        await repos.institutions.replace_all([merged, Institution("b", "Больница Б")], NOW)
    async with db.unit() as repos:
        stored = await repos.institutions.get("north")
        assert stored is not None
        assert stored.former_names == ("Лальская ЦРБ", "Пинюгская районная больница")
        assert stored.aliases == ("Северная больница",)
        assert (await repos.institutions.get("b")).former_names == ()
        assert [i.former_names for i in await repos.institutions.list() if i.id == "north"] == [
            merged.former_names]
        counts = await repos.institutions.replace_all(
            [replace(merged, former_names=("Лальская ЦРБ",)), Institution("b", "Больница Б")], NOW)
        assert (counts.updated, counts.unchanged) == (1, 1)
    async with db.unit() as repos:
        assert (await repos.institutions.get("north")).former_names == ("Лальская ЦРБ",)
    await db.close()


async def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    async with db.unit() as repos:
        await repos.institutions.replace_all([Institution("a", "Больница А")], NOW)
    await db.backup(tmp_path / "copy" / "backup.sqlite3")
    await db.close()
    copy = sqlite3.connect(tmp_path / "copy" / "backup.sqlite3")
    assert copy.execute("SELECT name FROM institutions").fetchall() == [("Больница А",)]
    assert copy.execute("PRAGMA user_version").fetchone()[0] == len(migration_scripts())


async def test_dialog_state_round_trip(tmp_path: Path) -> None:

    db = await Database.open(tmp_path / "db.sqlite3")
    async with db.unit() as repos:
        assert await repos.dialog.get("vk", "1", "1") == DialogState()
        await repos.dialog.set("vk", "1", "1", DialogState("appeal_text", {"a": "ё"}), NOW)
        assert await repos.dialog.get("vk", "1", "1") == DialogState("appeal_text", {"a": "ё"})
        assert await repos.dialog.get("telegram", "1", "1") == DialogState()
        assert await repos.dialog.get("vk", "2000000001", "1") == DialogState()  # per chat
    await db.close()


async def test_dialog_states_move_to_the_private_chat_and_staff_answers_are_dropped(
        tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # a database of the version before per-chat state
        for number, _, sql in migration_scripts()[:5]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {number};")
        conn.executemany("INSERT INTO dialog_state VALUES (?, ?, ?, ?, ?)", [
            ("telegram", "1001", "appeal_text", "{}", "2026-11-23T06:00:00+00:00"),
            ("telegram", "2001", "staff_answer", '{"appeal_id": 1}', "2026-11-23T06:00:00+00:00"),
        ])
    db = await Database.open(path)
    try:
        async with db.unit() as repos:
            assert (await repos.dialog.get("telegram", "1001", "1001")).state == "appeal_text"
            assert await repos.dialog.get("telegram", "2001", "2001") == DialogState()
    finally:
        await db.close()


async def test_database_wal_and_backup_are_private(tmp_path: Path) -> None:
    """Issue 12, item 5 (152-FZ): 0600 files in a 0700 folder."""
    import stat

    folder = tmp_path / "new-folder"
    db = await Database.open(folder / "db.sqlite3")
    try:
        async with db.unit() as repos:
            await repos.outbox.add(outbox_row("telegram", "1", Message("x"), OutboxKind.MESSAGE),
                                   NOW)
        await db.backup(tmp_path / "backups" / "copy.sqlite3")
        files = [folder / "db.sqlite3", folder / "db.sqlite3-wal", folder / "db.sqlite3-shm",
                 tmp_path / "backups" / "copy.sqlite3"]
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for path in (folder, tmp_path / "backups"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    finally:
        await db.close()
