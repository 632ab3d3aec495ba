"""The one value every export writes: a titled table of typed columns.

The dashboard's tables and the filtered appeal list are Tables; bot/reports/xlsx.py and
bot/reports/csv_file.py write any Table, so the web console, `python -m bot report` and
the weekly report give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

Cell = str | int | float | date | datetime | None


class ColumnKind(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"  # a number with decimals (a mean rating)
    PERCENT = "percent"  # a share 0..1, shown as a percentage
    HOURS = "hours"  # a duration in hours (float)
    DATE = "date"
    DATETIME = "datetime"  # shown in the policy's time zone, naive in the file


@dataclass(frozen=True, slots=True)
class Column:
    title: str  # the header cell, Russian (from bot/texts)
    kind: ColumnKind = ColumnKind.TEXT
    width: int | None = None  # characters; None: from the values


@dataclass(slots=True)
class Table:
    """A sheet of a workbook, a CSV file: `title` names the sheet (at most 31 characters
    in XLSX), `rows` hold one Cell per column."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]] = field(default_factory=list)
    note: str = ""  # a line under the table (e.g. "ranked only with at least 20 appeals")
