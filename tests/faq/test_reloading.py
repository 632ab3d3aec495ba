"""ReloadingFaq: follows the file, throttles checks, keeps the old matcher on a broken file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from faq import FaqContentError, ReloadingFaq

V1 = """entries:
  - id: ambulance
    question: Как вызвать скорую помощь?
    answer: Звоните 103.
"""
V2 = V1 + """  - id: vaccination
    question: Где сделать прививку?
    answer: В поликлинике.
"""
BROKEN = V2 + """  - id: ambulance
    question: Дубль
    answer: ""
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    # Filesystems with coarse mtimes: make every write visibly newer.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_reloads_on_change_after_interval(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    write(path, V1, 0)
    clock = Clock()
    faq = ReloadingFaq(path, check_every=5, clock=clock)
    assert faq.matcher.match("где сделать прививку").answer is None
    write(path, V2, 10)
    clock.now += 1
    assert faq.matcher.get("vaccination") is None  # not checked yet: at most every 5 s
    clock.now += 5
    assert faq.matcher.get("vaccination") is not None
    assert faq.matcher.match("где сделать прививку").answer.id == "vaccination"
    assert faq.errors == []


def test_broken_file_keeps_old_matcher(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    write(path, V2, 0)
    clock = Clock()
    faq = ReloadingFaq(path, check_every=5, clock=clock)
    old = faq.matcher
    write(path, BROKEN, 10)
    clock.now += 10
    assert faq.matcher is old
    assert faq.matcher.match("как вызвать скорую").answer.id == "ambulance"
    assert any("повторяется id «ambulance»" in e for e in faq.errors)
    assert any("пустой ответ" in e for e in faq.errors)
    # Fixed file: picked up on the next check, errors cleared.
    write(path, V1, 20)
    clock.now += 10
    assert faq.matcher is not old
    assert faq.matcher.get("vaccination") is None
    assert faq.errors == []


def test_forced_reload_returns_errors(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    write(path, V1, 0)
    faq = ReloadingFaq(path, check_every=3600)
    path.write_text(BROKEN, encoding="utf-8")
    errors = faq.reload()
    assert errors == ["строка 8: повторяется id «ambulance» (впервые на строке 2)",
                      "строка 10: запись 3 (id «ambulance»): пустой ответ"]
    assert faq.matcher.get("ambulance") is not None  # still the old content
    path.write_text(V2, encoding="utf-8")
    assert faq.reload() == []
    assert faq.matcher.get("vaccination") is not None


def test_deleted_file_keeps_old_matcher(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    write(path, V1, 0)
    clock = Clock()
    faq = ReloadingFaq(path, check_every=1, clock=clock)
    old = faq.matcher
    path.unlink()
    clock.now += 2
    assert faq.matcher is old
    assert any("файл не найден" in e for e in faq.errors)


def test_first_load_must_be_valid(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(FaqContentError):
        ReloadingFaq(path)


def test_ids_are_stable_across_reloads(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    write(path, V1, 0)
    faq = ReloadingFaq(path, check_every=0)
    first = faq.matcher.match("скорая").answer.id
    write(path, V2, 10)
    assert faq.matcher.match("скорая").answer.id == first == "ambulance"
