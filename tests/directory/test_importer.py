"""The directory CSV importer: good rows import, bad rows are listed in Russian."""

from __future__ import annotations

import io

import pytest

from directory import (
    Directory,
    DirectoryImportError,
    ImportReport,
    Institution,
    RowError,
    parse_csv,
    plan_import,
)
from tests.paths import ROOT

DEMO = ROOT / "directory" / "data" / "kirov_demo.csv"
HEADER = "id,name,short_name,aliases,kind,region,city,district,address,phone,website,vk,telegram,ok,timezone\n"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return header + "".join(r + "\n" for r in rows)


def test_demo_file_imports_cleanly():
    report = parse_csv(DEMO)
    assert report.errors == []
    assert len(report.institutions) == 61
    first = report.institutions[0]
    assert first.id == "kir-crb-kotelnich"
    assert first.timezone == "Europe/Kirov"
    assert first.active


def test_accepts_path_str_stream_and_text():
    assert len(parse_csv(str(DEMO)).institutions) == 61
    with DEMO.open(encoding="utf-8") as f:
        assert len(parse_csv(f).institutions) == 61
    assert len(parse_csv(DEMO.read_text(encoding="utf-8")).institutions) == 61


def test_only_id_and_name_are_required():
    report = parse_csv("id,name\nx1,ГБУЗ «Больница»\n")
    assert report.errors == []
    assert report.institutions == [Institution(id="x1", name="ГБУЗ «Больница»")]


def test_aliases_are_split_on_semicolons():
    report = parse_csv("id,name,aliases\nx1,Больница,Первая; Горбольница ;;Первая\n")
    assert report.institutions[0].aliases == ("Первая", "Горбольница")


def test_bad_timezone_is_reported_with_row_column_and_value():
    report = parse_csv(csv_text(
        "a,Больница А,,,,,,,,,,,,,Europe/Kirov",
        "b,Больница Б,,,,,,,,,,,,,Europe/Kirof",
    ))
    assert [i.id for i in report.institutions] == ["a"]
    assert report.errors == [RowError(3, "timezone", "неизвестный часовой пояс «Europe/Kirof»")]
    assert str(report.errors[0]) == (
        "строка 3, колонка timezone: неизвестный часовой пояс «Europe/Kirof»")


def test_missing_and_duplicate_id_and_empty_name():
    report = parse_csv(csv_text(
        "a,Больница А",
        ",Больница без id",
        "a,Больница А второй раз",
        "c,",
        "d,Больница Д",
    ))
    assert [i.id for i in report.institutions] == ["a", "d"]
    by_row = {e.row: e for e in report.errors}
    assert by_row[3].column == "id" and "пустой id" in by_row[3].reason
    assert by_row[4].column == "id" and "уже встречался в строке 2" in by_row[4].reason
    assert by_row[5].column == "name" and "пустое название" in by_row[5].reason
    assert report.bad_rows == [3, 4, 5]


def test_header_without_required_columns_is_one_error_and_no_rows():
    report = parse_csv("id,title,kind\na,Больница,hospital\nb,Другая,hospital\n")
    assert report.institutions == []
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error.row == 1
    assert "нет обязательных колонок name" in error.reason


def test_repeated_column_is_a_header_error():
    report = parse_csv("id,name,name\na,Б,В\n")
    assert report.institutions == []
    assert "колонки повторяются: name" in report.errors[0].reason


def test_empty_file():
    report = parse_csv(io.StringIO(""))
    assert report.institutions == []
    assert "файл пуст" in str(report.errors[0])


def test_unknown_column_is_a_warning_not_an_error():
    report = parse_csv("id,name,color\na,Больница,red\n")
    assert report.errors == []
    assert len(report.institutions) == 1
    assert report.warnings and report.warnings[0].column == "color"


def test_overlong_field():
    report = parse_csv(csv_text("a," + "Б" * 600))
    assert report.institutions == []
    assert report.errors[0].column == "name"
    assert "слишком длинное" in report.errors[0].reason


def test_extra_values_in_a_row():
    report = parse_csv("id,name\na,Больница, лишнее\n")
    assert report.institutions == []
    assert "значений больше, чем колонок" in report.errors[0].reason


@pytest.mark.parametrize(("column", "value", "stored"), [
    ("website", "https://kotelnich-crb.ru", "https://kotelnich-crb.ru"),
    ("website", "kotelnich-crb.ru/contacts", "https://kotelnich-crb.ru/contacts"),
    ("website", "http://котельничская-црб.рф", "http://котельничская-црб.рф"),
    ("vk", "https://vk.com/crb_kotelnich", "https://vk.com/crb_kotelnich"),
    ("vk", "club123456", "https://vk.com/club123456"),
    ("telegram", "@kotelnich_crb", "https://t.me/kotelnich_crb"),
    ("telegram", "https://t.me/kotelnich_crb", "https://t.me/kotelnich_crb"),
    ("ok", "https://ok.ru/group/123", "https://ok.ru/group/123"),
])
def test_good_links_are_kept_and_normalised(column, value, stored):
    report = parse_csv(f"id,name,{column}\na,Больница,{value}\n")
    assert report.errors == []
    assert getattr(report.institutions[0], column) == stored


@pytest.mark.parametrize(("column", "value"), [
    ("website", "htp//broken"),
    ("website", "javascript:alert(1)"),
    ("website", "кнопка сайта"),
    ("website", "https://localhost"),
    ("vk", "https://facebook.com/crb"),
    ("vk", "https://vk.com/"),
    ("telegram", "@ab"),
    ("telegram", "https://vk.com/crb"),
    ("ok", "https://ok.ru"),
])
def test_clearly_broken_links_are_errors(column, value):
    report = parse_csv(f"id,name,{column}\na,Больница,{value}\n")
    assert report.institutions == []
    assert report.errors[0].column == column
    assert str(report.errors[0]) == f"строка 2, колонка {column}: неверная ссылка «{value}»"


def test_phone_without_digits():
    report = parse_csv("id,name,phone\na,Больница,звоните нам\n")
    assert report.errors[0].column == "phone"


def test_row_numbers_count_the_header_and_skip_nothing_but_blank_lines():
    report = parse_csv("id,name,timezone\na,А,UTC\n\nb,Б,Mars/Olympus\n")
    assert report.errors[0].row == 4


def test_windows_1251_is_recognised(tmp_path):
    """Issue 12, item 13: Excel's «CSV» on a Russian Windows is read, and the report says how."""
    path = tmp_path / "cp1251.csv"
    path.write_bytes("id,name\na,Больница «Первая» № 1\n".encode("cp1251"))
    report = parse_csv(path)
    assert report.errors == []
    assert report.institutions[0].name == "Больница «Первая» № 1"
    assert report.encoding is not None and report.encoding.label == "Windows-1251"


def test_not_utf8_nor_windows_1251(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\na,Hôpital Général Ørsted Ñandú Ümlaut\n".encode("latin-1"))
    report = parse_csv(path)
    assert report.institutions == []
    assert report.errors[0].problem is not None
    assert "UTF-8" in str(report.errors[0]) and "Windows-1251" in str(report.errors[0])


def test_bom_is_tolerated(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,name\na,Больница\n".encode())
    assert parse_csv(path).institutions[0].id == "a"


def test_from_csv_imports_good_rows_and_exposes_errors(tmp_path):
    path = tmp_path / "region.csv"
    path.write_text(csv_text(
        "a,КОГБУЗ «Котельничская центральная районная больница»",
        "b,Больница Б,,,,,,,,,,,,,Europe/Kirof",
    ), encoding="utf-8")
    d = Directory.from_csv(path)
    assert len(d) == 1
    assert d.get("a") is not None and d.get("b") is None
    assert [e.row for e in d.import_errors] == [3]
    with pytest.raises(DirectoryImportError) as info:
        Directory.from_csv(path, strict=True)
    assert "строка 3, колонка timezone" in str(info.value)
    assert info.value.report.errors[0].row == 3


def test_reimport_updates_by_id_and_deactivates_missing():
    old = [
        Institution(id="a", name="Больница А"),
        Institution(id="b", name="Больница Б"),
        Institution(id="c", name="Больница В"),
    ]
    new = [
        Institution(id="a", name="Больница А"),
        Institution(id="b", name="Больница Б (новое имя)"),
        Institution(id="d", name="Больница Г"),
    ]
    diff = plan_import(ImportReport(institutions=new), old).diff
    assert [i.id for i in diff.unchanged] == ["a"]
    assert [i.name for i in diff.updated] == ["Больница Б (новое имя)"]
    assert [i.id for i in diff.added] == ["d"]
    assert [(i.id, i.active) for i in diff.deactivated] == [("c", False)]


def test_reimport_reactivates_an_institution_that_came_back():
    old = [Institution(id="a", name="Больница А", active=False)]
    diff = plan_import(ImportReport(institutions=[Institution(id="a", name="Больница А")]), old).diff
    assert [(i.id, i.active) for i in diff.updated] == [("a", True)]
    assert diff.deactivated == []


def test_inactive_institutions_are_not_searchable():
    d = Directory.from_institutions([
        Institution(id="a", name="Котельничская ЦРБ", active=False),
        Institution(id="b", name="Слободская ЦРБ"),
    ])
    assert len(d) == 1
    assert d.get("a") is None
    assert all(m.institution.id != "a" for m in d.search("котельничская црб"))


def test_a_parent_must_be_another_institution_of_the_file():
    report = parse_csv("id,name,district,parent\n"
                       "crb,Котельничская ЦРБ,Котельничский район,\n"
                       "fap1,ФАП села Светлополье,Котельничский район,crb\n"
                       "fap2,ФАП села Родичи,Котельничский район,nowhere\n"
                       "fap3,ФАП села Ежиха,Котельничский район,fap3\n")
    assert report.ok  # imported, each row
    parents = {i.id: i.parent for i in report.institutions}
    assert parents == {"crb": "", "fap1": "crb", "fap2": "", "fap3": ""}
    assert [(w.row, w.column) for w in report.warnings] == [(4, "parent"), (5, "parent")]
    assert "nowhere" in report.warnings[0].reason
