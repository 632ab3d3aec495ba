"""The fake, for many citizens at once (benchmarks and the several-workers process test):
what a driver waits on without scanning every sent message. A future per chat resolved by
the next message stored there, each chat's last message, and the appeal cards as they
arrive in the chats of `card_chats`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.fake_telegram.bot_api import FakeTelegram
from tests.fake_telegram.records import BOT_USER, FileUpload, Sent

CARD_PREFIX = "Обращение №"


class QuickTelegram(FakeTelegram):
    def __init__(self, card_chats: set[int] | None = None) -> None:
        super().__init__()
        self.card_chats = card_chats or set()
        self.waiters: dict[int, asyncio.Future[int]] = {}
        self.last: dict[int, Sent] = {}
        self.card_times: list[float] = []
        self.cards: list[tuple[int, str]] = []  # (chat, text) of each card as it came
        self.cards_seen = asyncio.Event()
        self.cards_expected = 0

    def _store(self, method: str, chat_id: int, text: str, p: dict[str, Any],
               extra: dict[str, Any] | None = None,
               file: FileUpload | None = None) -> dict[str, Any]:
        msg = super()._store(method, chat_id, text, p, extra, file)
        self.last[chat_id] = self.sent[-1]
        if chat_id in self.card_chats and self.sent[-1].text.startswith(CARD_PREFIX):
            self.card_times.append(time.perf_counter())
            self.cards.append((chat_id, self.sent[-1].text))
            if len(self.card_times) >= self.cards_expected:
                self.cards_seen.set()
        waiter = self.waiters.pop(chat_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(msg["message_id"])
        return msg

    def expect(self, chat_id: int) -> asyncio.Future[int]:
        waiter = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = waiter
        return waiter

    def press_quick(self, chat_id: int, message_id: int, data: str) -> None:
        """press() without its scan of every sent message."""
        self._push({"callback_query": {
            "id": f"cq{next(self._file_ids)}", "from": self._user(chat_id, "Иван Петров"),
            "chat_instance": "ci", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": self._chat(chat_id), "from": BOT_USER, "text": "..."}}})
