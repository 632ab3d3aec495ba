"""Tables as XLSX (bot/reports/xlsx.py), read back with openpyxl: a sheet per table with
Excel's name rules, a bold frozen header, typed cells, widths from the values, the note."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from bot.reports.table import Column, ColumnKind, Table
from bot.reports.xlsx import sheet_titles, write_xlsx, xlsx_bytes
from tests.reports.columns import COLUMNS

KIROV = timezone(timedelta(hours=3))
ROWS = [
    ("Котельничская ЦРБ", 42, 0.125, 1.5, 4.25, date(2026, 12, 3),
     datetime(2026, 12, 3, 14, 5, tzinfo=KIROV)),
    ("=HYPERLINK(\"http://x\")", 7, 1.0, 0.0, None, date(2026, 12, 4), datetime(2026, 12, 4, 8, 0)),
]


def _book(tables: list[Table]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(tables)))


def _sheet(book: openpyxl.Workbook, index: int = 0) -> Worksheet:
    sheet = book.worksheets[index]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_cells_are_typed_by_their_columns() -> None:
    sheet = _sheet(_book([Table("По учреждениям", COLUMNS, ROWS, note="Не меньше 20 обращений")]))
    assert [c.value for c in sheet[1]] == [c.title for c in COLUMNS]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    name, count, share, hours, rating, day, filed = sheet[2]
    assert name.value == "Котельничская ЦРБ" and name.data_type == "s"
    assert type(count.value) is int and count.value == 42
    assert share.value == 0.125 and "%" in share.number_format
    assert hours.value == 1.5 and hours.number_format == "0.0"
    assert rating.value == 4.25 and rating.data_type == "n"
    # dates are Excel dates (openpyxl reads them back as datetimes), with a date format
    assert day.value == datetime(2026, 12, 3) and day.is_date and "YY" in day.number_format
    # an aware time keeps its wall time (Excel has no zones)
    assert filed.value == datetime(2026, 12, 3, 14, 5) and filed.is_date
    assert "hh" in filed.number_format.lower() and "dd" in filed.number_format.lower()
    # a text that looks like a formula stays text; an empty cell is empty
    assert sheet["A3"].value == "=HYPERLINK(\"http://x\")" and sheet["A3"].data_type == "s"
    assert sheet["E3"].value is None
    # the note: under the table after an empty row
    assert sheet["A4"].value is None and sheet["A5"].value == "Не меньше 20 обращений"
    assert sheet.max_row == 5


def test_widths_come_from_the_values() -> None:
    long_name = "Кировская областная клиническая больница № 1 имени Кого-то Очень Длинного"
    rows = [("ЦРБ", 5, "короткий"), (long_name, 123456789, "средней длины текст")]
    table = Table("Ширины", [Column("Учреждение"), Column("N", ColumnKind.INT),
                             Column("Комментарий", width=30)], rows)
    widths = _sheet(_book([table])).column_dimensions
    assert len(long_name) > 60
    assert widths["A"].width == 60  # capped
    assert widths["B"].width == 9 + 2  # the longest number's digits, and a margin
    assert widths["C"].width == 30  # the column's own width wins


def test_header_sets_the_width_of_a_short_column() -> None:
    table = Table("Ш", [Column("Среднее время ответа, ч", ColumnKind.HOURS)], [(1.0,)])
    assert _sheet(_book([table])).column_dimensions["A"].width == len("Среднее время ответа, ч") + 2


def test_a_sheet_per_table_named_as_excel_allows() -> None:
    long = "Обращения по учреждениям за период с 1 по 30 ноября"
    tables = [Table(long, COLUMNS, ROWS), Table(long, COLUMNS, []), Table("Итоги: 1/2 [ч]", COLUMNS, [])]
    book = _book(tables)
    assert book.sheetnames == [long[:31], long[:27].rstrip() + " (2)", "Итоги  1 2  ч"]
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert _sheet(book, 1).max_row == 1  # an empty table: its header alone


def test_sheet_titles_are_unique_ignoring_case() -> None:
    assert sheet_titles(["Итоги", "ИТОГИ", "итоги"]) == ["Итоги", "ИТОГИ (2)", "итоги (3)"]


def test_rows_from_an_iterator_all_written(tmp_path) -> None:
    n = 3000
    rows = ((f"2026-{i:06d}", i) for i in range(n))  # one pass only
    path = tmp_path / "big.xlsx"
    write_xlsx([Table("Много", [Column("Номер"), Column("N", ColumnKind.INT)], rows)], path)
    sheet = _sheet(openpyxl.load_workbook(path, read_only=False))
    assert sheet.max_row == n + 1
    assert sheet.cell(n + 1, 1).value == f"2026-{n - 1:06d}" and sheet.cell(n + 1, 2).value == n - 1
    assert sheet.column_dimensions["A"].width == 11 + 2


def test_no_tables_still_a_workbook_excel_opens() -> None:
    assert len(_book([]).sheetnames) == 1


def test_utc_time_is_written_as_given() -> None:
    table = Table("T", [Column("t", ColumnKind.DATETIME)], [(datetime(2026, 1, 2, 3, 4, tzinfo=UTC),)])
    assert _sheet(_book([table]))["A2"].value == datetime(2026, 1, 2, 3, 4)
