"""Issue 12, item 17: files the CLI cannot use are one Russian line on stderr and a non-zero
exit, never a traceback: a read-only database (file or folder), a file that is not SQLite,
a damaged one (PRAGMA quick_check at open), `backup` to a bad path, `import-duty` of a file
that is not UTF-8 text. And `dead-letters` lists what the bot could not read."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT

PAGE = 4096


def _unprivileged() -> Callable[[], None] | None:
    """root writes read-only files anyway: its child drops the capabilities that let it
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so file modes hold as for any other user."""
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2):
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def cli(tmp_path: Path, *args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "VK_"))}
    env.update(DATABASE_PATH=str(db or tmp_path / "db.sqlite3"),
               FAQ_PATH=str(tmp_path / "faq.yaml"), PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run([sys.executable, "-m", "bot", *args], text=True, capture_output=True,
                          cwd=tmp_path, env=env, timeout=120, stdin=subprocess.DEVNULL,
                          preexec_fn=_unprivileged())


def one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A migrated database of the bot, with a table of filler rows over many pages."""
    path = tmp_path / "db.sqlite3"
    assert cli(tmp_path, "dead-letters").returncode == 0
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, x TEXT)")
        conn.executemany("INSERT INTO filler (x) VALUES (?)", [("v" * 200,)] * 2000)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return path


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder
    folder.chmod(0o700)


def corrupt(path: Path, offset_in_page: int, length: int) -> None:
    """Overwrite bytes of the last page but one (a page of the filler table)."""
    data = bytearray(path.read_bytes())
    start = (len(data) // PAGE - 2) * PAGE + offset_in_page
    data[start:start + length] = b"\xff" * length
    path.write_bytes(bytes(data))


def test_read_only_database_file(tmp_path: Path, database: Path) -> None:
    database.chmod(0o400)
    one_line_error(cli(tmp_path, "outbox"), "только для чтения", str(database))


def test_database_in_a_read_only_folder(tmp_path: Path, database: Path,
                                        read_only_folder: Path) -> None:
    moved = read_only_folder / "db.sqlite3"
    database.rename(moved)
    read_only_folder.chmod(0o500)
    one_line_error(cli(tmp_path, "dead-letters", db=moved), "только для чтения", "-wal")
    one_line_error(cli(tmp_path, "dead-letters", db=read_only_folder / "new.sqlite3"),
                   "только для чтения")


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("это не база данных\n" * 100, encoding="utf-8")
    one_line_error(cli(tmp_path, "console", db=text), "не база данных SQLite", "DATABASE_PATH")
    assert text.read_text(encoding="utf-8").startswith("это не база")  # untouched


@pytest.mark.parametrize(("offset", "length", "detail"), [
    (2000, 50, "tree page"),  # cells overwritten: PRAGMA quick_check names the page
    (0, 8, "malformed"),  # a page header overwritten: SQLite refuses to read it
], ids=["quick_check-reports", "unreadable-page"])
def test_a_damaged_database_is_refused_at_open(tmp_path: Path, database: Path, offset: int,
                                               length: int, detail: str) -> None:
    corrupt(database, offset, length)
    damaged = database.read_bytes()
    one_line_error(cli(tmp_path, "outbox"), "повреждена", detail, "резервной копии")
    assert database.read_bytes() == damaged  # nothing was written to it


def test_backup_to_bad_paths(tmp_path: Path, database: Path, read_only_folder: Path) -> None:
    one_line_error(cli(tmp_path, "backup", str(tmp_path / "nope" / "b.sqlite3")),
                   "Папки", "нет")
    assert not (tmp_path / "nope").exists()  # no folder made up from a typo
    one_line_error(cli(tmp_path, "backup", str(tmp_path)), "это папка")
    one_line_error(cli(tmp_path, "backup", str(database)), "саму базу")
    read_only_folder.chmod(0o500)
    one_line_error(cli(tmp_path, "backup", str(read_only_folder / "b.sqlite3")),
                   "нет прав на запись")
    ok = cli(tmp_path, "backup", str(tmp_path / "b.sqlite3"))
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(("content", "expected"), [
    ("date,platform,user_id\n2026-12-01,telegram,Иванов\n".encode("cp1251"), "UTF-8 (строка 2)"),
    ("date,platform,user_id\n".encode("utf-16"), "UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "двоичные данные"),
], ids=["cp1251", "utf-16", "binary"])
def test_import_duty_of_a_file_that_is_not_utf8_text(tmp_path: Path, content: bytes,
                                                     expected: str) -> None:
    roster = tmp_path / "duty.csv"
    roster.write_bytes(content)
    one_line_error(cli(tmp_path, "import-duty", str(roster)), expected, "duty.csv")


def test_dead_letters_command_lists_and_prints_one(tmp_path: Path, database: Path) -> None:
    assert "нет" in cli(tmp_path, "dead-letters").stdout
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO dead_letters (platform, update_id, reason, raw, received_at) "
            "VALUES ('telegram', ?, 'not_an_update: message.chat: missing', ?, "
            "'2026-11-23T06:00:00+00:00')",
            [(str(n), f'{{"update_id": {n}}}') for n in (41, 42)])
    listed = cli(tmp_path, "dead-letters")
    assert listed.returncode == 0, listed.stderr
    assert "всего 2" in listed.stdout
    assert "2 · Telegram · 42 · 23.11.2026" in listed.stdout
    assert "message.chat: missing" in listed.stdout and '"update_id"' not in listed.stdout
    one = cli(tmp_path, "dead-letters", "1")
    assert one.returncode == 0 and one.stdout.strip() == '{"update_id": 41}'
    one_line_error(cli(tmp_path, "dead-letters", "99"), "99")
