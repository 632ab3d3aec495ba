"""Issue 12, items 13-14 through the command line: `import-directory` of a bad file leaves
the directory as it was (exit 1, one clear reason), `--partial` and
`--allow-mass-deactivate` do what they say, and the size limits come from the settings."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import PROJECT_ROOT
from bot.directory_import import import_directory
from bot.texts import imports
from directory import Directory
from storage.db import Database
from tests.conftest import DEMO_CSV, KOTELNICH
from tests.faq_helpers import SEED
from tests.texts_helpers import fields, filled

DEMO_LINES = DEMO_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
HEADER, ROWS = DEMO_LINES[0], DEMO_LINES[1:]
DEMO_COUNT = len(ROWS)  # the demo file's institutions


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "VK_"))}
    environment.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"),
                       FAQ_PATH=str(tmp_path / "faq.yaml"), PYTHONPATH=str(PROJECT_ROOT), **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], text=True, capture_output=True,
                          cwd=tmp_path, env=environment, timeout=120)


def stored(tmp_path: Path, *, seed: bool = False) -> Directory:
    """The directory the bot would build from the database (seeded with the demo first)."""
    async def read() -> Directory:
        db = await Database.open(tmp_path / "db.sqlite3")
        try:
            if seed:
                clock = FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
                assert (await import_directory(db, DEMO_CSV, clock)).imported
            async with db.unit() as repos:
                return Directory.from_institutions(await repos.institutions.list())
        finally:
            await db.close()

    return asyncio.run(read())


def assert_demo_intact(tmp_path: Path) -> None:
    directory = stored(tmp_path)
    assert len(directory) == DEMO_COUNT
    assert directory.search("котельничская црб")[0].institution.id == KOTELNICH


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    assert len(stored(tmp_path, seed=True)) == DEMO_COUNT
    return tmp_path


def write(folder: Path, data: bytes | str) -> Path:
    path = folder / "region.csv"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "файл пуст"),
    (("id;name\n" + "".join(ROWS)).encode(), "неверный заголовок"),
    ((HEADER + ROWS[0] + ROWS[1].replace(",", ',"', 1) + "".join(ROWS[2:])).encode(),
     "кавычка не закрыта"),
    ((HEADER + "x,Hôpital Général Ørsted à Zürich\n").encode("latin-1"), "Windows-1251"),
], ids=["empty", "wrong header", "unclosed quote", "undecodable"])
def test_a_broken_file_leaves_the_directory_as_it_was(demo_db: Path, data: bytes,
                                                      reason: str) -> None:
    path = write(demo_db, data)
    for flags in ((), ("--partial",)):
        result = run_bot(demo_db, "import-directory", *flags, str(path))
        assert result.returncode == 1, result.stderr
        assert reason in result.stdout and filled(imports.DIRECTORY_REFUSED_FILE, result.stdout)
        assert "Traceback" not in result.stderr
    assert_demo_intact(demo_db)


def test_a_windows_1251_file_is_imported_and_says_so(demo_db: Path) -> None:
    result = run_bot(demo_db, "import-directory", str(write(demo_db, "".join(DEMO_LINES)
                                                              .encode("cp1251"))))
    assert result.returncode == 0, result.stdout + result.stderr
    assert imports.DIRECTORY_ENCODING.format(encoding="Windows-1251") in result.stdout
    assert fields(imports.DIRECTORY_IMPORTED, result.stdout)["unchanged"] == str(DEMO_COUNT)
    assert_demo_intact(demo_db)


def test_partial_imports_the_good_rows(demo_db: Path) -> None:
    bad = ROWS[1].replace("Europe/Kirov", "Europe/Kirof")
    path = write(demo_db, HEADER + ROWS[0] + bad + "".join(ROWS[2:])
                 + "kir-new,КОГБУЗ «Новая больница»\n")
    refused = run_bot(demo_db, "import-directory", str(path))
    assert refused.returncode == 1 and "--partial" in refused.stdout
    assert "kir-new" not in stored(demo_db)
    result = run_bot(demo_db, "import-directory", "--partial", str(path))
    assert result.returncode == 1  # rows were skipped: said, and the exit code tells it
    assert "строка 3, колонка timezone" in result.stdout  # the directory library's words
    assert fields(imports.DIRECTORY_IMPORTED, result.stdout)["added"] == "1"
    assert imports.DIRECTORY_KEPT.format(count=1) in result.stdout
    directory = stored(demo_db)
    assert len(directory) == DEMO_COUNT + 1 and "kir-new" in directory


def test_mass_deactivation_needs_the_flag(demo_db: Path) -> None:
    path = write(demo_db, HEADER + "".join(ROWS[:20]))
    refused = run_bot(demo_db, "import-directory", str(path))
    assert refused.returncode == 1
    mass = fields(imports.DIRECTORY_REFUSED_MASS, refused.stdout)  # ends "--allow-mass-deactivate."
    assert (mass["deactivated"], mass["active"]) == (str(DEMO_COUNT - 20), str(DEMO_COUNT))
    assert_demo_intact(demo_db)
    allowed = run_bot(demo_db, "import-directory", "--allow-mass-deactivate", str(path))
    assert allowed.returncode == 0, allowed.stdout
    assert fields(imports.DIRECTORY_IMPORTED, allowed.stdout)["deactivated"] == str(DEMO_COUNT - 20)
    assert len(stored(demo_db)) == 20


def test_the_share_is_a_setting(demo_db: Path) -> None:
    path = write(demo_db, HEADER + "".join(ROWS[:20]))
    result = run_bot(demo_db, "import-directory", str(path), DIRECTORY_MASS_DEACTIVATE_SHARE="0.7")
    assert result.returncode == 0, result.stdout
    assert len(stored(demo_db)) == 20


def test_row_limit_is_a_setting(demo_db: Path) -> None:
    result = run_bot(demo_db, "import-directory", str(DEMO_CSV), DIRECTORY_MAX_ROWS="50")
    assert result.returncode == 1
    assert "больше 50 учреждений" in result.stdout  # the directory library's words
    assert imports.DIRECTORY_ROWS_LIMIT.format(limit=50) in result.stdout
    assert_demo_intact(demo_db)


def test_faq_limits_are_settings(tmp_path: Path) -> None:
    checked = run_bot(tmp_path, "faq", "check", str(SEED), FAQ_MAX_ENTRIES="10")
    assert checked.returncode == 1
    assert "больше предела 10" in checked.stdout  # the faq library's words
    assert fields(imports.FAQ_LIMITS, checked.stdout)["entries"] == "10"
    long_answer = run_bot(tmp_path, "import-faq", str(SEED), FAQ_MAX_ANSWER_CHARS="100")
    assert long_answer.returncode == 1 and "ответ длиннее предела" in long_answer.stdout
    assert not (tmp_path / "faq.yaml").exists()
    assert run_bot(tmp_path, "faq", "check", str(SEED)).returncode == 0  # the defaults hold it
