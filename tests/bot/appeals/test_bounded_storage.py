"""Issue 15, item 4: bounded storage. The retention job works in short batches (a citizen's
unit of work runs between them); delivered messages, seen updates and the thread notices
of closed appeals go after the ages of the settings, while whatever an open appeal (or one
that can still be replied to) needs stays; `python -m bot storage` reports bytes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.__main__ import main
from bot.app import App
from bot.appeals.retention import Housekeeping, run_retention
from bot.config import ConfigError, Settings, load_settings
from bot.scheduler import retention_job
from tests.db_helpers import rows
from tests.tg_helpers import ADMIN, CITIZEN, TgUser, accept_invite, file_appeal


def _write(app: App, sql: str, params: list[tuple[object, ...]]) -> None:
    with sqlite3.connect(app.settings.database_path, timeout=30) as conn:
        conn.executemany(sql, params)


def _count(app: App, sql: str, *args: object) -> int:
    return int(rows(app, sql, *args)[0][0])


async def test_retention_runs_in_batches_and_a_turn_gets_in_between(app: App, clock) -> None:
    old = (clock.now() - timedelta(days=30)).isoformat()
    _write(app, "INSERT INTO seen_updates (platform, update_key, seen_at) VALUES (?, ?, ?)",
           [("telegram", f"u{i}", old) for i in range(6000)])
    _write(app, "INSERT INTO outbox (key, platform, chat_id, payload, kind, status, not_before, "
           "created_at, sent_at) VALUES (?, 'telegram', ?, '{}', 'reply', 'sent', ?, ?, ?)",
           [(f"k{i}", str(i % 50), old, old, old) for i in range(6000)])
    keep = Housekeeping(batch=200)
    job = asyncio.create_task(run_retention(app.db, app.appeals.deadlines.policy.retention,
                                            keep, clock.now()))
    await asyncio.sleep(0)
    finished_while_running = []
    for n in range(5):  # citizens' units of work while the job runs
        async with app.db.unit() as repos:
            assert await repos.dialog.first_time("telegram", f"new{n}", clock.now())
        finished_while_running.append(not job.done())
    run = await job
    assert all(finished_while_running)  # none waited for the whole job
    assert run.changed["seen_updates"] == 6000 and run.changed["sent_messages"] == 6000
    assert run.batches >= 60  # 200 rows a unit at most
    assert _count(app, "SELECT COUNT(*) FROM seen_updates") == 5  # the fresh ones stay


async def test_the_ages_come_from_the_settings(app: App, clock, tmp_path: Path) -> None:
    keep = Housekeeping.of(Settings(_env_file=None, retention_seen_updates_days=2,  # type: ignore[call-arg]
                                    retention_sent_messages_days=3,
                                    retention_closed_appeals_days=40, retention_batch_rows=50))
    assert keep == Housekeeping(timedelta(days=2), timedelta(days=3), timedelta(days=40), 50)
    assert Housekeeping.of(app.settings) == Housekeeping()  # 7, 14, 60 days, 100 rows
    with pytest.raises(ConfigError, match="RETENTION_CLOSED_APPEALS_DAYS"):
        load_settings(_env_file=None, retention_closed_appeals_days=30)  # the reply window
    for age in (1, 3):  # 1 day old: kept; 3 days: gone
        moment = (clock.now() - timedelta(days=age, hours=1)).isoformat()
        _write(app, "INSERT INTO seen_updates (platform, update_key, seen_at) VALUES (?, ?, ?)",
               [("telegram", f"age{age}", moment)])
        _write(app, "INSERT INTO outbox (key, platform, chat_id, payload, kind, status, "
               "not_before, created_at, sent_at) VALUES (?, 'telegram', '5', '{}', 'reply', "
               "'sent', ?, ?, ?)", [(f"age{age}", moment, moment, moment)])
    await run_retention(app.db, app.appeals.deadlines.policy.retention, keep, clock.now())
    assert rows(app, "SELECT update_key FROM seen_updates") == [("age1",)]
    assert rows(app, "SELECT key FROM outbox") == [("age1",)]


TEXT = "Мария Петрова: не берут трубку в регистратуре"


async def _answered(app: App, tg, fake) -> tuple[TgUser, int]:  # type: ignore[no-untyped-def]
    """A citizen's appeal, answered by the admin in reply to its card: (citizen, id)."""
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN, name="Мария Петрова")
    appeal_id = await file_appeal(citizen, TEXT)
    card = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    await admin.say("Ответили вам по телефону.", reply_to=card.message_id)
    return citizen, appeal_id


async def test_closed_appeals_keep_what_replies_need_until_the_window_is_over(
        app: App, tg, fake, clock) -> None:
    citizen, closed = await _answered(app, tg, fake)
    answer = citizen.last()
    await citizen.press(answer, "rate:")  # five stars: closed
    opened = await file_appeal(citizen, "Второе обращение о записи к врачу, открытое")

    def notices(appeal_id: int) -> int:
        return _count(app, "SELECT COUNT(*) FROM appeal_messages WHERE appeal_id = ? "
                      "AND kind = 'notice'", appeal_id)

    def outbox_cards(appeal_id: int) -> int:
        return _count(app, "SELECT COUNT(*) FROM outbox WHERE appeal_id = ? AND kind = 'card'",
                      appeal_id)

    def with_ids(appeal_id: int, kind: str) -> int:
        return _count(app, "SELECT COUNT(*) FROM appeal_messages WHERE appeal_id = ? "
                      f"AND kind = '{kind}' AND message_id IS NOT NULL", appeal_id)

    assert rows(app, "SELECT status FROM appeals WHERE id = ?", closed) == [("closed",)]
    assert with_ids(closed, "staff") == 1  # the admin's answer: a reply to it finds the appeal
    assert notices(closed) and notices(opened) and outbox_cards(closed) == 1
    clock.advance(timedelta(days=20))  # inside the follow-up window
    await retention_job(app)
    assert _count(app, "SELECT COUNT(*) FROM outbox WHERE kind != 'card' AND status = 'sent'"
                  ) == 0  # delivered messages: 14 days
    assert outbox_cards(closed) == 1 and notices(closed)  # replies may still arrive
    replied = await citizen.say("Добавлю: звонила ещё раз", reply_to=answer.message_id)
    assert texts.FOLLOW_UP_SENT.split("{")[0] in replied[-1].text  # taken as a follow-up

    clock.advance(timedelta(days=45))  # closed 65 days ago: past the window
    run = await retention_job(app)
    assert run.changed["compacted_appeals"] == 1
    assert notices(closed) == 0 and outbox_cards(closed) == 0
    assert _count(app, "SELECT COUNT(*) FROM outbox WHERE appeal_id = ? AND status = 'sent'",
                  closed) == 0
    assert with_ids(closed, "citizen") == 0 and with_ids(closed, "staff") == 0
    assert rows(app, "SELECT text FROM appeal_messages WHERE appeal_id = ? AND kind = 'staff'",
                closed) == [("Ответили вам по телефону.",)]  # the answer itself stays
    # the opening message was a copy of the appeal's text: the appeal keeps it; the
    # follow-up is the citizen's own words and stays
    assert rows(app, "SELECT text FROM appeal_messages WHERE appeal_id = ? "
                "AND kind = 'citizen'", closed) == [("Добавлю: звонила ещё раз",)]
    assert rows(app, "SELECT text FROM appeals WHERE id = ?", closed) == [
        ("Мария Петрова: не берут трубку в регистратуре",)]
    # the card's message id and its chat stay: a later /forget still edits the card
    assert _count(app, "SELECT COUNT(*) FROM appeal_messages WHERE appeal_id = ? "
                  "AND kind = 'card' AND message_id IS NOT NULL", closed) == 1
    assert rows(app, "SELECT platform, chat_id FROM card_copies WHERE appeal_id = ?",
                closed) == [("telegram", str(ADMIN))]
    # the open appeal keeps its card row (its payload blanked after 90 days) and notices
    assert outbox_cards(opened) == 1 and notices(opened)
    assert _count(app, "SELECT COUNT(*) FROM appeal_messages WHERE appeal_id = ? "
                  "AND kind = 'card' AND message_id IS NOT NULL", opened) == 1
    again = await retention_job(app)  # done is done: the mark is past it
    assert again.changed.get("compacted_appeals", 0) == 0

    ask = (await citizen.say("/forget"))[-1]
    await citizen.press(ask, "forget:yes")
    cards = [m for m in fake.to(ADMIN) if m.text.startswith("Обращение №")]
    assert cards and all("Петрова" not in c.text for c in cards)  # the old card edited too


async def test_storage_report_prints_bytes_per_closed_appeal(
        app: App, tg, fake, clock, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal = await file_appeal(citizen, "Не берут трубку в регистратуре третий день")
    async with app.db.read() as reader:
        usage = await reader.space.usage()
    assert usage.closed_appeals == 0 and usage.per_closed_appeal is None
    assert usage.used == (usage.pages - usage.free_pages) * usage.page_size > 0
    _write(app, "UPDATE appeals SET status = 'closed', closed_at = updated_at WHERE id = ?",
           [(appeal,)])
    async with app.db.read() as reader:
        usage = await reader.space.usage()
    assert usage.closed_appeals == 1 and usage.per_closed_appeal == usage.used
    if usage.tables:  # dbstat compiled in: per table with its indexes
        names = dict(usage.tables)
        assert {"appeals", "outbox"} <= set(names) and "appeals_queue" not in names
        assert sum(names.values()) == usage.used


def test_storage_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("FAQ_PATH", str(tmp_path / "faq.yaml"))
    assert main(["storage"]) == 0
    out = capsys.readouterr().out
    assert "занято" in out and "Закрытых обращений нет" in out


async def test_each_text_is_stored_once(app: App, tg, fake, clock) -> None:
    """The opening message lives in appeals.text only and the notices keep their message
    id, not a second copy of what was sent; the thread still reads whole."""
    citizen, appeal_id = await _answered(app, tg, fake)
    text = TEXT
    assert rows(app, "SELECT kind, text FROM appeal_messages WHERE appeal_id = ? "
                "AND kind IN ('citizen', 'notice')", appeal_id) == [("notice", "")] * 2
    assert _count(app, "SELECT COUNT(*) FROM appeal_messages WHERE appeal_id = ? "
                  "AND kind = 'notice' AND message_id IS NOT NULL", appeal_id) == 2
    async with app.db.unit() as repos:
        thread = await repos.appeals.thread(appeal_id)
        assert [(m.kind, m.text) for m in thread if m.kind in ("citizen", "staff")] == [
            ("citizen", text), ("staff", "Ответили вам по телефону.")]
        opening = thread[0]
        # an opening row an earlier version stored is the same message: shown once
        await repos.appeals.add_message(appeal_id, "citizen", opening.platform,
                                        opening.chat_id, opening.created_at, text=text)
    async with app.db.unit() as repos:
        again = await repos.appeals.thread(appeal_id)
    assert [m.text for m in again if m.kind == "citizen"] == [text]
    assert len(again) == len(thread)


async def test_anonymisation_keeps_only_the_cards_of_the_thread(app: App, tg, fake,
                                                                 clock) -> None:
    citizen, appeal_id = await _answered(app, tg, fake)
    await citizen.press(citizen.last(), "rate:")  # closed
    clock.advance(timedelta(days=20))
    await citizen.say("Добавлю: звонила ещё раз", reply_to=citizen.last().message_id)
    clock.advance(timedelta(days=3 * 365 + 10))
    await retention_job(app)
    assert rows(app, "SELECT anonymised_at IS NOT NULL FROM appeals WHERE id = ?",
                appeal_id) == [(1,)]
    # the texts went with their rows (not blanked in place); the card stays for its edits
    assert rows(app, "SELECT kind, message_id IS NOT NULL FROM appeal_messages "
                "WHERE appeal_id = ?", appeal_id) == [("card", 1)]
    async with app.db.unit() as repos:
        thread = await repos.appeals.thread(appeal_id)
    assert [(m.kind, m.text) for m in thread] == [("citizen", texts.RETENTION_TEXT), ("card", "")]
