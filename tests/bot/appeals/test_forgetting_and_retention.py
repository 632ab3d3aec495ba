"""Issue 12, item 7 (152-FZ): /forget anonymises a citizen everywhere after a confirmation,
withdrawing open appeals (the institution is told); `python -m bot forget` does it for a
request received by other channels; the retention job anonymises old closed appeals and
deletes old questions and delivered payloads. Statistics stay, anonymous."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.__main__ import main
from bot.app import App
from bot.scheduler import retention_job
from tests.db_helpers import rows
from tests.tg_helpers import ADMIN, CITIZEN, TgUser, accept_invite, file_appeal, joined, status
from tests.vk_helpers import VkPerson


async def _rows(app: App, sql: str, *args: object) -> list[tuple[object, ...]]:
    return rows(app, sql, *args)


async def test_forget_anonymises_everything_and_tells_the_institution(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN, name="Мария Петрова")
    first = await file_appeal(citizen, "Мария Петрова, тел. 89123456789: не берут трубку")
    card = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    await admin.say("Ответили вам по телефону.", reply_to=card.message_id)
    second = await file_appeal(citizen, "Второе обращение Марии Петровой о записи к врачу")
    await citizen.say("как записаться к врачу")  # a question, and feedback on its answer
    await citizen.press(citizen.last(), "fb:y:")

    ask = (await citizen.say("/forget"))[-1]
    assert texts.FORGET_ASK in ask.text
    sent = await citizen.press(ask, "forget:yes")
    assert joined(sent) == texts.FORGET_DONE.format(appeals=2, withdrawn=1)

    assert await status(app, second) == "closed" and await status(app, first) == "answered"
    told = [m.text for m in fake.to(ADMIN)]
    assert any(texts.CARD_WITHDRAWN_FORGOTTEN.split("{")[0] in t for t in told)
    cards = [m for m in fake.to(ADMIN) if m.text.startswith("Обращение №")]
    assert all("Петрова" not in c.text and "89123456789" not in c.text for c in cards)
    assert any(texts.FORGOTTEN_TEXT in c.text for c in cards)  # edited in the staff chat
    dump = await _rows(app, "SELECT text, chat_id FROM appeals")
    assert dump == [(texts.FORGOTTEN_TEXT, "")] * 2
    assert await _rows(app, "SELECT display_name, chat_id FROM users WHERE id = 2") == [("", "")]
    for table, column in (("appeal_messages", "text"), ("outbox", "payload"),
                          ("users", "display_name"), ("dialog_state", "data")):
        leaks = await _rows(app, f"SELECT {column} FROM {table} WHERE {column} LIKE ? "
                            f"OR {column} LIKE ?", "%Петров_%", "%89123456789%")
        assert leaks == [], table
    assert await _rows(app, "SELECT 1 FROM dialog_state WHERE user_id = ?", str(CITIZEN)) == []
    assert await _rows(app, "SELECT user_id FROM faq_feedback") == [("",)]
    async with app.db.unit() as repos:  # statistics stay, anonymous
        stats = await repos.appeals.stats(None, app.clock.now(), app.clock.now()
                                          - timedelta(days=30))
    assert stats["received"] == 2

    again = await citizen.say("/my")  # writing again: a new person, with a clean slate
    assert texts.MY_EMPTY in joined(again)


async def test_forget_needs_its_question_and_is_not_for_staff(app, tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    await citizen.say("/menu")
    assert texts.STALE_BUTTON in joined(await citizen.press_data(1, "forget:yes"))
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    assert joined(await admin.say("/forget")) == texts.FORGET_STAFF
    await citizen.say("/forget")
    assert texts.CANCELLED in joined(await citizen.say("/cancel"))
    assert texts.STALE_BUTTON in joined(await citizen.press_data(1, "forget:yes"))


async def test_forget_in_vk(app, vk, fake_vk) -> None:
    citizen = VkPerson(app, vk, fake_vk, 501, name=("Иван", "Петров"))
    await citizen.file_appeal()
    await citizen.say("/forget")
    replies = await citizen.press("Да, удалить")
    assert [m.text for m in replies] == [texts.FORGET_DONE.format(appeals=1, withdrawn=1)]
    assert await _rows(app, "SELECT text FROM appeals") == [(texts.FORGOTTEN_TEXT,)]


async def test_retention_anonymises_old_closed_appeals_and_drops_old_questions(
        app, tg, fake, clock) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    old = await file_appeal(citizen, "Старое обращение о записи к терапевту")
    card = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    await admin.press(card, "st:close")
    await admin.press(admin.last(), "st:clphone")
    await citizen.say("где взять справку для бассейна в субботу")  # an unanswered question
    clock.advance(timedelta(days=100))
    recent = await file_appeal(citizen, "Свежее обращение о записи к врачу")
    await retention_job(app)
    assert await _rows(app, "SELECT COUNT(*) FROM faq_unanswered") == [(0,)]
    sent_old = await _rows(app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent' "
                           "AND sent_at < ? AND kind != 'card'",
                           (clock.now() - timedelta(days=90)).isoformat())
    assert sent_old == [(0,)]
    assert await _rows(app, "SELECT anonymised_at IS NULL FROM appeals WHERE id = ?", old) == [(1,)]
    clock.advance(timedelta(days=3 * 365))
    await retention_job(app)
    texts_now = dict(await _rows(app, "SELECT id, text FROM appeals"))
    assert texts_now[old] == texts.RETENTION_TEXT  # closed and past its term
    assert texts_now[recent] != texts.RETENTION_TEXT  # still open: kept


def test_cli_forget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for key in ("TELEGRAM_BOT_TOKEN", "VK_GROUP_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("FAQ_PATH", str(tmp_path / "faq.yaml"))
    assert main(["forget", "--platform", "telegram", "--user", "1001"]) == 2
    assert "не найден" in capsys.readouterr().err


def test_cli_forget_ban_and_revoke_on_a_real_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Requests received by post or e-mail, done by an operator on the command line."""
    import asyncio

    from bot.app import build_app
    from bot.config import Settings
    from tests.chat import Chat, RecordingSender
    from tests.conftest import DEMO_CSV

    monkeypatch.chdir(tmp_path)
    for key in ("TELEGRAM_BOT_TOKEN", "VK_GROUP_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "FAQ_PATH": str(tmp_path / "faq.yaml"),
           "DIRECTORY_CSV": str(DEMO_CSV), "DEFAULT_TIMEZONE": "Europe/Kirov"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    async def file_two() -> None:
        app = await build_app(Settings(_env_file=None))  # type: ignore[call-arg]
        sender = RecordingSender()
        app.courier.add_sender(sender.for_platform("telegram"))
        try:
            admin = Chat(app, sender, "telegram", user_id="2001", name="Главврач")
            await admin.accept_invite("admin", "kir-crb-kotelnich")
            for user in ("1001", "1002"):
                await Chat(app, sender, "telegram", user_id=user, name="Мария Петрова"
                           ).file_appeal(text="Мария Петрова: в регистратуре не берут трубку")
        finally:
            await app.close()

    asyncio.run(file_two())
    assert main(["ban", "2026-000002", "--reason", "спам"]) == 0
    assert "заблокирован" in capsys.readouterr().out
    assert main(["forget", "--platform", "telegram", "--user", "1001"]) == 0
    assert "обезличено обращений 1, отозвано открытых 1" in capsys.readouterr().out
    assert main(["forget", "--platform", "telegram", "--user", "2001"]) == 2  # staff
    assert main(["staff", "revoke", "1"]) == 0
    assert "отозваны" in capsys.readouterr().out
    assert main(["staff", "audit"]) == 0
    audit = capsys.readouterr().out
    assert "banned" in audit and "forgotten" in audit and "revoked" in audit

    import sqlite3
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        texts_left = [r[0] for r in conn.execute("SELECT text FROM appeals ORDER BY id")]
        names = [r[0] for r in conn.execute("SELECT display_name FROM users ORDER BY id")]
    assert texts_left[0] == texts.FORGOTTEN_TEXT and "Петрова" in texts_left[1]
    assert names.count("Мария Петрова") == 1  # the other citizen keeps theirs
