"""End to end: the real bot process (`python -m bot run`) with VK_API_URL pointed at a fake
VK API on 127.0.0.1 (tests/fake_vk.py), and with TELEGRAM_API_URL at the fake Bot API
(tests/fake_telegram.py) when both platforms run in one process.

A citizen in VK files an appeal; the admin answers in VK (first run) or in Telegram (second
run, both tokens in one process); the answer comes back to the citizen in VK. SIGTERM ends
the process cleanly after the work in flight is finished.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from tests.bot_process import BotProcess
from tests.conftest import KOTELNICH
from tests.fake_telegram import FakeBotApiServer, FakeTelegram
from tests.fake_vk import FakeVk, SentMessage
from tests.texts_helpers import fields

TG_TOKEN = "123:TEST"
CITIZEN = 501
VK_ADMIN = 601
TG_ADMIN = 2001


@pytest.fixture
async def vk() -> AsyncIterator[FakeVk]:
    fake = FakeVk()
    fake.names[CITIZEN] = ("Мария", "Иванова")
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApiServer]:
    server = FakeBotApiServer(FakeTelegram(), TG_TOKEN)
    await server.start()
    yield server
    await server.stop()


class VkBot(BotProcess):
    def __init__(self, tmp: Path, vk: FakeVk, telegram: FakeBotApiServer | None = None) -> None:
        env = {"VK_GROUP_TOKEN": vk.token, "VK_API_URL": vk.base_url}
        if telegram is not None:
            env.update(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_URL=telegram.url,
                       TELEGRAM_POLL_TIMEOUT="1")
        super().__init__(tmp, **env)
        self.vk = vk
        self.telegram = telegram

    async def start(self) -> None:
        polls = self.vk.lp_requests
        await self.spawn()
        try:
            await self.vk.wait_for(lambda: self.vk.lp_requests > polls, 20)
            if self.telegram is not None:
                fake = self.telegram.fake
                await fake.wait_until(lambda: fake.calls_of("getUpdates"), 20)
        except TimeoutError:
            raise AssertionError(self.log()) from None


async def says(vk: FakeVk, user: int, text: str, expect: str = "", **kw: Any) -> SentMessage:
    count = len([m for m in vk.to(user) if expect in m.text])
    vk.message_new(user, text, **kw)
    return await vk.wait_sent(user, expect, count=count + 1)


async def presses(vk: FakeVk, user: int, on: SentMessage, label: str,
                  expect: str = "") -> SentMessage:
    count = len([m for m in vk.to(user) if expect in m.text])
    vk.press(user, on, label)
    return await vk.wait_sent(user, expect, count=count + 1)


async def file_appeal(vk: FakeVk) -> None:
    await says(vk, CITIZEN, "/appeal", "учреждени")
    await says(vk, CITIZEN, "котельничская црб", "Опишите")
    m = await says(vk, CITIZEN, "Третий день не дозвониться в регистратуру",
                   attachments=[vk.photo(CITIZEN, 4567, "ak")])
    await presses(vk, CITIZEN, vk.to(CITIZEN)[-1], "Регистратура")
    m = await presses(vk, CITIZEN, vk.to(CITIZEN)[-1], "Согласен")
    await presses(vk, CITIZEN, m, "Отправить", "зарегистрировано")


async def test_vk_citizen_and_vk_admin(vk: FakeVk, tmp_path: Path) -> None:
    bot = VkBot(tmp_path, vk)
    try:
        await bot.start()
        assert [m for m, _ in vk.calls[:2]] == ["groups.getById", "groups.getLongPollServer"]
        token = (await bot.cli("invite", "--institution", KOTELNICH, "--role", "admin")).strip()
        await says(vk, VK_ADMIN, f"/start inv_{token}", "Готово")

        await file_appeal(vk)
        card = await vk.wait_sent(VK_ADMIN, "Обращение №")
        shown = fields(texts.CARD, card.text)
        assert (shown["citizen"], shown["platform"]) == ("Мария Иванова", texts.PLATFORM_NAMES["vk"])
        assert card.attachment == "photo501_4567_ak"
        await bot.outbox_drained()

        await says(vk, VK_ADMIN, "Дозвониться можно по новому номеру 8-800.", "отправляется",
                   reply_to=card)
        answer = await vk.wait_sent(CITIZEN, "по новому номеру 8-800")
        await vk.wait_for(lambda: card.edits)  # the card shows the new status
        await presses(vk, CITIZEN, answer, "5 ⭐", "Спасибо за оценку")
        await bot.outbox_drained()
        assert bot.query("SELECT status, rating FROM appeals") == [("closed", 5)]
        assert len(vk.event_answers) == 4  # every button press was answered

        assert await bot.terminate() == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()
    finally:
        bot.cleanup()


async def test_vk_citizen_and_telegram_admin_in_one_process_then_sigterm(
        vk: FakeVk, telegram: FakeBotApiServer, tmp_path: Path) -> None:
    tg = telegram.fake
    bot = VkBot(tmp_path, vk, telegram)
    try:
        await bot.start()
        token = (await bot.cli("invite", "--institution", KOTELNICH, "--role", "admin")).strip()
        tg.message(TG_ADMIN, TG_ADMIN, f"/start inv_{token}")
        await tg.wait_message(TG_ADMIN, "Готово")

        await file_appeal(vk)
        card = await tg.wait_message(TG_ADMIN, "Обращение №")
        shown = fields(texts.CARD, card.text)  # the photo: a note
        assert (shown["citizen"], shown["platform"]) == ("Мария Иванова", texts.PLATFORM_NAMES["vk"])
        tg.message(TG_ADMIN, TG_ADMIN, "Ответ из Telegram: номер починили.",
                   reply_to=card.message_id)
        answer = await vk.wait_sent(CITIZEN, "Ответ из Telegram: номер починили.")
        assert "5 ⭐" in answer.labels
        await tg.wait_message(TG_ADMIN, "отправляется")
        await bot.outbox_drained()

        # SIGTERM while a reply is on its way to VK: it is finished, then the process ends.
        vk.delays["messages.send"] = 1.0
        vk.entered["messages.send"] = asyncio.Event()
        vk.message_new(CITIZEN, "/my")
        await asyncio.wait_for(vk.entered["messages.send"].wait(), 10)
        assert await bot.terminate() == 0, bot.log()
        assert any("№" in m.text for m in vk.to(CITIZEN)[-1:]), [m.text for m in vk.to(CITIZEN)]
        assert "Traceback" not in bot.log(), bot.log()
    finally:
        bot.cleanup()
