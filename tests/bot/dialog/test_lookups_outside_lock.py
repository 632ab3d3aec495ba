"""Issue 15: the FAQ match and the directory search run before the turn's transaction,
not while it holds the database's writer lock (bot/dialog/lookups.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App
from bot.dialog.types import Incoming

# SQLite's one writer lock; PostgreSQL's units hold no process-wide lock to wait behind
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def spy(app: App, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """(what was asked, whether the writer's lock was held then)."""
    calls: list[tuple[str, bool]] = []
    matcher, directory = app.faq.matcher, app.directory.current
    match, search = matcher.match, directory.search

    def spied_match(text: str) -> Any:
        calls.append(("faq", app.db._lock.locked()))
        return match(text)

    def spied_search(query: str, **kw: Any) -> Any:
        calls.append(("directory", app.db._lock.locked()))
        return search(query, **kw)

    monkeypatch.setattr(matcher, "match", spied_match)
    monkeypatch.setattr(directory, "search", spied_search)
    return calls


async def say(app: App, text: str = "", payload: str = "") -> None:
    await app.dialog.handle(Incoming("telegram", "601", "601", text=text, payload=payload))


async def test_a_question_is_matched_before_the_lock(app: App,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    await say(app, "/start")
    calls = spy(app, monkeypatch)
    await say(app, "как записаться к врачу")
    assert calls == [("faq", False)]  # once, outside the lock; the turn used the memo


async def test_the_institution_step_searches_before_the_lock(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    await say(app, "/appeal")
    calls = spy(app, monkeypatch)
    await say(app, "котельничская црб")
    assert calls == [("directory", False)]


async def test_a_wrong_hint_still_gives_the_right_answer(app: App,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    await say(app, "/appeal")
    app.dialog.hints = type(app.dialog.hints)()  # a restart: the process forgot the step
    calls = spy(app, monkeypatch)
    await say(app, "котельничская црб")
    # guessed a question (idle), the turn found the appeal form and searched, as before
    assert calls == [("faq", False), ("directory", True)]


async def test_with_a_ranking_model_the_question_is_matched_off_the_event_loop(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """FAQ_RANKER: a match costs the model's ~16 ms; it runs on the model's own thread,
    not on the loop every chat shares."""
    import threading

    await say(app, "/start")
    matcher = app.faq.matcher
    match = matcher.match
    threads: list[str] = []

    def spied_match(text: str) -> Any:
        threads.append(threading.current_thread().name)
        return match(text)

    monkeypatch.setattr(matcher, "match", spied_match)
    monkeypatch.setattr(matcher, "ranker_index", object())  # as if a model were loaded
    await say(app, "как записаться к врачу")
    await say(app, "как вызвать врача на дом")
    assert len(threads) == 2 and all(t.startswith("faq-model") for t in threads), threads
