"""Issue 12, item 13: a bad directory file never hides the directory.

A file error (undecodable, wrong header, empty, an unclosed quote, too many rows) changes
nothing even with `partial`; bad rows change nothing without it; hiding more than the
configured share of the institutions needs `allow_mass_deactivation`. Through the library
(bot.directory_import on a database holding the demo institutions) and the parser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.directory_holder import DirectoryHolder
from bot.directory_import import DirectoryImport, import_directory
from directory import (
    FileProblem,
    ImportOptions,
    Refusal,
    SourceEncoding,
    parse_csv,
    plan_import,
)
from storage.db import Database
from tests.conftest import DEMO_CSV, KOTELNICH

CLOCK = FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
DEMO_LINES = DEMO_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
HEADER, ROWS = DEMO_LINES[0], DEMO_LINES[1:]
DEMO_COUNT = len(ROWS)  # the demo file's institutions (61)

BAD_FILES: dict[str, bytes] = {
    "wrong header": ("id;name;short_name\n" + "".join(ROWS)).encode(),
    "header without name": ("id,title\n" + "".join(r.replace(",", ";") for r in ROWS)).encode(),
    "empty file": b"",
    "header only": HEADER.encode(),
    "unclosed quote": (HEADER + "".join(ROWS[:5]) + ROWS[5].replace(",", ',"', 1)
                       + "".join(ROWS[6:])).encode(),
    "not utf-8 nor windows-1251": (HEADER + "x,Hôpital Général Ørsted à Zürich\n").encode("latin-1"),
    "an excel workbook": b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)),
}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "db.sqlite3")
    first = await import_directory(database, DEMO_CSV, CLOCK)
    assert first.counts is not None and first.counts.added == DEMO_COUNT
    yield database
    await database.close()


def write(tmp_path: Path, data: bytes | str, name: str = "region.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


async def active_ids(db: Database) -> set[str]:
    async with db.unit() as repos:
        return {i.id for i in await repos.institutions.list(active_only=True)}


async def assert_demo_intact(db: Database) -> None:
    """All the demo institutions active, and the directory the bot builds still finds them."""
    assert len(await active_ids(db)) == DEMO_COUNT
    holder = DirectoryHolder()
    await holder.refresh(db)
    assert len(holder.current) == DEMO_COUNT
    assert holder.current.search("котельничская црб")[0].institution.id == KOTELNICH


@pytest.mark.parametrize("partial", [False, True], ids=["strict", "partial"])
@pytest.mark.parametrize("name", list(BAD_FILES))
async def test_a_broken_file_changes_nothing_even_with_partial(
        db: Database, tmp_path: Path, name: str, partial: bool) -> None:
    result = await import_directory(db, write(tmp_path, BAD_FILES[name]), CLOCK,
                                    ImportOptions(partial=partial))
    assert not result.imported and result.plan.refusal is Refusal.FILE_ERROR
    assert result.plan.report.file_errors and result.plan.institutions == []
    await assert_demo_intact(db)


async def test_windows_1251_file_is_read_and_changes_nothing_it_should_not(
        db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "".join(DEMO_LINES).encode("cp1251"))
    result = await import_directory(db, path, CLOCK)
    assert result.counts is not None and result.plan.report.encoding is SourceEncoding.CP1251
    assert (result.counts.unchanged, result.counts.updated, result.counts.deactivated) == (DEMO_COUNT, 0, 0)
    await assert_demo_intact(db)


async def test_bad_rows_change_nothing_without_partial(db: Database, tmp_path: Path) -> None:
    renamed = ROWS[0].replace("Котельничская ЦРБ", "Котельничская районная больница")
    bad = ROWS[1].replace("Europe/Kirov", "Europe/Kirof")
    path = write(tmp_path, HEADER + renamed + bad + "".join(ROWS[2:]))
    refused = await import_directory(db, path, CLOCK)
    assert not refused.imported and refused.plan.refusal is Refusal.ROW_ERRORS
    assert refused.plan.report.bad_rows == [3]
    await assert_demo_intact(db)
    async with db.unit() as repos:
        assert (await repos.institutions.get(KOTELNICH)).short_name == "Котельничская ЦРБ"


async def test_partial_imports_good_rows_and_keeps_the_bad_rows_institutions(
        db: Database, tmp_path: Path) -> None:
    renamed = ROWS[0].replace("Котельничская ЦРБ", "Котельничская районная больница")
    bad_id = ROWS[1].split(",", 1)[0]
    bad = ROWS[1].replace("Europe/Kirov", "Europe/Kirof")
    path = write(tmp_path, HEADER + renamed + bad + "".join(ROWS[2:]))
    result = await import_directory(db, path, CLOCK, ImportOptions(partial=True))
    assert result.counts is not None
    assert (result.counts.updated, result.counts.deactivated) == (1, 0)
    assert [i.id for i in result.plan.kept] == [bad_id]
    assert len(await active_ids(db)) == DEMO_COUNT  # the bad row's institution is not hidden
    async with db.unit() as repos:
        assert (await repos.institutions.get(KOTELNICH)).short_name == (
            "Котельничская районная больница")
        assert (await repos.institutions.get(bad_id)).timezone == "Europe/Kirov"


async def test_hiding_more_than_the_share_needs_the_flag(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "".join(ROWS[:-16]))  # 16 of 61 (26 %) would be hidden
    refused = await import_directory(db, path, CLOCK)
    assert not refused.imported and refused.plan.refusal is Refusal.MASS_DEACTIVATION
    assert len(refused.plan.diff.deactivated) == 16 and refused.plan.active_before == DEMO_COUNT
    await assert_demo_intact(db)
    looser = await import_directory(db, path, CLOCK, ImportOptions(mass_deactivate_share=0.3))
    assert looser.imported
    assert len(await active_ids(db)) == DEMO_COUNT - 16


async def test_mass_deactivation_allowed_with_the_flag(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "".join(ROWS[:10]))
    result = await import_directory(db, path, CLOCK, ImportOptions(allow_mass_deactivation=True))
    assert result.counts is not None and result.counts.deactivated == DEMO_COUNT - 10
    assert len(await active_ids(db)) == 10


async def test_a_few_hidden_institutions_need_no_flag(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "".join(ROWS[:-6]))  # 6 of 61 (10 %)
    result = await import_directory(db, path, CLOCK)
    assert result.counts is not None and result.counts.deactivated == 6


async def test_too_many_rows_is_a_file_error(db: Database, tmp_path: Path) -> None:
    result: DirectoryImport = await import_directory(db, DEMO_CSV, CLOCK,
                                                     ImportOptions(partial=True), max_rows=55)
    assert not result.imported
    [error] = result.plan.report.file_errors
    assert error.problem is FileProblem.TOO_MANY_ROWS and "больше 55 учреждений" in error.reason
    await assert_demo_intact(db)
    assert (await import_directory(db, DEMO_CSV, CLOCK, max_rows=DEMO_COUNT)).imported


def test_parser_stops_at_the_row_limit() -> None:
    text = "id,name\n" + "".join(f"x{i},Больница {i}\n" for i in range(1000))
    report = parse_csv(text, max_rows=100)
    assert report.institutions == [] and report.errors[0].row == 102
    assert len(parse_csv(text, max_rows=1000).institutions) == 1000


def test_unclosed_quote_names_the_row_and_the_lines_it_swallowed() -> None:
    report = parse_csv('id,name\na,Больница А\nb,"Больница Б\nc,Больница В\nd,Больница Г\n')
    [error] = report.errors
    assert error.problem is FileProblem.UNCLOSED_QUOTE and (error.row, error.column) == (3, "name")
    assert "кавычка не закрыта" in error.reason and "строки 3–5" in error.reason
    assert report.institutions == []


def test_unclosed_quote_closed_by_a_later_quote_is_caught_too() -> None:
    text = 'id,name\na,"Больница А\nb,Больница «Б»\nc,"Больница В",x\nd,Г\n'
    [error] = parse_csv(text).file_errors
    assert error.problem is FileProblem.UNCLOSED_QUOTE and error.row == 2


def test_semicolon_separated_file_gets_a_hint() -> None:
    [error] = parse_csv("id;name\na;Больница\n").errors
    assert error.problem is FileProblem.HEADER and "«;»" in error.reason


@pytest.mark.parametrize(("data", "encoding"), [
    ("id,name\na,Больница\n".encode(), SourceEncoding.UTF8),
    ("\ufeffid,name\na,Больница\n".encode(), SourceEncoding.UTF8_BOM),
    ("id,name\na,Больница\n".encode("utf-16"), SourceEncoding.UTF16),
    ("id,name\na,Больница\n".encode("cp1251"), SourceEncoding.CP1251),
])
def test_encodings_read(tmp_path: Path, data: bytes, encoding: SourceEncoding) -> None:
    report = parse_csv(write(tmp_path, data))
    assert report.errors == [] and report.encoding is encoding
    assert report.institutions[0].name == "Больница"


def test_mojibake_utf8_is_not_taken_for_windows_1251(tmp_path: Path) -> None:
    """A UTF-8 file with one broken byte: refused, not read as «РљРѕС‚РµР»...»."""
    data = "id,name\na,Котельничская больница\n".encode() + b"b,\xff\n"
    [error] = parse_csv(write(tmp_path, data)).errors
    assert error.problem is FileProblem.ENCODING and "UTF-8" in error.reason


def test_plan_without_stored_institutions_allows_anything() -> None:
    report = parse_csv("id,name\na,Больница\n")
    plan = plan_import(report, [])
    assert plan.allowed and plan.active_before == 0 and plan.deactivated_share == 0.0
