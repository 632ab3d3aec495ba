"""Issue 18 item 5: the names institutions had before they were renamed or merged (the
`former_names` column): the importer reads and checks them, the search finds them."""

from __future__ import annotations

import pytest

from directory import Directory, Institution, parse_csv
from tests.paths import ROOT

KIROV = ROOT / "directory" / "data" / "kirov_demo.csv"
HEADER = "id,name,short_name,former_names\n"


@pytest.fixture(scope="module")
def kirov() -> Directory:
    return Directory.from_csv(KIROV, strict=True)


# ---- search -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected", "former"), [
    ("отделенческая больница", "kir-rzd", "НУЗ «Отделенческая клиническая больница"),
    ("отделенческая больница на станции киров", "kir-rzd", "НУЗ «Отделенческая"),
    ("вахрушевская больница", "kir-crb-slobodskoy", "Вахрушевская городская больница"),
    ("кирсинская городская больница", "kir-crb-verkhnekamsk", "Кирсинская городская больница"),
])
def test_the_demo_institutions_are_found_by_their_former_names(
        kirov: Directory, query: str, expected: str, former: str) -> None:
    best = kirov.search(query)[0]
    assert best.institution.id == expected
    assert best.matched.startswith(former)  # the old name is what matched


@pytest.mark.parametrize("query", ["клиника кгма", "клиника кировской медицинской академии"])
def test_the_university_clinic_by_the_academy_it_was(kirov: Directory, query: str) -> None:
    assert kirov.search(query)[0].institution.id == "kir-kgmu"


def test_a_merged_hospital_is_found_by_the_old_name() -> None:
    d = Directory.from_institutions([
        Institution("sever", "ГБУЗ «Северная центральная районная больница»",
                    former_names=("Пинюгская районная больница", "Лальская ЦРБ")),
        Institution("luza", "ГБУЗ «Лузская центральная районная больница»"),
    ])
    assert d.search("лальская црб")[0].institution.id == "sever"
    assert d.search("пинюгская больница")[0].institution.id == "sever"
    assert Directory.clear_winner(d.search("лальская центральная районная больница")) is not None


def test_a_name_someone_has_now_beats_the_same_former_name() -> None:
    d = Directory.from_institutions([
        Institution("new", "ГБУЗ «Городская больница № 4»", former_names=("Городская больница № 3",)),
        Institution("now", "ГБУЗ «Городская больница № 3»"),
    ])
    assert [m.institution.id for m in d.search("городская больница 3")][:2] == ["now", "new"]


# ---- import -------------------------------------------------------------------------------------
def test_the_importer_reads_the_column() -> None:
    report = parse_csv(HEADER + "a,ГБУЗ «Северная ЦРБ»,Северная ЦРБ,"
                       "Лальская ЦРБ; Ранее: Пинюгская районная больница ;;\n")
    assert report.ok and report.warnings == []
    [inst] = report.institutions
    assert inst.former_names == ("Лальская ЦРБ", "Пинюгская районная больница")


def test_without_the_column_there_are_no_former_names() -> None:
    report = parse_csv("id,name\na,ГБУЗ «Северная ЦРБ»\n")
    assert report.ok and report.institutions[0].former_names == ()


def test_the_demo_file_has_former_names() -> None:
    report = parse_csv(KIROV)
    assert report.ok and report.warnings == []
    assert sum(1 for i in report.institutions if i.former_names) >= 3


@pytest.mark.parametrize(("value", "says"), [
    ("—", "в прежнем названии «—» нет ни одной буквы — оно пропущено"),
    ("Северная ЦРБ", "прежнее название «Северная ЦРБ» совпадает с нынешним — оно пропущено"),
    ("гбуз «северная црб»", "совпадает с нынешним"),
])
def test_a_bad_former_name_is_left_out_with_a_polite_warning(value: str, says: str) -> None:
    report = parse_csv(HEADER + f"a,ГБУЗ «Северная ЦРБ»,Северная ЦРБ,Лальская ЦРБ;{value}\n")
    assert report.errors == []  # the institution is imported all the same
    assert report.institutions[0].former_names == ("Лальская ЦРБ",)
    [warning] = report.warnings
    assert (warning.row, warning.column) == (2, "former_names")
    assert says in warning.reason
    assert f"внимание: строка 2, колонка former_names: {warning.reason}" in report.summary()


def test_a_former_name_another_row_has_now_is_kept_with_a_warning() -> None:
    report = parse_csv(HEADER + "a,ГБУЗ «Северная ЦРБ»,,Лальская ЦРБ\n"
                                "b,Лальская ЦРБ,,\n")
    assert report.ok and report.institutions[0].former_names == ("Лальская ЦРБ",)
    [warning] = report.warnings
    assert (warning.row, warning.column) == (2, "former_names")
    assert "нынешнее название учреждения «b» (строка 3)" in warning.reason


def test_an_overlong_former_names_value_is_a_row_error() -> None:
    report = parse_csv(HEADER + "a,ГБУЗ «Северная ЦРБ»,,ЦРБ " + "а" * 2001 + "\n")
    assert report.institutions == []
    [error] = report.errors
    assert error.column == "former_names" and "слишком длинное значение" in error.reason
