"""Directory search: every way citizens write an institution's name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from directory import Directory, Institution, Match
from tests.paths import ROOT

KIROV = ROOT / "directory" / "data" / "kirov_demo.csv"
ASTRAKHAN = ROOT / "benchmarks" / "data" / "directory_astrakhan.csv"


@pytest.fixture(scope="module")
def kirov() -> Directory:
    return Directory.from_csv(KIROV)


@pytest.fixture(scope="module")
def kirov_names_only() -> Directory:
    d = Directory.from_csv(KIROV)
    return Directory.from_institutions(replace(i, short_name="", aliases=()) for i in d)


@pytest.fixture(scope="module")
def astrakhan() -> Directory:
    return Directory.from_csv(ASTRAKHAN)


@pytest.fixture(scope="module")
def both() -> Directory:
    return Directory.from_institutions([*Directory.from_csv(KIROV),
                                        *Directory.from_csv(ASTRAKHAN)])


def top(d: Directory, query: str, **kwargs) -> str | None:
    matches = d.search(query, **kwargs)
    return matches[0].institution.id if matches else None


def test_contract(kirov):
    matches = kirov.search("котельничская црб", limit=5)
    assert isinstance(matches[0], Match)
    assert matches[0].institution.id == "kir-crb-kotelnich"
    assert 0 <= matches[0].score <= 100
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert len(kirov) == 61
    assert kirov.get("kir-okb").name.startswith("КОГБУЗ")
    assert kirov.get("nope") is None
    assert sum(1 for _ in kirov) == 61


@pytest.mark.parametrize("query", [
    "", "   ", "абырвалг", "asdfgh", "купить диван", "))))", "12345", "погода в кирове завтра",
    "привет как дела",
])
def test_empty_or_nonsense_gives_nothing(kirov, query):
    assert kirov.search(query) == []


def test_limit(kirov):
    assert len(kirov.search("центральная районная больница", limit=3)) == 3
    assert kirov.search("котельничская црб", limit=0) == []


# ---- case, ё/е, quotes, punctuation, legal forms -------------------------------------------
@pytest.mark.parametrize("query", [
    "КОГБУЗ «Котельничская центральная районная больница»",
    "котельничская центральная районная больница",
    "КОТЕЛЬНИЧСКАЯ   ЦЕНТРАЛЬНАЯ, районная больница!!!",
    '"Котельничская ЦРБ"',
    "когбуз котельничская црб",
    "ГБУЗ АО Котельничская ЦРБ",
])
def test_case_quotes_punctuation_legal_forms(kirov, query):
    assert top(kirov, query) == "kir-crb-kotelnich"


def test_yo_and_e(kirov):
    assert top(kirov, "кумёнская црб") == "kir-crb-kumeny"
    assert top(kirov, "куменская црб") == "kir-crb-kumeny"


def test_legal_form_spelled_out_does_not_count():
    d = Directory.from_institutions([
        Institution(id="a", name="Государственное бюджетное учреждение здравоохранения "
                                  "Астраханской области «Енотаевская районная больница»"),
        Institution(id="b", name="ГБУЗ АО «Ахтубинская районная больница»"),
    ])
    assert top(d, "енотаевская рб") == "a"
    assert d.search("енотаевская районная больница")[0].score >= 95


# ---- abbreviations both ways, initialisms --------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("котельничская црб", "kir-crb-kotelnich"),
    ("котельничская рб", "kir-crb-kotelnich"),
    ("Котельничская центральная районная больница", "kir-crb-kotelnich"),
    ("окб", "kir-okb"),
    ("одкб", "kir-odkb"),
    ("дгкб", "kir-dgkb"),
    ("гкб 6", "kir-gkb6"),
    ("кдц", "kir-kdc"),
    ("ссмп", "kir-ssmp"),
    ("квд", "kir-kvd"),
    ("кокб", "kir-okb"),  # initialism of "Кировская областная клиническая больница"
    ("цкн", "kir-ckn"),  # initialism of "Центр кардиологии и неврологии"
])
def test_abbreviations_kirov(kirov_names_only, query, expected):
    assert top(kirov_names_only, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("АМОКБ", "ast-amokb"),
    ("амокб астрахань", "ast-amokb"),
    ("гп 8", "ast-gp8"),
    ("ДГП-4", "ast-dgp4"),
    ("дгкб 2", "ast-dgkb2"),
    ("мсч 62", "ast-msch62"),
    ("ФАП Ветлянка", "ast-fap-vetlyanka"),
    ("енотаевская црб", "ast-rb-enotaevka"),
    ("Енотаевская районная больница", "ast-rb-enotaevka"),
])
def test_abbreviations_astrakhan(astrakhan, query, expected):
    assert top(astrakhan, query) == expected


def test_abbreviation_inside_the_official_name_matches_the_full_words():
    d = Directory.from_institutions([
        Institution(id="fap", name="ФАП с. Никольское ГБУЗ АО «Енотаевская РБ»"),
        Institution(id="rb", name="ГБУЗ АО «Енотаевская РБ»"),
    ])
    assert top(d, "фельдшерско-акушерский пункт Никольское") == "fap"
    assert top(d, "енотаевская районная больница") == "rb"


# ---- colloquial forms ------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("онкодиспансер", "kir-onko"),
    ("кожвен", "kir-kvd"),
    ("кожвендиспансер", "kir-kvd"),
    ("наркодиспансер", "kir-narko"),
    ("психбольница", "kir-psych"),
    ("инфекционка", "kir-infect"),
    ("роддом", "kir-perinatal"),  # no "родильный дом" in Kirov: the perinatal centre
    ("горбольница 2", "kir-gb2"),
    ("стоматология", "kir-stom"),
    ("зубная поликлиника", "kir-stom"),
    ("скорая", "kir-ssmp"),
    ("минздрав", "kir-minzdrav"),
])
def test_colloquial_kirov_names_only(kirov_names_only, query, expected):
    assert top(kirov_names_only, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("тубдиспансер", "ast-tub"),
    ("кардиодиспансер", "ast-kardio"),
    ("роддом", "ast-rd"),
    ("горполиклиника 5", "ast-gp5"),
    ("психбольница", "ast-psych"),
])
def test_colloquial_astrakhan(astrakhan, query, expected):
    assert top(astrakhan, query) == expected


# ---- numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "поликлиника № 3", "поликлиника N 3", "поликлиника №3", "поликлиника номер 3",
    "поликлиника 3", "третья поликлиника", "3-я поликлиника", "поликлиника no 3",
])
def test_number_forms(query):
    d = Directory.from_institutions([
        Institution(id=f"gp{n}", name=f"ГБУЗ «Городская поликлиника № {n}»") for n in (1, 2, 3, 13)
    ])
    assert top(d, query) == "gp3"


def test_a_named_number_never_returns_another_number_first(astrakhan, kirov):
    assert top(kirov, "больница 2") == "kir-gb2"
    assert top(kirov, "больница 7") == "kir-kb7"
    for n in (1, 2, 3, 5, 8, 10):
        assert top(astrakhan, f"поликлиника {n}") == f"ast-gp{n}"
    for m in astrakhan.search("поликлиника 4"):
        assert "4" in m.institution.name  # ДГП № 4, not ГП № 1


# ---- morphology, place names, people's names -------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("больница в Котельниче", "kir-crb-kotelnich"),
    ("больница котельнич", "kir-crb-kotelnich"),
    ("котельничская больница", "kir-crb-kotelnich"),
    ("больница в Слободском", "kir-crb-slobodskoy"),
    ("больница в Яранске", "kir-crb-yaransk"),
    ("больница в Мурашах", "kir-crb-murashi"),
    ("больница Юрловой", "kir-kb7"),
    ("больница Бехтерева", "kir-psych"),
    ("больница Лепсе", "kir-gkb6"),
])
def test_morphology_kirov_names_only(kirov_names_only, query, expected):
    assert top(kirov_names_only, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("енотаевка", "ast-rb-enotaevka"),
    ("больница в Енотаевке", "ast-rb-enotaevka"),
    ("больница в Ахтубинске", "ast-rb-akhtubinsk"),
    ("больница Ничоги", "ast-infect"),
    ("поликлиника Пирогова", "ast-gp8"),
    ("больница братьев Губиных", "ast-gkb2"),
])
def test_morphology_astrakhan(astrakhan, query, expected):
    assert top(astrakhan, query) == expected


# ---- typos, wrong layout, transliteration ----------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("катэльничская црб", "kir-crb-kotelnich"),
    ("слабодская црб", "kir-crb-slobodskoy"),
    ("котельничкая црб", "kir-crb-kotelnich"),
    ("психиатрическя больница", "kir-psych"),
    ("rjntkmybxcrfz", "kir-crb-kotelnich"),  # котельничская on a Latin layout
    ("ckj,jlcrfz wh,", "kir-crb-slobodskoy"),  # слободская црб
    ("kotelnichskaya crb", "kir-crb-kotelnich"),
    ("bolnitsa lepse", "kir-gkb6"),
    ("onkodispanser", "kir-onko"),
])
def test_typos_layout_translit(kirov_names_only, query, expected):
    assert top(kirov_names_only, query) == expected


def test_words_around_the_name_do_not_matter(kirov):
    assert top(kirov, "сайт котельничской црб") == "kir-crb-kotelnich"
    assert top(kirov, "телефон регистратуры онкодиспансера") == "kir-onko"


# ---- region / city ---------------------------------------------------------------------------
def test_region_filter(both):
    assert top(both, "онкодиспансер", region="Кировская область") == "kir-onko"
    assert top(both, "онкодиспансер", region="Астраханская обл.") == "ast-onko"
    assert all(m.institution.region == "Астраханская область"
               for m in both.search("областная больница", region="Астраханская область"))
    assert both.search("онкодиспансер", region="Тверская область") == []


def test_city_filter(both):
    matches = both.search("центральная районная больница", city="Котельнич")
    assert [m.institution.id for m in matches] == ["kir-crb-kotelnich"]
    assert top(both, "больница", city="г. Ахтубинск") == "ast-rb-akhtubinsk"


def test_region_boost_prefers_without_hiding(both):
    plain = both.search("онкологический диспансер", limit=5)
    boosted = both.search("онкологический диспансер", limit=5, boost_region="Астраханская область")
    assert boosted[0].institution.id == "ast-onko"
    assert {m.institution.id for m in boosted} == {m.institution.id for m in plain}


def test_place_in_the_query_uses_the_city_field(both):
    assert top(both, "скорая астрахань") == "ast-ssmp"
    assert top(both, "скорая киров") == "kir-ssmp"


# ---- one clear winner or top 3 ---------------------------------------------------------------
def test_clear_winner(kirov, astrakhan):
    winner = Directory.clear_winner(kirov.search("котельничская црб"))
    assert winner is not None and winner.institution.id == "kir-crb-kotelnich"
    assert Directory.clear_winner(kirov.search("детская больница")) is None
    assert Directory.clear_winner(astrakhan.search("поликлиника")) is None
    assert Directory.clear_winner([]) is None


def test_matched_says_which_name_matched(kirov):
    m = kirov.search("больница лепсе")[0]
    assert m.matched in ("Больница Лепсе", kirov.get("kir-gkb6").name)
