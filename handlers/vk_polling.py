"""VK's Bots Long Poll (vkbottle's BotPolling) as the transport's receive loop.

A batch of events is handed to `submit` (one conversation's events in order, conversations
in parallel) and handled before its `ts` is saved next to the database: a crash mid-batch
fetches it again, and after a restart the events that came meanwhile are fetched (the
core ignores any it already handled). A failed long-poll request (e.g.
groups.getLongPollServer) is tried again with backoff; stopping ends the wait for VK at
once.

The `ts` is kept in the database (TransportState) when one is given, so a worker that
takes the polling over from another (several workers on PostgreSQL) resumes where the
other left; the file next to the database is read once, for a deployment that kept it
there. With `relay` set (several workers: bot/inbox.py) a batch is stored for every
worker to take instead of handled here, and its `ts` saved once it is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from vkbottle import API, BotPolling

from bot.delivery.retry import RetryPolicy
from bot.logs import brief
from bot.stopping import pause_unless_stopped, unless_stopped
from handlers.ports import Relay, TransportState
from handlers.vk_sender import PLATFORM
from handlers.vk_updates import conversation_key

log = logging.getLogger(__name__)

# After a failed long-poll request: from about two seconds, doubling, up to a minute.
LONG_POLL_RETRY = RetryPolicy(first_delay=2.0, max_delay=60.0)

Submit = Callable[[dict[str, Any]], Awaitable[None]]


class StatePolling(BotPolling):
    """vkbottle's long poll, keeping its `ts` in the database (`stored`) or, without one,
    in `state_dir` (next to the database)."""

    def __init__(self, api: API, group_id: int, state_dir: Path,
                 stored: TransportState | None = None) -> None:
        super().__init__(api, group_id=group_id, skip_old_events=False)
        self.state_dir = state_dir
        self.stored = stored
        self.ts: Any = None  # the last one saved in the database

    @property
    def ts_state_path(self) -> Path:
        return self.state_dir / f"vk_longpoll_{self.group_id}.json"

    @property
    def ts_name(self) -> str:
        return f"longpoll_ts_{self.group_id}"

    async def load(self) -> None:
        if self.stored is not None:
            kept = await self.stored.load(PLATFORM, self.ts_name)
            self.ts = json.loads(kept) if kept is not None else None

    def restore_server_ts(self, server: dict[str, Any]) -> dict[str, Any]:
        if self.stored is None or self.ts is None:
            return super().restore_server_ts(server)
        server["ts"] = self.ts
        return server

    def save_server_ts(self, server: dict[str, Any]) -> None:
        """vkbottle's own save after each batch: the file only where no database keeps it."""
        if self.stored is None:
            super().save_server_ts(server)

    async def save(self, ts: Any) -> None:
        if self.stored is None:
            await asyncio.to_thread(super().save_server_ts, {"ts": ts})
            return
        await self.stored.save(PLATFORM, self.ts_name, json.dumps(ts))
        self.ts = ts


class VkLongPoll:
    def __init__(self, api: API, group_id: int, state_dir: Path, submit: Submit,
                 retry: RetryPolicy = LONG_POLL_RETRY, *, stored: TransportState | None = None,
                 relay: Relay | None = None) -> None:
        self.polling = StatePolling(api, group_id, state_dir, stored)
        self.submit = submit
        self.retry = retry
        self.relay = relay

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        """Until `stop`: the batch in hand is finished, the next one is not taken."""
        # the ts kept in the database, before the first request
        if not await self._until_done(stop, self.polling.load, "the long poll's ts not read"):
            return
        events = self.polling.listen()
        failures = 0
        ready.set()
        try:
            while not stop.is_set():
                try:
                    event = await unless_stopped(stop, _next(events))
                except Exception:  # e.g. groups.getLongPollServer failed: start over
                    failures += 1
                    log.exception("VK long poll failed; retrying")
                    await pause_unless_stopped(stop, self.retry.delay(failures))
                    events = self.polling.listen()
                    continue
                failures = 0
                if event is None:  # stopped while waiting for VK, or the poll ended
                    break
                await self.settle(event, stop)
        finally:
            with contextlib.suppress(Exception):
                await events.aclose()

    async def settle(self, event: dict[str, Any], stop: asyncio.Event) -> None:
        """Handle (or store) the batch and save its ts, again after a pause while that fails
        (the database is away); stopped meanwhile, the next start fetches it again."""
        await self._until_done(stop, lambda: self.handle_batch(event), "a batch not stored")

    async def _until_done(self, stop: asyncio.Event, step: Callable[[], Awaitable[None]],
                          what: str) -> bool:
        """`step` again after a pause while it fails; False: stopped first. A step begun
        is finished (the batch in hand)."""
        failures = 0
        while not stop.is_set():
            try:
                await step()
                return True
            except Exception as exc:
                failures += 1
                log.warning("VK: %s (%s); again", what, brief(exc))
                await pause_unless_stopped(stop, self.retry.delay(failures))
        return False

    async def handle_batch(self, event: dict[str, Any]) -> None:
        updates = [u for u in event.get("updates", []) if isinstance(u, dict)]
        # The whole batch is handled (or stored) before its ts is saved (see the module's
        # docstring).
        if self.relay is not None:
            await self.relay.put(PLATFORM, [(conversation_key(u), json.dumps(u)) for u in updates])
        else:
            await asyncio.gather(*(self.submit(u) for u in updates), return_exceptions=True)
        if "ts" in event:
            await self.polling.save(event["ts"])


async def _next(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return await anext(events)
    except StopAsyncIteration:
        return None
