"""Tables as CSV (bot/reports/csv_file.py) for Russian Excel, parsed back with the csv
module: UTF-8 with a BOM, `;` between fields, decimal commas, dates as Russians write
them, Cyrillic intact, several tables in one file as titled blocks."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from bot.reports.csv_file import csv_bytes, write_csv
from bot.reports.table import Column, ColumnKind, Table
from tests.reports.columns import COLUMNS

ROWS = [
    ("Котельничская ЦРБ; филиал \"Юг\"", 42, 0.125, 1.54, 4.333, date(2026, 12, 3),
     datetime(2026, 12, 3, 14, 5, tzinfo=timezone(timedelta(hours=3)))),
    ("=1+2", 0, 1.0, 0.0, None, date(2026, 1, 9), datetime(2026, 1, 9, 8, 0)),
]


def _parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_one_table_is_a_plain_table_for_russian_excel() -> None:
    rows = _parse(csv_bytes([Table("По учреждениям", COLUMNS, ROWS, note="Не меньше 20 обращений")]))
    assert rows[0] == ["Учреждение", "Обращений", "В срок", "Медиана, ч", "Оценка", "День", "Подано"]
    assert rows[1] == ["Котельничская ЦРБ; филиал \"Юг\"", "42", "12,5%", "1,5", "4,33",
                       "03.12.2026", "03.12.2026 14:05"]
    # a text Excel would run as a formula gets an apostrophe; an empty cell is empty
    assert rows[2] == ["'=1+2", "0", "100,0%", "0,0", "", "09.01.2026", "09.01.2026 08:00"]
    assert rows[3:] == [[], ["Не меньше 20 обращений"]]


def test_the_separator_is_a_semicolon_and_lines_end_for_excel() -> None:
    data = csv_bytes([Table("T", [Column("А"), Column("Б", ColumnKind.INT)], [("да", 1)])])
    assert data == "\ufeffА;Б\r\nда;1\r\n".encode()


def test_several_tables_are_titled_blocks_of_one_file(tmp_path) -> None:
    first = Table("Статусы", [Column("Статус"), Column("Обращений", ColumnKind.INT)],
                  [("новое", 3), ("закрыто", 5)])
    second = Table("Темы", [Column("Тема"), Column("Обращений", ColumnKind.INT)], [("Лекарства", 8)],
                   note="За период")
    path = tmp_path / "svodka.csv"
    write_csv([first, second], path)
    assert _parse(path.read_bytes()) == [
        ["Статусы"], ["Статус", "Обращений"], ["новое", "3"], ["закрыто", "5"], [],
        ["Темы"], ["Тема", "Обращений"], ["Лекарства", "8"], ["За период"], [],
    ]


def test_rows_from_an_iterator() -> None:
    rows = ((f"2026-{i:06d}",) for i in range(3))
    assert _parse(csv_bytes([Table("N", [Column("Номер")], rows)])) == [
        ["Номер"], ["2026-000000"], ["2026-000001"], ["2026-000002"]]
