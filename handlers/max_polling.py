"""MAX long polling: GET /updates with a `marker`, owned here (not maxapi's polling loop).

A batch is handled (one chat's updates in order, chats in parallel) and only when every
update of it was handled is the marker moved past it and saved in the database
(TransportState), so a restart resumes where the last handled batch ended. When an update
fails (the core could not take it: the database was busy or down), the marker stays and
the same batch is fetched again after a pause; the updates already handled are ignored
by the core (their dedupe keys). An update that fails again and again is kept as a dead
letter and passed (the transport's `process`), so one bad update never stalls the bot.
Stopping finishes the batch in hand and saves its marker. With `relay` set (several
workers: bot/inbox.py) a batch is stored for every worker to take instead of handled here,
and the marker moves once it is stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.delivery.retry import RetryPolicy
from bot.logs import brief
from bot.stopping import pause_unless_stopped, unless_stopped
from handlers.max_sender import PLATFORM, MaxSender
from handlers.max_updates import conversation_key
from handlers.ports import Relay, TransportState

log = logging.getLogger(__name__)

MARKER = "marker"
POLL_RETRY = RetryPolicy(first_delay=1.0, max_delay=30.0)
UPDATE_TYPES = ("message_created", "message_callback", "message_edited", "bot_started",
                "bot_added", "bot_removed", "bot_stopped")

Process = Callable[[dict[str, Any]], Awaitable[bool]]  # False: failed, to be tried again


class MaxLongPoll:
    def __init__(self, sender: MaxSender, state: TransportState, process: Process,
                 timeout: int = 30, retry: RetryPolicy = POLL_RETRY) -> None:
        self.sender = sender
        self.state = state
        self.process = process
        self.timeout = timeout
        self.retry = retry
        self.marker: int | None = None
        self.relay: Relay | None = None  # several workers: batches are stored for all

    async def load_marker(self) -> int | None:
        raw = await self.state.load(PLATFORM, MARKER)
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            log.warning("MAX: stored marker %r is not a number; starting without one", raw)
            return None

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        self.marker = await self.load_marker()
        failures = 0
        ready.set()
        while not stop.is_set():
            try:
                batch = await unless_stopped(stop, self.sender.updates(
                    self.marker, self.timeout, UPDATE_TYPES))
            except Exception as exc:
                failures += 1
                await self._pause(stop, failures, f"GET /updates failed ({brief(exc)})")
                continue
            if batch is None:  # stopped while waiting
                break
            updates = [u for u in batch.get("updates") or [] if isinstance(u, dict)]
            handled = await self.handle_batch(updates)
            following = batch.get("marker")
            if not handled:
                failures += 1
                await self._pause(stop, failures, "MAX: an update failed; the batch comes again")
                continue
            failures = 0
            if isinstance(following, int) and following != self.marker:
                self.marker = following
                await self._save()

    async def _save(self) -> None:
        try:
            await self.state.save(PLATFORM, MARKER, str(self.marker))
        except Exception as exc:  # the next start fetches a little again: dedupe covers it
            log.error("MAX: marker %s not saved (%s)", self.marker, brief(exc))

    async def _pause(self, stop: asyncio.Event, failures: int, what: str) -> None:
        delay = self.retry.delay(failures)
        log.warning("%s; again in %.0f s", what, delay)
        await pause_unless_stopped(stop, delay)

    async def handle_batch(self, updates: list[dict[str, Any]]) -> bool:
        """True when every update was handled (or given up as a dead letter), or stored."""
        if self.relay is not None:
            try:
                await self.relay.put(PLATFORM, [(conversation_key(u), json.dumps(u))
                                                for u in updates])
            except Exception as exc:
                log.warning("MAX: a batch was not stored (%s)", brief(exc))
                return False
            return True
        by_chat: dict[str, list[dict[str, Any]]] = {}
        for update in updates:
            by_chat.setdefault(conversation_key(update), []).append(update)

        async def one_chat(items: list[dict[str, Any]]) -> bool:
            for item in items:  # one failure stops its chat: the order is kept
                if not await self.process(item):
                    return False
            return True

        results = await asyncio.gather(*(one_chat(items) for items in by_chat.values()))
        return all(results)
