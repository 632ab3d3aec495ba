"""Directory.mentions: the institutions an appeal's free text names or implies (issue 18's
contract), and nothing when it names none clearly: a wrong suggestion is worse than none."""

from __future__ import annotations

import pytest

from directory import Directory
from tests.conftest import DEMO_CSV


@pytest.fixture(scope="module")
def kirov() -> Directory:
    return Directory.from_csv(DEMO_CSV)


def _ids(directory: Directory, text: str, limit: int = 3) -> list[str]:
    return [m.institution.id for m in directory.mentions(text, limit=limit)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Вчера в котельничской црб не приняли по записи, врач ушёл на обед", "kir-crb-kotelnich"),
    ("в котелничской больнице третий день не берут трубку", "kir-crb-kotelnich"),  # a typo
    ("у нас в Уржуме в поликлинике невозможно записаться к окулисту", "kir-crb-urzhum"),
    ("в детской областной нагрубили медсёстры, ребёнок плакал", "kir-odkb"),
    ("Хочу поблагодарить хирургов больницы Лепсе за операцию", "kir-gkb6"),
    ("в 7-й больнице грязно в палатах и нет горячей воды", "kir-kb7"),
    ("Во второй городской больнице нет терапевта уже месяц", "kir-gb2"),
    ("Скорая ехала к бабушке в Яранске больше часа", "kir-crb-yaransk"),
])
def test_a_named_or_implied_institution_comes_first(kirov: Directory, text: str,
                                                    expected: str) -> None:
    found = kirov.mentions(text)
    assert found and found[0].institution.id == expected
    assert 0 < found[0].score <= 100


@pytest.mark.parametrize("text", [
    "В больнице не дают лекарства по льготе",
    "в поликлинике хамят, разберитесь",  # which one?
    "В Кирове в аптеках нет льготных лекарств",  # dozens of institutions there
    "Жду 3 дня ответа, два раза звонила, записи нет",  # numbers that are quantities
    "Спасибо за всё!",
    "Лечилась в Москве в Бурденко, хочу квоту",  # not in this directory
    "",
])
def test_no_clear_name_suggests_nothing(kirov: Directory, text: str) -> None:
    assert kirov.mentions(text) == []


def test_the_hospital_is_not_the_childrens_one_and_the_ministry_is_not_suggested(
        kirov: Directory) -> None:
    ids = _ids(kirov, "Минздрав, разберитесь с областной больницей: третий месяц жду операцию")
    assert ids == ["kir-okb"]  # the ministry is written to, not about
    assert _ids(kirov, "Минздрав, когда в поликлиниках будут врачи?") == []


def test_several_institutions_best_first_and_limited(kirov: Directory) -> None:
    text = ("Из слободской црб отправили в областную больницу, а там сказали ехать "
            "обратно в слободскую")
    ids = _ids(kirov, text)
    assert set(ids[:2]) == {"kir-crb-slobodskoy", "kir-okb"}
    assert len(_ids(kirov, text, limit=1)) == 1
    assert kirov.mentions(text, limit=0) == []


def test_a_long_text_costs_spans_around_its_names_only(kirov: Directory) -> None:
    filler = "очень долго ждали и никто ничего не объяснил, " * 60
    assert _ids(kirov, filler + "это было в котельничской црб") == []  # past MAX_WORDS
    assert _ids(kirov, "в котельничской црб " + filler) == ["kir-crb-kotelnich"]


def test_a_fap_routes_to_the_hospital_that_runs_it() -> None:
    directory = Directory.from_csv(
        "id,name,short_name,kind,city,district,parent\n"
        "crb,КОГБУЗ «Котельничская центральная районная больница»,Котельничская ЦРБ,hospital,"
        "г. Котельнич,Котельничский район,\n"
        "fap,Фельдшерско-акушерский пункт села Светлополье,Светлопольский ФАП,center,"
        "с. Светлополье,Котельничский район,crb\n"
        "okb,Кировская областная клиническая больница,Областная больница,hospital,г. Киров,,\n")
    found = directory.mentions("В светлопольском фапе фельдшер не приходит на вызовы")
    assert [m.institution.id for m in found] == ["crb"]
    assert directory.competent("fap").id == "crb" and directory.competent("okb").id == "okb"
    assert directory.competent("nope") is None
