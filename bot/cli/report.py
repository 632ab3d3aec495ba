"""`report --from DATE --to DATE --format xlsx|csv|png --output PATH`: the dashboard of a
period from the command line (a contract for outside checks: keep it as it is).

- xlsx: the dashboard's tables, a sheet each, and the period's appeal list (every appeal
  filed from --from to --to, both days whole, in the policy's time zone);
- csv: the same tables in one CSV file (bot/reports/csv_file.py);
- png: the weekly chart.

Everything is read in one snapshot through the read-only reader; the file is written next
to PATH and moved into place, so a failed run leaves no half-written report. Wrong dates,
--to before --from, a PATH that cannot be written: one Russian line on stderr, exit 2.
A long appeal list shows a progress bar on stderr when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import texts
from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings

PROGRESS_MIN = 2000  # appeals: a shorter list is written before a bar would be read


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    PNG = "png"


class BadInput(ValueError):
    """What is wrong with the command line (a line of bot/texts)."""


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("report", help="write the dashboard of a period: xlsx, csv or png")
    p.add_argument("--from", dest="first", required=True, metavar="DATE",
                   help="the period's first day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="DATE",
                   help="the period's last day (included), YYYY-MM-DD")
    p.add_argument("--format", dest="format", required=True,
                   choices=[str(f) for f in ReportFormat])
    p.add_argument("--output", required=True, metavar="PATH", help="the file to write")
    p.set_defaults(func=report)


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(texts.REPORT_BAD_DATE.format(option=option, value=value)) from None


def check_output(path: Path, fmt: ReportFormat) -> None:
    """Before any work: PATH is a file that can be written (what can be known beforehand)."""
    if path.is_dir():
        raise BadInput(texts.REPORT_OUTPUT_IS_DIR.format(path=path, ext=fmt))
    folder = path.parent
    if not folder.is_dir():
        raise BadInput(texts.REPORT_OUTPUT_NO_DIR.format(path=folder))
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput(texts.REPORT_CANNOT_WRITE.format(path=path, reason=texts.REPORT_NO_RIGHTS))


def parse_period(first: str, last: str) -> tuple[date, date]:
    start, end = _day("--from", first), _day("--to", last)
    if end < start:
        raise BadInput(texts.REPORT_TO_BEFORE_FROM.format(first=start, last=end))
    return start, end


def write_atomically(path: Path, data: bytes) -> None:
    """The file appears whole or not at all (a temporary file beside it, then renamed)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def build_report(settings: Settings, first: date, last: date, fmt: ReportFormat) -> bytes:
    """The report's file, read from the database of `settings`."""
    from tqdm import tqdm

    from bot.app import build_app
    from bot.reports.appeal_list import appeal_list, period_query
    from bot.reports.csv_file import csv_bytes
    from bot.reports.dashboard import build_dashboard
    from bot.reports.xlsx import xlsx_bytes

    async with opened(build_app(settings)) as app:
        tz = ZoneInfo(app.appeals.default_timezone)
        now = app.clock.now()
        async with app.db.read() as reader:
            dashboard = await build_dashboard(reader, scope=None, first=first, last=last,
                                              now=now, tz=tz)
            if fmt == ReportFormat.PNG:
                from bot.reports.charts import weekly_png

                return await asyncio.to_thread(weekly_png, dashboard)
            q = period_query(first, last, now, tz)
            total = await reader.web.queue_count(q, 1 << 62)
            shown = total >= PROGRESS_MIN and sys.stderr.isatty()
            with tqdm(total=total, desc=texts.REPORT_PROGRESS, unit="", file=sys.stderr,
                      disable=not shown, leave=False) as bar:
                listing = await appeal_list(reader, q, app.deadlines, tz=tz,
                                            progress=bar.update)
    tables = [*dashboard.tables(), listing]
    write = xlsx_bytes if fmt == ReportFormat.XLSX else csv_bytes
    return await asyncio.to_thread(write, tables)


async def report(settings: Settings, args: argparse.Namespace) -> int:
    fmt = ReportFormat(args.format)
    path = Path(args.output).expanduser()
    try:
        first, last = parse_period(args.first, args.last)
        check_output(path, fmt)
    except BadInput as exc:
        return fail(str(exc))
    data = await build_report(settings, first, last, fmt)
    try:
        await asyncio.to_thread(write_atomically, path, data)
    except OSError as exc:
        return fail(texts.REPORT_CANNOT_WRITE.format(path=path, reason=exc.strerror or exc))
    print(texts.REPORT_WRITTEN.format(first=first, last=last, path=path))
    return 0
