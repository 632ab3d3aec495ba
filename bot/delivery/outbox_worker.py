"""Drains the outbox: sends each message once, at the platform's pace, retrying failures.

A row is marked 'sending' (committed) before the platform call and 'sent' right after,
with the platform message id recorded in the same transaction (so a reply to a card
finds its appeal). Transient failures back off (and honour 429 retry_after); permanent
ones (bot blocked, chat gone) are marked 'failed' where an operator sees them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from bot.dialog.types import Attachment, Button
from storage.db import Database
from storage.records import OutboxItem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 600.0


class SendError(Exception):
    """A failed platform call. permanent: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Outgoing:
    chat_id: str
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachments: tuple[Attachment, ...] = ()
    source_platform: str = ""  # where the attachments came from
    # Stable for one message however often it is retried (the outbox row), so a platform
    # that deduplicates sends by a client id (VK's random_id) drops a repeated send.
    key: str = ""


class Sender(Protocol):
    """One platform's way to send: implemented by each transport."""

    platform: str
    min_interval: float  # seconds between two sends, the platform's rate limit

    async def send(self, message: Outgoing) -> str:
        """Send; return the platform message id. Raise SendError on failure."""
        ...

    async def edit(self, chat_id: str, message_id: str, text: str,
                   buttons: list[list[Button]]) -> None: ...


def outgoing_from(item: OutboxItem) -> Outgoing:
    payload = item.payload
    buttons = [[Button(b["text"], b["payload"]) for b in row]
               for row in payload.get("buttons", [])]
    atts = payload.get("attachments", [])
    attachments = tuple(
        Attachment(a["kind"], a["ref"], a.get("source_chat_id", ""),
                   a.get("source_message_id", ""))
        for a in atts
    )
    source = atts[0].get("platform", "") if atts else ""
    return Outgoing(item.chat_id, payload.get("text", ""), buttons, attachments, source,
                    key=f"outbox:{item.id}")


class OutboxWorker:
    def __init__(self, db: Database, senders: dict[str, Sender], clock: Clock) -> None:
        self.db = db
        self.senders = senders
        self.clock = clock
        self._last_send: dict[str, float] = {}

    async def recover(self) -> int:
        """After a crash: rows caught mid-send go out again."""
        async with self.db.unit() as repos:
            return await repos.outbox.requeue_interrupted()

    async def drain_once(self, limit: int = 50) -> int:
        """Send what is due now; returns how many rows were handled."""
        async with self.db.unit() as repos:
            items = await repos.outbox.due(list(self.senders), self.clock.now(), limit)
        for item in items:
            await self._deliver(item)
        return len(items)

    async def run(self, stop: asyncio.Event, poll_interval: float) -> None:
        await self.recover()
        while not stop.is_set():
            try:
                handled = await self.drain_once()
            except Exception:
                log.exception("outbox drain failed")
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=poll_interval)
                except TimeoutError:
                    pass

    async def _pace(self, sender: Sender) -> None:
        wait = self._last_send.get(sender.platform, 0.0) + sender.min_interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send[sender.platform] = time.monotonic()

    async def _deliver(self, item: OutboxItem) -> None:
        sender = self.senders[item.platform]
        async with self.db.unit() as repos:
            if not await repos.outbox.mark_sending(item.id):
                return  # someone else took it
        await self._pace(sender)
        try:
            message_id = await self._send(sender, item)
        except SendError as exc:
            await self._failed(item, exc)
            return
        except Exception as exc:  # a transport bug or network error: retry, do not lose it
            log.exception("sending outbox row %s failed", item.id)
            await self._failed(item, SendError(repr(exc)))
            return
        now = self.clock.now()
        async with self.db.unit() as repos:
            await repos.outbox.mark_sent(item.id, message_id, now)
            record_as = item.payload.get("record_as")
            if record_as and item.appeal_id is not None and message_id:
                await repos.appeals.add_message(
                    item.appeal_id, record_as, item.platform, item.chat_id, now,
                    text=item.payload.get("text", "")[:500], message_id=message_id,
                )

    async def _send(self, sender: Sender, item: OutboxItem) -> str | None:
        message = outgoing_from(item)
        card_of = item.payload.get("edit_card_of")
        if card_of is None:
            return await sender.send(message)
        async with self.db.unit() as repos:
            cards = [mid for platform, chat, mid in await repos.appeals.card_messages(card_of)
                     if platform == item.platform and chat == item.chat_id]
        for message_id in cards:
            try:
                await sender.edit(item.chat_id, message_id, message.text, message.buttons)
            except SendError as exc:
                if exc.permanent:  # too old to edit, deleted: the next card carries the news
                    log.info("card %s not editable: %s", message_id, exc)
                    continue
                raise
        return None

    async def _failed(self, item: OutboxItem, exc: SendError) -> None:
        attempts = item.attempts + 1
        async with self.db.unit() as repos:
            if exc.permanent or attempts >= MAX_ATTEMPTS:
                log.warning("outbox row %s failed for good: %s", item.id, exc)
                await repos.outbox.mark_failed(item.id, str(exc)[:500])
                return
            delay = exc.retry_after if exc.retry_after is not None else min(
                2.0 ** attempts, MAX_BACKOFF_S)
            await repos.outbox.retry_later(
                item.id, self.clock.now() + timedelta(seconds=delay), str(exc)[:500])

