"""Many citizens at once filing appeals through the real bot processes (the several-workers
process test): each one's six steps (the institution's link, «Написать обращение сюда»,
the text, the category, the consent, «Отправить»), waiting for the bot's reply before the
next, on the quick fakes of Telegram and VK (a future per chat instead of a scan of every
sent message)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Any

from tests.fake_telegram.quick import QuickTelegram
from tests.fake_vk import FakeVk, SentMessage

TEXT = "В регистратуре не берут трубку третий день подряд"
STEP_WAIT = 150.0  # a reply after the kill waits for the takeover (15 s) and held rows (30 s)
STEPS = 6
BUTTONS = ("обращение сюда", "Регистратура", "Согласен", "Отправить")


class QuickVk(FakeVk):
    """The VK fake with each peer's last message and a future per peer."""

    def __init__(self) -> None:
        super().__init__()
        self.last: dict[int, SentMessage] = {}
        self.waiters: dict[int, asyncio.Future[None]] = {}
        self._indexed = 0

    def _m_messages_send(self, params: dict[str, str]) -> Any:
        result = super()._m_messages_send(params)
        for sent in self.sent[self._indexed:]:
            self.last[sent.peer_id] = sent
            waiter = self.waiters.pop(sent.peer_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        self._indexed = len(self.sent)
        return result

    def expect(self, peer: int) -> asyncio.Future[None]:
        waiter = asyncio.get_running_loop().create_future()
        self.waiters[peer] = waiter
        return waiter


class Citizen:
    """One person filing one appeal to `institution` in a private chat."""

    platform = ""

    def __init__(self, chat: int, institution: str) -> None:
        self.chat, self.institution = chat, institution

    async def file(self, progress: Counter[str]) -> None:
        await self.say(f"/start inst_{self.institution}")
        progress["steps"] += 1
        await self.press(BUTTONS[0])
        progress["steps"] += 1
        await self.say(TEXT)
        progress["steps"] += 1
        for label in BUTTONS[1:]:
            await self.press(label)
            progress["steps"] += 1
        progress["filed"] += 1

    async def _until_button(self, label: str) -> Any:
        """The chat's latest message once it has the button (a step's reply may be two
        messages, a second apart)."""
        deadline = time.monotonic() + STEP_WAIT
        while (found := self._with_button(label)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.platform} {self.chat}: no button {label!r}")
            await asyncio.sleep(0.05)
        return found

    async def say(self, text: str) -> None:
        raise NotImplementedError

    async def press(self, label: str) -> None:
        raise NotImplementedError

    def _with_button(self, label: str) -> Any:
        raise NotImplementedError

    def transcript(self) -> list[str]:
        raise NotImplementedError


class TelegramCitizen(Citizen):
    platform = "telegram"

    def __init__(self, fake: QuickTelegram, chat: int, institution: str) -> None:
        super().__init__(chat, institution)
        self.fake = fake

    async def say(self, text: str) -> None:
        waiter = self.fake.expect(self.chat)
        self.fake.message(self.chat, self.chat, text)
        await asyncio.wait_for(waiter, STEP_WAIT)

    def _with_button(self, label: str) -> tuple[int, str] | None:
        last = self.fake.last.get(self.chat)
        if last is None:
            return None
        for row in last.buttons:
            for button in row:
                if label in button.get("text", "") and "callback_data" in button:
                    return last.message_id, button["callback_data"]
        return None

    async def press(self, label: str) -> None:
        message_id, data = await self._until_button(label)
        waiter = self.fake.expect(self.chat)
        self.fake.press_quick(self.chat, message_id, data)
        await asyncio.wait_for(waiter, STEP_WAIT)

    def transcript(self) -> list[str]:
        return self.fake.texts_to(self.chat)


class VkCitizen(Citizen):
    platform = "vk"

    def __init__(self, fake: QuickVk, peer: int, institution: str) -> None:
        super().__init__(peer, institution)
        self.fake = fake

    async def say(self, text: str) -> None:
        waiter = self.fake.expect(self.chat)
        self.fake.message_new(self.chat, text)
        await asyncio.wait_for(waiter, STEP_WAIT)

    def _with_button(self, label: str) -> SentMessage | None:
        last = self.fake.last.get(self.chat)
        return last if last is not None and any(label in t for t in last.labels) else None

    async def press(self, label: str) -> None:
        on = await self._until_button(label)
        waiter = self.fake.expect(self.chat)
        self.fake.press(self.chat, on, label)
        await asyncio.wait_for(waiter, STEP_WAIT)

    def transcript(self) -> list[str]:
        return [m.text for m in self.fake.to(self.chat)]


def collapsed(texts: list[str]) -> list[str]:
    """Numbers and dates out; a message repeated right after itself counted once."""
    plain = [re.sub(r"\d", "0", t) for t in texts]
    return [t for i, t in enumerate(plain) if i == 0 or plain[i - 1] != t]
