"""VK's Bots Long Poll (vkbottle's BotPolling) as the transport's receive loop.

A batch of events is handed to `submit` (one conversation's events in order, conversations
in parallel) and handled before its `ts` is saved next to the database: a crash mid-batch
fetches it again, and after a restart the events that came meanwhile are fetched (the
core ignores any it already handled). A failed long-poll request (e.g.
groups.getLongPollServer) is tried again with backoff; stopping ends the wait for VK at
once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from vkbottle import API, BotPolling

from bot.delivery.retry import RetryPolicy
from bot.stopping import pause_unless_stopped, unless_stopped

log = logging.getLogger(__name__)

# After a failed long-poll request: from about two seconds, doubling, up to a minute.
LONG_POLL_RETRY = RetryPolicy(first_delay=2.0, max_delay=60.0)

Submit = Callable[[dict[str, Any]], Awaitable[None]]


class StatePolling(BotPolling):
    """vkbottle's long poll, keeping its `ts` in `state_dir` (next to the database)."""

    def __init__(self, api: API, group_id: int, state_dir: Path) -> None:
        super().__init__(api, group_id=group_id, skip_old_events=False)
        self.state_dir = state_dir

    @property
    def ts_state_path(self) -> Path:
        return self.state_dir / f"vk_longpoll_{self.group_id}.json"


class VkLongPoll:
    def __init__(self, api: API, group_id: int, state_dir: Path, submit: Submit,
                 retry: RetryPolicy = LONG_POLL_RETRY) -> None:
        self.polling = StatePolling(api, group_id, state_dir)
        self.submit = submit
        self.retry = retry

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        """Until `stop`: the batch in hand is finished, the next one is not taken."""
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
                await self.handle_batch(event)
        finally:
            with contextlib.suppress(Exception):
                await events.aclose()

    async def handle_batch(self, event: dict[str, Any]) -> None:
        updates = [u for u in event.get("updates", []) if isinstance(u, dict)]
        # The whole batch is handled before its ts is saved (see the module's docstring).
        await asyncio.gather(*(self.submit(u) for u in updates), return_exceptions=True)
        if "ts" in event:
            await asyncio.to_thread(self.polling.save_server_ts, {"ts": event["ts"]})


async def _next(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return await anext(events)
    except StopAsyncIteration:
        return None
