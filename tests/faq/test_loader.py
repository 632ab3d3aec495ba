"""faq.loader: the seed file loads; every kind of broken file gets a one-line Russian error."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq import FaqContentError, FaqEntry, check_faq, load_faq, parse_faq
from tests.faq_helpers import SEED


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "faq.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_seed_is_valid() -> None:
    assert check_faq(SEED) == []
    entries = load_faq(SEED)
    assert len(entries) == 33
    assert all(isinstance(e, FaqEntry) for e in entries)
    assert len({e.id for e in entries}) == 33
    amb = next(e for e in entries if e.id == "ambulance")
    assert amb.alt[:3] == ("Номер скорой помощи", "Скорая с мобильного", "Сколько ехать скорой")
    assert amb.tags == ("скорая", "экстренно")
    hi = next(e for e in entries if e.id == "high_tech_care")
    assert hi.links == ("https://talon.rosminzdrav.ru",)
    assert "\n" not in hi.answer  # folded text, single spaces


def test_bare_list_is_accepted() -> None:
    entries, errors = parse_faq("- id: a\n  question: Вопрос?\n  answer: Ответ.\n")
    assert errors == [] and entries[0].id == "a" and entries[0].alt == ()


def test_duplicate_id_has_line(tmp_path: Path) -> None:
    p = write(tmp_path, """entries:
  - id: ambulance
    question: Как вызвать скорую?
    answer: 103.
  - id: ambulance
    question: Номер скорой?
    answer: 103.
""")
    errors = check_faq(p)
    assert errors == ["строка 5: повторяется id «ambulance» (впервые на строке 2)"]


def test_empty_answer_names_entry(tmp_path: Path) -> None:
    p = write(tmp_path, """entries:
  - id: a
    question: Вопрос?
    answer: Ответ.
  - id: x
    question: Вопрос?
    answer: "  "
""")
    assert check_faq(p) == ["строка 7: запись 2 (id «x»): пустой ответ"]


def test_null_answer(tmp_path: Path) -> None:
    p = write(tmp_path, "entries:\n  - id: x\n    question: Вопрос?\n    answer:\n")
    assert check_faq(p) == ["строка 4: запись 1 (id «x»): пустой ответ"]


def test_missing_fields(tmp_path: Path) -> None:
    p = write(tmp_path, """entries:
  - question: Вопрос без id?
    answer: Ответ.
  - id: no_question
    answer: Ответ.
  - id: no_answer
    question: Вопрос?
""")
    errors = check_faq(p)
    assert "строка 2: запись 1: нет id" in errors
    assert "строка 4: запись 2 (id «no_question»): нет поля question (вопрос)" in errors
    assert "строка 6: запись 3 (id «no_answer»): нет поля answer (ответ)" in errors
    assert len(errors) == 3


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    p = write(tmp_path, """entries:
  - id: a
    question: "Незакрытая кавычка
    answer: Ответ.
  - id: b
""")
    errors = check_faq(p)
    assert len(errors) == 1
    assert errors[0].startswith("строка ")
    assert "ошибка синтаксиса YAML" in errors[0]


def test_yaml_syntax_error_line_number(tmp_path: Path) -> None:
    p = write(tmp_path, "entries:\n  - id: a\n    question: Вопрос\n   answer: сдвиг\n")
    [error] = check_faq(p)
    assert error.startswith("строка 4")


def test_wrong_types(tmp_path: Path) -> None:
    p = write(tmp_path, """entries:
  - id: a
    question: [не, строка]
    answer: Ответ.
    alt: Одна строка вместо списка
    tags: [ok, [вложенный]]
""")
    errors = check_faq(p)
    assert "строка 3: запись 1 (id «a»): question должен быть строкой" in errors
    assert any(e.startswith("строка 5:") and "alt должен быть списком" in e for e in errors)
    assert any(e.startswith("строка 6:") and "в tags допустимы только строки" in e for e in errors)


def test_bad_id(tmp_path: Path) -> None:
    p = write(tmp_path, "entries:\n  - id: вызов врача\n    question: В?\n    answer: О.\n")
    [error] = check_faq(p)
    assert error.startswith("строка 2: запись 1") and "id «вызов врача»" in error


def test_unknown_field_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path, "entries:\n  - id: a\n    question: В?\n    anwser: О.\n")
    errors = check_faq(p)
    assert "строка 4: запись 1 (id «a»): неизвестное поле «anwser» "\
        "(допустимы id, question, alt, answer, tags, links)" in errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "файл пуст"),
        ("42\n", "неизвестная структура файла"),
        ("just text\n", "неизвестная структура файла"),
        ("version: 1\n", "нет списка entries"),
        ("entries: {}\n", "entries должен быть списком"),
        ("entries: []\n", "нет ни одной записи"),
        ("- 1\n- 2\n", "ожидается словарь"),
        ("version: 1\nquestions: []\nentries:\n  - id: a\n    question: В\n    answer: О\n",
         "неизвестное поле верхнего уровня «questions»"),
    ],
)
def test_shapes(text: str, expected: str) -> None:
    _, errors = parse_faq(text)
    assert errors and expected in errors[0]


def test_missing_file(tmp_path: Path) -> None:
    [error] = check_faq(tmp_path / "nope.yaml")
    assert error.startswith("файл не найден")


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "faq.yaml"
    p.write_bytes(b"entries: []\n# " + "комментарий".encode("cp1251"))
    [error] = check_faq(p)
    assert "UTF-8" in error


def test_messages_are_one_line(tmp_path: Path) -> None:
    p = write(tmp_path, "entries:\n  - id: a\n    question: [\n")
    assert all("\n" not in e for e in check_faq(p))


def test_load_faq_raises_with_all_errors(tmp_path: Path) -> None:
    p = write(tmp_path, """entries:
  - id: a
    question: В?
    answer: ""
  - id: a
    question: В?
    answer: О.
""")
    with pytest.raises(FaqContentError) as info:
        load_faq(p)
    assert len(info.value.errors) == 2
    assert "повторяется id «a»" in str(info.value)
