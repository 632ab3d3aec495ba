"""Issue 12, item 16: one malformed Telegram update never stalls the others. Polling and the
webhook check each update on its own; a bad one is skipped, kept raw (size-capped) in
dead_letters for operators, logged in one line without its contents, and the offset
moves past it."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.logs import QUIET, quiet_libraries
from bot.scheduler import retention_job
from handlers.telegram import TelegramTransport
from storage.dead_letters_repo import RAW_LIMIT_BYTES, DeadLetter
from tests.fake_telegram import BOT_USER, FakeTelegram
from tests.tg_helpers import CITIZEN

OTHER = 1002
PRIVATE = "Секретова Мария, тел. 89991234567"  # must never reach a log line


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": PRIVATE}


def without_chat(fake: FakeTelegram) -> dict[str, Any]:
    return fake.raw({"message": {"message_id": 7, "date": int(time.time()),
                                 "from": _user(3001), "text": PRIVATE}})


def string_chat_id(fake: FakeTelegram) -> dict[str, Any]:
    return fake.raw({"message": {"message_id": 8, "date": int(time.time()),
                                 "chat": {"id": "chat-3002", "type": "private"},
                                 "from": _user(3002), "text": PRIVATE}})


def callback_without_from(fake: FakeTelegram) -> dict[str, Any]:
    return fake.raw({"callback_query": {
        "id": "cq-bad", "chat_instance": "ci", "data": "menu",
        "message": {"message_id": 1, "date": int(time.time()), "from": BOT_USER,
                    "chat": {"id": 3003, "type": "private", "first_name": "x"},
                    "text": PRIVATE}}})


async def letters(app: App) -> list[DeadLetter]:
    async with app.db.unit() as repos:
        return list(reversed(await repos.dead_letters.recent(100)))


async def serving(tg: TelegramTransport) -> tuple[asyncio.Event, asyncio.Future[Any]]:
    """Long polling and the delivery, as the runner runs them."""
    stop = asyncio.Event()
    return stop, asyncio.gather(tg.serve(stop), tg.app.courier.run(stop))


async def test_bad_updates_in_a_batch_are_kept_and_skipped_the_good_ones_answered(
        app: App, tg: TelegramTransport, fake: FakeTelegram,
        caplog: pytest.LogCaptureFixture) -> None:
    levels = {name: logging.getLogger(name).level for name in QUIET}
    caplog.set_level(logging.DEBUG)
    quiet_libraries()  # as in production: everything of ours at DEBUG, libraries held above
    first = fake.message(CITIZEN, CITIZEN, "/start")
    bad = [without_chat(fake), string_chat_id(fake), callback_without_from(fake)]
    last = fake.message(OTHER, OTHER, "/start")
    stop, task = await serving(tg)
    try:
        await fake.wait_message(CITIZEN, "Чем могу помочь")
        await fake.wait_message(OTHER, "Чем могу помочь")
        # the whole batch came in one getUpdates, and the next one confirmed it
        assert fake.times_delivered(first["update_id"]) == 1
        await fake.wait_until(lambda: fake.confirmed_offset > last["update_id"])
        assert all(fake.times_delivered(u["update_id"]) == 1 for u in bad)

        kept = await letters(app)
        assert [k.update_id for k in kept] == [str(u["update_id"]) for u in bad]
        assert all(k.platform == "telegram" for k in kept)
        assert [json.loads(k.raw) for k in kept] == bad  # as received, for the operators
        reasons = [k.reason for k in kept]
        assert reasons[0].startswith("not_an_update: message.chat: missing"), reasons
        assert "message.chat.id: int_parsing" in reasons[1], reasons
        assert "callback_query.from: missing" in reasons[2], reasons

        # and it goes on serving
        fake.message(CITIZEN, CITIZEN, "/help")
        before = len(fake.to(CITIZEN))
        await fake.wait_until(lambda: len(fake.to(CITIZEN)) > before)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    skipped = [r for r in caplog.records if "kept in dead_letters" in r.getMessage()]
    assert len(skipped) == 3 and all(r.levelno == logging.WARNING for r in skipped)
    assert "Секретова" not in caplog.text and "89991234567" not in caplog.text


async def test_an_update_our_translation_fails_on_is_a_dead_letter(
        app: App, tg: TelegramTransport, fake: FakeTelegram,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.telegram_intake as intake

    real = intake.incoming_of

    def failing(update: Any) -> Any:
        if update.message is not None and update.message.text == "boom":
            raise KeyError("a bug of ours")
        return real(update)

    monkeypatch.setattr(intake, "incoming_of", failing)
    boom = fake.message(CITIZEN, CITIZEN, "boom")
    fake.message(CITIZEN, CITIZEN, "/start")
    stop, task = await serving(tg)
    try:
        await fake.wait_message(CITIZEN, "Чем могу помочь")
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    [kept] = await letters(app)
    assert kept.update_id == str(boom["update_id"])
    assert kept.reason == "untranslatable: KeyError"
    assert json.loads(kept.raw)["message"]["text"] == "boom"


async def test_a_redelivered_bad_update_is_kept_once_and_a_huge_one_is_cut(
        app: App, tg: TelegramTransport, fake: FakeTelegram) -> None:
    update = without_chat(fake)
    await tg.feed(update)
    await tg.feed(update)  # Telegram sends it again (a crash before the offset was confirmed)
    huge = fake.raw({"message": {"message_id": 9, "date": 0, "text": "я" * 100_000}})
    await tg.feed(huge)
    kept = await letters(app)
    assert [k.update_id for k in kept] == [str(update["update_id"]), str(huge["update_id"])]
    assert len(kept[1].raw.encode()) <= RAW_LIMIT_BYTES
    assert kept[1].raw.startswith('{"update_id"')


async def test_webhook_answers_200_to_a_bad_update_and_handles_the_next(
        app: App, tg: TelegramTransport, fake: FakeTelegram) -> None:
    tg.webhook_secret = "s3cret"
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    path = app.settings.telegram_webhook_path
    async with TestClient(TestServer(tg.webhook_app(), host="127.0.0.1")) as client:
        for bad in (callback_without_from(fake), [1, 2, 3]):
            response = await client.post(path, json=bad, headers=headers)
            assert response.status == 200  # or Telegram would resend it for ever
        response = await client.post(path, json=fake.message(CITIZEN, CITIZEN, "/start"),
                                     headers=headers)
        assert response.status == 200
    await app.courier.flush()
    assert "Чем могу помочь" in fake.to(CITIZEN)[-1].text
    kept = await letters(app)
    assert "callback_query.from: missing" in kept[0].reason
    assert kept[1].update_id is None and kept[1].raw == "[1, 2, 3]"


async def test_dead_letters_are_kept_90_days(app: App) -> None:
    now = app.clock.now()
    async with app.db.unit() as repos:
        await repos.dead_letters.add("telegram", "1", "not_an_update", "{}",
                                     now - timedelta(days=91))
        await repos.dead_letters.add("telegram", "2", "not_an_update", "{}",
                                     now - timedelta(days=89))
    await retention_job(app)
    assert [k.update_id for k in await letters(app)] == ["2"]
