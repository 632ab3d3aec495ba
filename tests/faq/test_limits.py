"""Issue 12, item 14: a FAQ file is bounded (entries, characters an answer), configurably."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from faq import FaqLimits, ReloadingFaq, check_faq, parse_faq


def entries_yaml(count: int, answer: str = "Ответ.") -> str:
    return "entries:\n" + "".join(
        f"  - id: e{i}\n    question: Вопрос номер {i}?\n    answer: {answer}\n"
        for i in range(count))


def test_the_settings_start_from_the_libraries_limits() -> None:
    """With nothing configured, the bot enforces what the libraries do on their own (the
    tests below prove those limits hold), not numbers of its own."""
    from directory.import_policy import DEFAULT_MASS_DEACTIVATE_SHARE
    from directory.importer import DEFAULT_MAX_ROWS

    settings = load_settings(_env_file=None)
    assert FaqLimits(max_entries=settings.faq_max_entries,
                     max_answer_chars=settings.faq_max_answer_chars) == FaqLimits()
    assert settings.directory_max_rows == DEFAULT_MAX_ROWS
    assert settings.directory_mass_deactivate_share == DEFAULT_MASS_DEACTIVATE_SHARE


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("FAQ_MAX_ENTRIES", "7"), ("FAQ_MAX_ANSWER_CHARS", "300"),
                        ("DIRECTORY_MAX_ROWS", "40"), ("DIRECTORY_MASS_DEACTIVATE_SHARE", "0.5")):
        monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert (settings.faq_max_entries, settings.faq_max_answer_chars) == (7, 300)
    assert (settings.directory_max_rows, settings.directory_mass_deactivate_share) == (40, 0.5)


def test_too_many_entries_is_one_error() -> None:
    entries, errors = parse_faq(entries_yaml(3), FaqLimits(max_entries=2))
    assert entries == []
    assert errors == ["строка 2: в entries 3 записей, больше предела 2; FAQ не загружен"]
    assert parse_faq(entries_yaml(2), FaqLimits(max_entries=2))[1] == []


def test_the_default_entry_limit_holds() -> None:
    _, errors = parse_faq(entries_yaml(2_001))
    assert len(errors) == 1 and "больше предела 2000" in errors[0]


def test_too_long_answer_names_the_entry_and_its_line() -> None:
    text = entries_yaml(1) + "  - id: long\n    question: Длинный?\n    answer: " + "я" * 11 + "\n"
    entries, errors = parse_faq(text, FaqLimits(max_answer_chars=10))
    assert errors == [
        "строка 7: запись 2 (id «long»): ответ длиннее предела: 11 символов, допустимо 10"]
    assert parse_faq(entries_yaml(1, "я" * 10), FaqLimits(max_answer_chars=10))[1] == []


def test_the_default_answer_limit_holds(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(entries_yaml(1, "я" * 20_001), encoding="utf-8")
    [error] = check_faq(path)
    assert "20001 символов, допустимо 20000" in error
    assert check_faq(path, FaqLimits(max_answer_chars=30_000)) == []


def test_reloading_keeps_the_old_faq_when_the_new_one_is_too_big(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(entries_yaml(3), encoding="utf-8")
    faq = ReloadingFaq(path, check_every=3600, limits=FaqLimits(max_entries=3))
    path.write_text(entries_yaml(4), encoding="utf-8")
    errors = faq.reload()
    assert errors and "больше предела 3" in errors[0]
    assert len(faq.matcher) == 3


@pytest.mark.parametrize(("name", "value"), [
    ("FAQ_MAX_ENTRIES", "0"),
    ("FAQ_MAX_ANSWER_CHARS", "-5"),
    ("DIRECTORY_MAX_ROWS", "0"),
    ("DIRECTORY_MASS_DEACTIVATE_SHARE", "1.5"),
])
def test_wrong_limit_setting_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch, name: str,
                                                   value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_limit_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("FAQ_MAX_ENTRIES", "10"), ("FAQ_MAX_ANSWER_CHARS", "500"),
                        ("DIRECTORY_MAX_ROWS", "300"), ("DIRECTORY_MASS_DEACTIVATE_SHARE", "0.5")):
        monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert (settings.faq_max_entries, settings.faq_max_answer_chars) == (10, 500)
    assert (settings.directory_max_rows, settings.directory_mass_deactivate_share) == (300, 0.5)
