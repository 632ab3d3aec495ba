"""The appeal's category guessed from its text (issue 18 item 2): right when it guesses,
None when unsure, never an error, the same answer every time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot import texts
from bot.appeals.category_model import (
    DEFAULT_EXAMPLES,
    CategoryExamplesError,
    CategoryModel,
    features,
    load_examples,
)

# Written for these tests: not in the shipped examples nor in the benchmark.
CLEAR = {
    "appointment": [
        "месяц не могу попасть на приём к кардиологу, все талоны разобраны",
        "в очереди к терапевту просидела четыре часа, хотя была записана на утро",
    ],
    "quality": [
        "после операции у папы началось воспаление, врачи не заметили, выписали домой",
        "дочке неправильно поставили диагноз и две недели лечили не от того",
    ],
    "staff": [
        "медсестра нахамила моей бабушке и накричала на неё в коридоре",
        "терапевт грубо разговаривает с пациентами, на приёме хамит",
    ],
    "medicines": [
        "не выдают льготные лекарства по рецепту, в аптеке нет препарата",
        "нет вакцины для прививки ребёнку, когда привезут",
    ],
    "registry": [
        "целый день не могу дозвониться в регистратуру, никто не берёт трубку",
        "сайт поликлиники не открывается, телефон не отвечает",
    ],
    "gratitude": [
        "большое спасибо доктору и медсёстрам за заботу о моей маме",
        "хочу выразить благодарность хирургу, золотые руки",
    ],
    "other": [
        "как поменять полис омс и какие документы нужны",
    ],
}


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return CategoryModel.default()


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in CLEAR.items() for t in ts])
def test_clear_texts_get_their_category(model: CategoryModel, category: str, text: str) -> None:
    assert model.guess(text) == category
    assert model.ranked(text)[0][0] == category


def test_every_category_is_covered_by_the_tests_and_the_model(model: CategoryModel) -> None:
    assert set(CLEAR) == set(texts.CATEGORIES)
    assert model.categories == tuple(texts.CATEGORIES)


@pytest.mark.parametrize("text", ["", "   ", "😡😡😡", "🙏", "???", "12345", "ок", "здравствуйте",
                                  "добрый день, у меня вопрос", "asdf qwerty"])
def test_empty_or_unclear_texts_get_no_guess(model: CategoryModel, text: str) -> None:
    assert model.guess(text) is None
    ranked = model.ranked(text)
    assert [c for c, _ in ranked] and {c for c, _ in ranked} == set(texts.CATEGORIES)


def test_a_text_about_two_things_is_not_forced(model: CategoryModel) -> None:
    # Thanks for one doctor, a complaint about the phone and about drugs: no clear matter.
    text = "спасибо хирургу, но в регистратуру не дозвониться, и льготных лекарств нет"
    assert model.guess(text) in (None, "gratitude", "registry", "medicines")
    assert model.ranked(text)[0][1] < 0.9


def test_ranked_is_a_distribution_best_first(model: CategoryModel) -> None:
    ranked = model.ranked("не могу записаться к неврологу, талонов нет")
    scores = [p for _, p in ranked]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in scores)


def test_very_long_text_is_answered_quickly_without_error(model: CategoryModel) -> None:
    text = "не могу записаться к эндокринологу, талонов нет уже месяц. " * 2_000  # ~120,000 characters
    started = time.perf_counter()
    assert model.guess(text) == "appointment"
    assert time.perf_counter() - started < 0.5
    noise = "😡 " * 50_000 + "ыыыы " * 10_000
    assert model.guess(noise) is None


def test_typos_and_case_do_not_matter_much(model: CategoryModel) -> None:
    assert model.guess("НЕВОЗМОЖНО ДОЗВОНИТЬСЯ В РЕГИСТРАТУРУ!!!") == "registry"
    assert model.guess("нивазможна дозвонитса в регистратуру, трубку не берут") == "registry"


def test_guesses_are_deterministic(model: CategoryModel) -> None:
    sample = [t for ts in CLEAR.values() for t in ts] + ["", "что-то непонятное", "врач и лекарства"]
    first = [(model.guess(t), model.ranked(t)) for t in sample]
    again = CategoryModel.from_file(DEFAULT_EXAMPLES, tuple(texts.CATEGORIES))
    assert [(again.guess(t), again.ranked(t)) for t in sample] == first
    assert [(model.guess(t), model.ranked(t)) for t in sample] == first


def test_default_is_built_once_from_the_shipped_file() -> None:
    assert CategoryModel.default() is CategoryModel.default()
    examples = load_examples()
    assert DEFAULT_EXAMPLES.name == "category_examples.yaml" and DEFAULT_EXAMPLES.exists()
    assert len(examples) >= 250
    assert {c for _, c in examples} == set(texts.CATEGORIES)
    counts = {c: sum(1 for _, k in examples if k == c) for c in texts.CATEGORIES}
    assert min(counts.values()) >= 30, counts
    assert len({t for t, _ in examples}) == len(examples)  # no text twice


def test_the_shipped_examples_are_learned(model: CategoryModel) -> None:
    examples = load_examples()
    right = sum(model.guess(t) == c for t, c in examples)
    assert right / len(examples) > 0.8


def test_examples_benchmark_texts_are_not_copied() -> None:
    import yaml

    bench = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "appeal_routing.yaml"
    data = yaml.safe_load(bench.read_text(encoding="utf-8"))
    theirs = {" ".join(features(str(i["text"]))) for items in data.values() for i in items}
    ours = {" ".join(features(t)) for t, _ in load_examples()}
    assert not theirs & ours


def test_a_model_trained_on_a_few_examples(tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text("a:\n  - кошка мяукает\n  - кошка спит\nb:\n  - собака лает\n  - собака спит\n",
                    encoding="utf-8")
    small = CategoryModel.from_file(path)
    assert small.categories == ("a", "b")
    assert small.guess("эта кошка мяукает громко") == "a"
    assert small.guess("собака лает громко") == "b"
    assert small.guess("спит") is None  # one feature, shared by both


@pytest.mark.parametrize("content", ["- просто список\n", "a: текст\n", "a:\n  - ''\n", "a: [\n"])
def test_a_wrong_examples_file_is_one_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CategoryExamplesError, match=r"examples\.yaml"):
        CategoryModel.from_file(path)


def test_examples_of_an_unknown_category_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text("weather:\n  - идёт дождь\n", encoding="utf-8")
    with pytest.raises(CategoryExamplesError, match="weather"):
        CategoryModel.from_file(path, tuple(texts.CATEGORIES))
