"""Issue 18 item 5: a query without a qualifier ("детская", "районная", "стоматологическая"...)
prefers the institution without it, and departmental owners are found by what people call
them ("больница ржд", "поликлиника мвд", "тюремная больница", "клиника медуниверситета")."""

from __future__ import annotations

import pytest

from directory import Directory, Institution
from tests.paths import ROOT

KIROV = ROOT / "directory" / "data" / "kirov_demo.csv"


@pytest.fixture(scope="module")
def kirov() -> Directory:
    return Directory.from_csv(KIROV, strict=True)


def top(d: Directory, query: str) -> str | None:
    matches = d.search(query)
    return matches[0].institution.id if matches else None


# ---- a qualifier the query does not say ------------------------------------------------------
# Each pair: the plain institution carries some other word the query does not say either
# (a number, "клиническая", a person's name), so only the qualifier tells them apart.
PAIRS = [
    # (plain name, qualified name, the query without the qualifier, the query with it)
    ("ГБУЗ «Уржумская областная клиническая больница № 1»",
     "ГБУЗ «Уржумская областная детская клиническая больница»",
     "уржумская областная больница", "уржумская областная детская больница"),
    ("ГБУЗ «Нолинская городская больница № 3»",
     "ГБУЗ «Нолинская детская городская больница»",
     "нолинская городская больница", "нолинская детская больница"),
    ("ГБУЗ «Лузская поликлиника № 2»",
     "ГБУЗ «Лузская стоматологическая поликлиника»",
     "лузская поликлиника", "лузская стоматологическая поликлиника"),
    ("ГБУЗ «Сунская больница имени Р.А. Лаптева»",
     "ГБУЗ «Сунская инфекционная больница»",
     "сунская больница", "сунская инфекционная больница"),
    ("ГБУЗ «Тужинский диспансер № 4»",
     "ГБУЗ «Тужинский онкологический диспансер»",
     "тужинский диспансер", "тужинский онкологический диспансер"),
    ("ГБУЗ «Кикнурская больница № 5»",
     "ГБУЗ «Кикнурская психиатрическая больница»",
     "кикнурская больница", "кикнурская психиатрическая больница"),
]


# As in a real region, the qualifier is in many names (other towns have one too), the other
# word in few: a plain share of the name covered would pick the qualified one.
OTHER_TOWNS = ("Омутнинская", "Малмыжская", "Опаринская", "Белохолуницкая")


def with_other_towns(plain: str, qualified: str) -> list[Institution]:
    town = qualified.split("«")[1].split()[0]
    others = [Institution(f"other{n}", qualified.replace(town, other))
              for n, other in enumerate(OTHER_TOWNS)]
    return [Institution("plain", plain), Institution("q", qualified), *others]


@pytest.mark.parametrize(("plain", "qualified", "unqualified_query", "qualified_query"), PAIRS)
def test_the_query_without_a_qualifier_prefers_the_name_without_it(
        plain: str, qualified: str, unqualified_query: str, qualified_query: str) -> None:
    d = Directory.from_institutions(with_other_towns(plain, qualified))
    assert top(d, unqualified_query) == "plain"
    assert top(d, qualified_query) == "q"  # and the other way round


def test_district_and_town_are_qualifiers_both_ways() -> None:
    d = Directory.from_institutions([
        Institution("rb", "ГБУЗ «Яранская районная больница № 1»"),
        Institution("gb", "ГБУЗ «Яранская городская больница № 1»"),
        Institution("plain", "ГБУЗ «Яранская больница № 1 имени Пирогова»"),
    ])
    assert top(d, "яранская районная больница") == "rb"
    assert top(d, "яранская городская больница") == "gb"
    assert top(d, "яранская больница 1") == "plain"


@pytest.mark.parametrize(("query", "expected"), [
    ("городская больница", "kir-gb2"),  # not the children's city hospital
    ("детская городская больница", "kir-dgkb"),
    ("областная больница", "kir-okb"),
    ("областная детская больница", "kir-odkb"),
])
def test_demo_directory_qualifiers(kirov: Directory, query: str, expected: str) -> None:
    assert top(kirov, query) == expected


# ---- departmental owners and everyday names ----------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("поликлиника мвд", "kir-mvd"),
    ("госпиталь МВД", "kir-mvd"),
    ("мсч мвд", "kir-mvd"),
    ("милицейская поликлиника", "kir-mvd"),
    ("больница фсин", "kir-fsin"),
    ("тюремная больница", "kir-fsin"),
    ("мсч-43 фсин", "kir-fsin"),
    ("нии гематологии", "kir-nii-gem"),
    ("институт крови", "kir-nii-gem"),
    ("фмба", "kir-nii-gem"),
    ("железнодорожная больница", "kir-rzd"),
    ("больница ржд", "kir-rzd"),
    ("дорожная больница", "kir-rzd"),
    ("клиника медуниверситета", "kir-kgmu"),
    ("кгму клиника", "kir-kgmu"),
    ("клиника мед академии", "kir-kgmu"),
])
def test_departmental_institutions_by_everyday_names(kirov: Directory, query: str,
                                                     expected: str) -> None:
    assert top(kirov, query) == expected


def test_owner_words_work_without_the_demo_aliases() -> None:
    """The synonyms, not the data, carry the words many institutions share."""
    d = Directory.from_institutions([
        Institution("rzd", "ЧУЗ «Клиническая больница «РЖД-Медицина» г. Вологда»"),
        Institution("fmba", "ФГБУЗ «Медико-санитарная часть № 58 Федерального "
                            "медико-биологического агентства»"),
        Institution("fsin", "ФКУЗ «Медико-санитарная часть № 35 ФСИН России»"),
        Institution("uni", "Клиника ФГБОУ ВО «Северный государственный медицинский университет»"),
        Institution("gb", "ГБУЗ «Городская больница № 1»"),
        Institution("gp", "ГБУЗ «Городская поликлиника № 1»"),
    ])
    assert top(d, "железнодорожная больница") == "rzd"
    assert top(d, "мсч фмба") == "fmba"
    assert top(d, "тюремная больница") == "fsin"
    assert top(d, "мсч федеральной службы исполнения наказаний") == "fsin"
    assert top(d, "клиника медуниверситета") == "uni"
    assert top(d, "клиника медакадемии") == "uni"


def test_owner_words_are_qualifiers_too() -> None:
    d = Directory.from_institutions([
        Institution("gp", "ГБУЗ «Котельничская поликлиника № 1»"),
        Institution("mvd", "ФКУЗ «Котельничская поликлиника МВД России»"),
    ])
    assert top(d, "котельничская поликлиника") == "gp"
    assert top(d, "котельничская поликлиника мвд") == "mvd"


def test_chat_words_do_not_find_the_police_clinic(kirov: Directory) -> None:
    assert kirov.search("привет как дела") == []


# ---- owner adjectives in an appeal's text ------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("в железнодорожной больнице не приняли по полису", "kir-rzd"),
    ("в тюремной больнице брату не дают лекарства", "kir-fsin"),
    ("в поликлинике МВД третий месяц нет окулиста", "kir-mvd"),
])
def test_an_appeal_names_a_departmental_institution(kirov: Directory, text: str,
                                                    expected: str) -> None:
    assert [m.institution.id for m in kirov.mentions(text)] == [expected]


@pytest.mark.parametrize("text", [
    "после дорожной аварии меня привезли в больницу и час не осматривали",
    "милицейский наряд доставил отца в больницу, а там никого",
    "полицейские в больнице ничего не сделали",
    "на жд вокзале стало плохо, в больнице отказали",
])
def test_owner_adjectives_away_from_a_kind_word_name_nothing(kirov: Directory, text: str) -> None:
    assert not {"kir-rzd", "kir-mvd", "kir-fsin"} & {m.institution.id for m in kirov.mentions(text)}
