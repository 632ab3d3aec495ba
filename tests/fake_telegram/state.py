"""The fake's chats and what the bot sent into them; waiting for something to happen."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from tests.fake_telegram.records import Call, Sent


class ChatState:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.chat_types: dict[int, str] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._changed = asyncio.Condition()

    # helpers

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat(self, chat_id: int) -> dict[str, Any]:
        kind = self.chat_types.get(chat_id, "private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = f"user{chat_id}"
        else:
            chat["title"] = f"group{chat_id}"
        return chat

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], Any], wait: float = 10.0) -> Any:
        """Wait until predicate() is truthy (checked after every call and update)."""
        async def waiting() -> Any:
            async with self._changed:
                while not (value := predicate()):
                    await self._changed.wait()
                return value

        return await asyncio.wait_for(waiting(), wait)

    # what the bot sent

    def to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.to(chat_id)]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_message(self, chat_id: int, contains: str = "", after: int = 0,
                           wait: float = 10.0) -> Sent:
        """The first message to chat_id, among those after the first `after`, containing
        the text."""
        def found() -> Sent | None:
            for m in self.to(chat_id)[after:]:
                if contains in m.text:
                    return m
            return None

        try:
            return await self.wait_until(found, wait)
        except TimeoutError:
            raise AssertionError(f"no message with {contains!r} to {chat_id}; "
                                 f"got {self.texts_to(chat_id)}") from None
