"""`python -m bot report --from DATE --to DATE --format xlsx|csv|png --output PATH` (the
contract for outside checks): each format written from the database, a progress bar for
a long appeal list, and wrong input refused in one Russian line with exit code 2."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot import texts
from bot.app import build_app
from bot.cli import main
from bot.cli import report as report_cli
from bot.clock import FixedClock
from bot.config import PROJECT_ROOT, Settings
from tests.conftest import DEMO_CSV, KOTELNICH, SLOBODSKOY

# Filed in November 2026 (the period of the tests), and one in October (outside it).
IN_NOVEMBER = ["2026-000001", "2026-000002", "2026-000003"]
IN_OCTOBER = "2026-000009"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The settings of `python -m bot` on a temporary database (in this process)."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("TELEGRAM", "VK_", "MAX_", "WEB_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("FAQ_PATH", str(tmp_path / "faq.yaml"))
    monkeypatch.setenv("DIRECTORY_CSV", str(DEMO_CSV))
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/Kirov")
    return tmp_path


async def _seed(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                        faq_path=tmp_path / "faq.yaml", directory_csv=DEMO_CSV,
                        default_timezone="Europe/Kirov")
    app = await build_app(settings, FixedClock(datetime(2026, 12, 1, 6, 0, tzinfo=UTC)))
    try:
        async with app.db.unit() as repos:
            now = app.clock.now()
            person = await repos.people.ensure_user("telegram", "9001", "9001", "Гражданин", now)

            def row(number: str, inst: str, created: datetime) -> dict[str, object]:
                return {"number": number, "citizen_id": person.id, "platform": "telegram",
                        "chat_id": "9001", "institution_id": inst, "category": "medicines",
                        "text": "текст", "status": "closed", "created_at": created,
                        "updated_at": created, "first_response_due": created + timedelta(days=1),
                        "due_at": created + timedelta(days=30), "next_reminder_at": None,
                        "reminder_stage": 0}

            await repos.appeals.bulk_insert([
                row(IN_NOVEMBER[0], KOTELNICH, datetime(2026, 11, 2, 7, 0, tzinfo=UTC)),
                row(IN_NOVEMBER[1], SLOBODSKOY, datetime(2026, 11, 15, 7, 0, tzinfo=UTC)),
                # 30 November 23:30 in Kirov: the period's last day, though 20:30 UTC
                row(IN_NOVEMBER[2], KOTELNICH, datetime(2026, 11, 30, 20, 30, tzinfo=UTC)),
                row(IN_OCTOBER, KOTELNICH, datetime(2026, 10, 31, 20, 30, tzinfo=UTC)),
            ])
    finally:
        await app.close()


def _report(*args: str) -> int:
    return main(["report", "--from", "2026-11-01", "--to", "2026-11-30", *args])


def _numbers(values: list[object]) -> list[str]:
    return [str(v) for v in values if isinstance(v, str) and v.startswith("2026-")]


def test_xlsx_holds_the_dashboard_and_the_periods_appeals(env: Path, capsys) -> None:
    asyncio.run(_seed(env))
    out = env / "otchet.xlsx"
    assert _report("--format", "xlsx", "--output", str(out)) == 0, capsys.readouterr().err
    book = openpyxl.load_workbook(out)
    assert len(book.sheetnames) >= 2 and book.sheetnames[-1] == texts.EXPORT_APPEALS_TITLE
    listing = book[texts.EXPORT_APPEALS_TITLE]
    numbers = _numbers([row[0] for row in listing.iter_rows(min_row=2, values_only=True)])
    assert sorted(numbers) == IN_NOVEMBER
    assert str(out) in capsys.readouterr().out
    assert [p.name for p in env.iterdir() if p.name.endswith(".part")] == []


def test_csv_parses_with_every_table(env: Path) -> None:
    asyncio.run(_seed(env))
    out = env / "otchet.csv"
    assert _report("--format", "csv", "--output", str(out)) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    titles = [lines[i + 1][0] for i, line in enumerate(lines[:-1]) if line == []]
    assert lines[0] != [] and texts.EXPORT_APPEALS_TITLE in titles  # several titled blocks
    assert sorted(_numbers([line[0] for line in lines if line])) == IN_NOVEMBER


def test_png_is_the_weekly_chart(env: Path) -> None:
    asyncio.run(_seed(env))
    out = env / "nedelya.png"
    assert _report("--format", "png", "--output", str(out)) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_progress_bar_on_a_terminal(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_seed(env))

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(report_cli, "PROGRESS_MIN", 1)
    for stream, shows in ((Terminal(), True), (io.StringIO(), False)):  # a pipe, a log: no bar
        with monkeypatch.context() as patched:
            patched.setattr(sys, "stderr", stream)
            assert _report("--format", "csv", "--output", str(env / "r.csv")) == 0
        shown = stream.getvalue()
        assert (f"{texts.REPORT_PROGRESS}:" in shown and "0/3" in shown) == shows, shown
        assert shows or shown == ""


@pytest.mark.parametrize(("args", "expected"), [
    (["--from", "01.11.2026", "--to", "2026-11-30"],
     texts.REPORT_BAD_DATE.format(option="--from", value="01.11.2026")),
    (["--from", "2026-11-01", "--to", "2026-11-31"],
     texts.REPORT_BAD_DATE.format(option="--to", value="2026-11-31")),
    (["--from", "2026-11-30", "--to", "2026-11-01"],
     texts.REPORT_TO_BEFORE_FROM.format(first="2026-11-30", last="2026-11-01")),
])
def test_bad_period_is_one_russian_line(env: Path, capsys, args: list[str], expected: str) -> None:
    code = main(["report", *args, "--format", "xlsx", "--output", str(env / "r.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and err == expected + "\n"
    assert not (env / "r.xlsx").exists() and not (env / "db.sqlite3").exists()  # refused first


def test_output_that_cannot_be_written(env: Path, capsys) -> None:
    folder = env / "reports"
    folder.mkdir()
    assert _report("--format", "xlsx", "--output", str(folder)) == 2
    assert capsys.readouterr().err == texts.REPORT_OUTPUT_IS_DIR.format(path=folder, ext="xlsx") + "\n"
    missing = env / "nowhere" / "r.csv"
    assert _report("--format", "csv", "--output", str(missing)) == 2
    assert capsys.readouterr().err == texts.REPORT_OUTPUT_NO_DIR.format(path=missing.parent) + "\n"
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_python_m_bot_report_as_outside_checks_run_it(tmp_path: Path) -> None:
    asyncio.run(_seed(tmp_path))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM", "VK_", "MAX_", "WEB_"))}
    env.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), FAQ_PATH=str(tmp_path / "faq.yaml"),
               DIRECTORY_CSV=str(DEMO_CSV), PYTHONPATH=str(PROJECT_ROOT))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "report", *args], capture_output=True,
                              text=True, cwd=tmp_path, env=env, timeout=120)

    done = run("--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx",
               "--output", "otchet.xlsx")
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(tmp_path / "otchet.xlsx").sheetnames
    refused = run("--from", "2026-11-01", "--to", "2026-10-01", "--format", "csv", "--output", "r.csv")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == texts.REPORT_TO_BEFORE_FROM.format(
        first="2026-11-01", last="2026-10-01")
