"""Tables (bot/reports/table.py) as an Excel workbook: a sheet per table.

- The sheet is named by the table's title, cut to Excel's 31 characters, without the
  characters Excel refuses in a sheet name, and unique in the workbook («Обращения (2)»).
- Row 1 is the header, bold and frozen (it stays on screen while scrolling), with a filter.
- Cells are typed by the column's kind: ints and floats are numbers, a PERCENT is the
  share 0..1 as a number shown «12.5%», HOURS a number «1.5», DATE and DATETIME are real
  Excel dates (sortable, filterable) shown «03.12.2026» and «03.12.2026 14:05»; a
  Table's datetimes are already in the time zone they are to be shown in (an aware one is
  written with its wall time: Excel has no time zones). TEXT is always text, never a
  formula, whatever it starts with.
- Column widths come from the values (the header's included), capped at MAX_WIDTH; a
  Column's own width wins.
- The table's note goes two rows under it, in italics.

The workbook is written in openpyxl's write-only mode: rows stream into the file, so a
100,000-row appeal list takes seconds and little memory. That mode needs the widths before
the first row, so a table whose rows are a one-shot iterator is read into a list first.
A sheet holds at most Excel's 1,048,576 rows: past that the rows are cut and the note says
so.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.worksheet import Worksheet

from bot import texts
from bot.reports.table import Cell, Column, ColumnKind, Table

SHEET_TITLE_MAX = 31
MAX_WIDTH = 60  # characters: a long text column stays readable, the rest on screen
MIN_WIDTH = 6
EXCEL_MAX_ROWS = 1_048_576
_ROOM = 3  # the header, the empty row and the note
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

NUMBER_FORMATS: dict[ColumnKind, str] = {
    ColumnKind.INT: "0",
    ColumnKind.FLOAT: "0.00",
    ColumnKind.PERCENT: "0.0%",
    ColumnKind.HOURS: "0.0",
    ColumnKind.DATE: "DD.MM.YYYY",
    ColumnKind.DATETIME: "DD.MM.YYYY HH:MM",
}
# How wide the formatted kinds show (characters); TEXT and INT are measured.
SHOWN_WIDTH: dict[ColumnKind, int] = {
    ColumnKind.FLOAT: 8,
    ColumnKind.PERCENT: 7,
    ColumnKind.HOURS: 8,
    ColumnKind.DATE: 10,
    ColumnKind.DATETIME: 16,
}


def sheet_titles(titles: Sequence[str]) -> list[str]:
    """Excel's sheet names of these titles: allowed characters, 31 at most, unique
    (Excel compares them ignoring case)."""
    taken: set[str] = set()
    out: list[str] = []
    for title in titles:
        base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'") or "Лист"
        name, n = base[:SHEET_TITLE_MAX], 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[:SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def clean_text(value: object) -> str:
    """A cell's text without the control characters an XLSX file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _shown(value: Cell) -> int:
    return max((len(line) for line in str(value).splitlines()), default=0)


def column_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[int]:
    widths = []
    for i, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        widest = SHOWN_WIDTH.get(column.kind, 0)
        if column.kind in (ColumnKind.TEXT, ColumnKind.INT):
            widest = max((_shown(row[i]) for row in rows if row[i] is not None), default=0)
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, widest, _shown(column.title)) + 2))
    return widths


def _local(value: datetime) -> datetime:
    return value.replace(tzinfo=None)  # already in the zone to show (see the docstring)


def _writer(sheet: WriteOnlyWorksheet, kind: ColumnKind) -> Callable[[Cell], SheetCell]:
    """How a column's values become cells: one styled cell per column, refilled row after
    row (write-only mode writes each row out before the next is made)."""
    typed = WriteOnlyCell(sheet)
    if kind in NUMBER_FORMATS:
        typed.number_format = NUMBER_FORMATS[kind]
    text = WriteOnlyCell(sheet)

    def as_text(value: Cell) -> SheetCell:
        text.value = clean_text(value)
        text.data_type = "s"  # never a formula, whatever it starts with
        return text

    def cell(value: Cell) -> SheetCell:
        if kind == ColumnKind.TEXT or isinstance(value, str):
            return as_text(value)
        if kind in (ColumnKind.DATE, ColumnKind.DATETIME):
            if isinstance(value, datetime):
                typed.value = value.date() if kind == ColumnKind.DATE else _local(value)
            elif isinstance(value, date):
                typed.value = value
            else:
                return as_text(value)  # a number where a date belongs
        elif isinstance(value, date):
            return as_text(value)  # a date where a number belongs
        else:
            typed.value = value
        return typed

    return cell


def _write_sheet(book: Workbook, title: str, table: Table) -> None:
    sheet = book.create_sheet(title)
    assert isinstance(sheet, WriteOnlyWorksheet)
    rows = table.rows if isinstance(table.rows, Sequence) else list(table.rows)
    note = table.note
    if len(rows) > EXCEL_MAX_ROWS - _ROOM:
        rows = rows[:EXCEL_MAX_ROWS - _ROOM]
        note = " ".join(filter(None, (note, texts.EXPORT_SHEET_FULL.format(rows=len(rows)))))
    columns = list(table.columns)
    # Column widths and the filter: write-only sheets have them as ordinary ones do (the
    # type stubs name them on Worksheet alone); set before the first row.
    layout = cast(Worksheet, sheet)
    for i, width in enumerate(column_widths(columns, rows), 1):
        layout.column_dimensions[get_column_letter(i)].width = width
    layout.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(max(len(columns), 1))}{len(rows) + 1}")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=clean_text(column.title))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    writers = [_writer(sheet, column.kind) for column in columns]
    for row in rows:
        sheet.append([None if value is None else write(value)
                      for write, value in zip(writers, row, strict=True)])
    if note:
        sheet.append([])
        cell = WriteOnlyCell(sheet, value=clean_text(note))
        cell.data_type = "s"
        cell.font = Font(italic=True)
        sheet.append([cell])


def write_xlsx(tables: Sequence[Table], target: Path | BinaryIO) -> None:
    """The workbook of these tables (at least one sheet: Excel opens no empty workbook)."""
    book = Workbook(write_only=True)
    shown = list(tables) or [Table(texts.EXPORT_APPEALS_TITLE, [])]
    for title, table in zip(sheet_titles([t.title for t in shown]), shown, strict=True):
        _write_sheet(book, title, table)
    book.save(target)


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    out = io.BytesIO()
    write_xlsx(tables, out)
    return out.getvalue()
