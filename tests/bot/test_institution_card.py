"""The institution card a citizen sees shows the names the institution had before it was
renamed or merged (issue 18 item 5): "Ранее: ..."."""

from __future__ import annotations

from bot import texts
from bot.formatting import institution_card
from directory import Directory
from directory.model import Institution
from tests.paths import ROOT


def test_the_card_says_what_the_institution_was_called_before() -> None:
    merged = Institution("north", "ГБУЗ «Северная центральная районная больница»",
                         city="г. Луза", former_names=("Лальская ЦРБ", "Пинюгская районная больница"))
    card = institution_card(merged, "telegram")
    lines = card.splitlines()
    assert lines[0] == merged.name
    assert lines[1] == texts.INSTITUTION_FORMER_NAMES.format(
        names="Лальская ЦРБ; Пинюгская районная больница")
    assert lines[1] == "Ранее: Лальская ЦРБ; Пинюгская районная больница"


def test_no_former_names_no_line() -> None:
    card = institution_card(Institution("a", "ГБУЗ «Лузская ЦРБ»"), "vk")
    assert "Ранее" not in card


def test_a_demo_institution_found_by_its_old_name_shows_it() -> None:
    directory = Directory.from_csv(ROOT / "directory" / "data" / "kirov_demo.csv", strict=True)
    found = directory.search("отделенческая больница")[0].institution
    card = institution_card(found, "telegram")
    assert "Клиническая больница «РЖД-Медицина»" in card
    assert "Ранее: НУЗ «Отделенческая клиническая больница на станции Киров ОАО «РЖД»»" in card
