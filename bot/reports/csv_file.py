"""Tables (bot/reports/table.py) as one CSV file, the way Excel in a Russian locale opens
it with a double click:

- UTF-8 with a BOM (without it Excel reads the file as cp1251 and the Cyrillic is lost);
- `;` between the fields: Russian Excel's list separator (the comma is its decimal mark);
- numbers with a decimal comma («4,33», «1,5»), percentages as «12,5%», dates as
  «03.12.2026» and times as «03.12.2026 14:05»: what Russian Excel reads back as numbers
  and dates; a DATETIME is written with its wall time (a Table's datetimes are already
  in the zone to show);
- a text that Excel would take for a formula (it starts with = + - @) gets a leading
  apostrophe, as Excel itself shows such text (a citizen's words never run as a formula).

One file holds every table, so the web console gives one download and
`python -m bot report --format csv` one file, like the XLSX:
- a single table is just its header and rows (any program reads it as a plain table);
- several tables follow one another, each as a block: a line with its title alone, its
  header, its rows, then an empty line.
A table's note is a line of its own after its rows (after an empty line for a single table).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from bot.reports.table import Cell, ColumnKind, Table

DELIMITER = ";"
ENCODING = "utf-8-sig"  # UTF-8, the BOM first
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Writer(Protocol):
    def writerow(self, row: Iterable[str], /) -> object: ...


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _text(value: Cell) -> str:
    shown = str(value)
    return "'" + shown if shown.startswith(_FORMULA_START) else shown


def field(value: Cell, kind: ColumnKind) -> str:
    """A cell as the CSV shows it (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y}" if kind == ColumnKind.DATE else f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, bool) or (isinstance(value, int) and kind in (
            ColumnKind.INT, ColumnKind.TEXT)):
        return str(int(value))
    formats: dict[ColumnKind, Callable[[float], str]] = {
        ColumnKind.PERCENT: lambda v: _number(v * 100, 1) + "%",
        ColumnKind.HOURS: lambda v: _number(v, 1),
        ColumnKind.FLOAT: lambda v: _number(v, 2),
    }
    show = formats.get(kind)
    return show(value) if show is not None else _number(value, 2).rstrip("0").rstrip(",")


def _write_table(out: _Writer, table: Table, *, titled: bool) -> None:
    kinds = [column.kind for column in table.columns]
    if titled:
        out.writerow([_text(table.title)])
    out.writerow([_text(column.title) for column in table.columns])
    rows: Iterable[Sequence[Cell]] = table.rows
    for row in rows:
        out.writerow([field(value, kind) for value, kind in zip(row, kinds, strict=True)])
    if table.note:
        if not titled:
            out.writerow([])
        out.writerow([_text(table.note)])
    if titled:
        out.writerow([])


def csv_text(tables: Sequence[Table]) -> str:
    """The file's text (without the BOM: the encoding adds it)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    for table in tables:
        _write_table(out, table, titled=len(tables) > 1)
    return buffer.getvalue()


def csv_bytes(tables: Sequence[Table]) -> bytes:
    return csv_text(tables).encode(ENCODING)


def write_csv(tables: Sequence[Table], path: Path) -> None:
    path.write_bytes(csv_bytes(tables))
