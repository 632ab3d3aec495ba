"""Telegram long polling: getUpdates with offset, as raw JSON checked one update at a time.

A batch is handled (one chat's updates in order, chats in parallel) before its offset is
confirmed by the next call, so a crash redelivers and the core's update_id dedupe makes
the redelivery harmless. An update that cannot be read is kept as a dead letter and the
offset moves past it like past any other. On stop the batch in hand is finished and its
offset confirmed, so a restart replays nothing.

With several workers (`relay` set: bot/inbox.py) the batch is stored for every worker to
take instead of handled here, and its offset moves only once it is stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.delivery.retry import RetryPolicy
from bot.logs import brief
from bot.stopping import pause_unless_stopped, unless_stopped
from handlers.ports import Relay
from handlers.telegram_intake import Accepted, Rejected, TelegramIntake, update_id_of
from handlers.telegram_sender import PLATFORM

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# After failed getUpdates calls: from about a second up to half a minute between them.
POLL_RETRY = RetryPolicy(first_delay=1.0, max_delay=30.0)


class RawGetUpdates(GetUpdates):
    """getUpdates whose result stays raw JSON: aiogram's own method parses the whole batch
    at once, so one update it cannot read would fail every call, for ever."""

    __returning__ = list[Any]


class LongPolling:
    def __init__(self, bot: Bot, intake: TelegramIntake,
                 handle: Callable[[Accepted], Awaitable[None]], timeout: int,
                 retry: RetryPolicy = POLL_RETRY) -> None:
        self.bot = bot
        self.intake = intake
        self.handle = handle
        self.timeout = timeout
        self.retry = retry
        self.offset: int | None = None  # the next update_id to ask for
        self.confirmed: int | None = None  # the offset Telegram has been told
        self.relay: Relay | None = None  # several workers: batches are stored for all

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                batch = await unless_stopped(stop, self.bot(RawGetUpdates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES),
                    request_timeout=self.timeout + 15))
            except Exception as exc:
                failures += 1
                await self._pause(stop, failures, f"getUpdates failed ({_brief(exc)})")
                continue
            if batch is None and stop.is_set():
                break  # stopped while waiting
            failures = 0
            if self.offset is not None:
                self.confirmed = self.offset
            raws = list(batch or [])
            if not raws:
                continue
            ids = [i for i in map(update_id_of, raws) if i is not None]
            if not ids:  # nothing to move the offset past: do not spin on it
                failures += 1
                await self._pause(stop, failures, f"getUpdates: {len(raws)} update(s) "
                                                  "without update_id")
                continue
            if self.relay is None:
                await self.handle_batch(raws)
            else:
                try:
                    await self.relay.put(PLATFORM, [(raw_chat_key(r), json.dumps(r)) for r in raws])
                except Exception as exc:  # the same batch is fetched again
                    failures += 1
                    await self._pause(stop, failures, f"updates not stored ({_brief(exc)})")
                    continue
            self.offset = max(ids) + 1
        await self.confirm_offset()

    async def _pause(self, stop: asyncio.Event, failures: int, what: str) -> None:
        delay = self.retry.delay(failures)
        log.warning("%s; again in %.0f s", what, delay)
        await pause_unless_stopped(stop, delay)

    async def handle_batch(self, raws: list[Any]) -> None:
        checked = [self.intake.check(raw) for raw in raws]
        await self.intake.keep([c for c in checked if isinstance(c, Rejected)])
        by_chat: dict[str, list[Accepted]] = {}
        for item in checked:
            if isinstance(item, Accepted):
                by_chat.setdefault(chat_key(item.update), []).append(item)

        async def one_chat(items: list[Accepted]) -> None:
            for item in items:
                await self.handle(item)

        await asyncio.gather(*(one_chat(items) for items in by_chat.values()))

    async def confirm_offset(self) -> None:
        if self.offset is None or self.offset == self.confirmed:
            return
        try:
            await self.bot(RawGetUpdates(offset=self.offset, timeout=0, limit=1,
                                         allowed_updates=ALLOWED_UPDATES))
            self.confirmed = self.offset
        except Exception as exc:  # the core's dedupe covers a redelivery
            log.warning("could not confirm update offset %s (%s)", self.offset, _brief(exc))


def _brief(exc: BaseException) -> str:
    """A failed call in one line: aiogram's decode errors would quote the response (people's
    messages), so they are named only."""
    return type(exc).__name__ if isinstance(exc, ClientDecodeError) else brief(exc)


def raw_chat_key(raw: Any) -> str:
    """chat_key of an update as received (JSON), for the inbox's order."""
    if not isinstance(raw, dict):
        return "?"
    query = _part(raw, "callback_query")
    for part in (_part(raw, "message"), _part(raw, "edited_message"),
                 _part(raw, "my_chat_member"), _part(query, "message")):
        chat = _part(part, "chat")
        if "id" in chat:
            return f"c{chat['id']}"
    if query:
        return f"u{_part(query, 'from').get('id')}"
    return f"u{raw.get('update_id')}"


def _part(raw: dict[str, Any], field: str) -> dict[str, Any]:
    value = raw.get(field)
    return value if isinstance(value, dict) else {}


def chat_key(update: Update) -> str:
    if update.message is not None:
        return f"c{update.message.chat.id}"
    if update.edited_message is not None:
        return f"c{update.edited_message.chat.id}"
    query = update.callback_query
    if query is not None:
        return f"c{query.message.chat.id}" if query.message else f"u{query.from_user.id}"
    if update.my_chat_member is not None:
        return f"c{update.my_chat_member.chat.id}"
    return f"u{update.update_id}"
