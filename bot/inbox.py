"""Updates polled by one worker, handled by all (issue 16: several workers in polling mode).

A platform allows one poller per token (Telegram answers a second getUpdates with 409),
so with several workers the worker holding the lease (bot/leadership.py) polls, and
instead of handling a batch it stores it here (`put`, the transports' Relay) before the
platform is told the batch arrived; a batch that cannot be stored is fetched again.
Every worker takes from here (`serve`, one loop per platform): due rows, oldest first,
one chat's in order (storage/inbox_repo.py holds a chat's later rows back while an earlier
one is held). A handled row is deleted; a failed one comes back after a pause, the
chat's later rows behind it. A worker that dies holds its rows HOLD_S at most; they are
then taken again, and the dedupe table makes a second handling harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.delivery.retry import RetryPolicy
from bot.logs import brief
from bot.stopping import pause_unless_stopped
from storage.inbox_repo import InboxRow
from storage.store import Store

log = logging.getLogger(__name__)

HOLD_S = 30.0  # how long a worker holds the rows it took (then they are taken again)
IDLE_S = 0.2  # between looks at an empty inbox (the worker that polls wakes its own at once)
CLAIM = 200  # rows taken at a time
FAILED_RETRY = RetryPolicy(first_delay=1.0, max_delay=60.0)  # a row that failed, by its tries
CLAIM_RETRY = RetryPolicy(first_delay=1.0, max_delay=30.0)  # the inbox cannot be read

Take = Callable[[dict[str, Any]], Awaitable[bool]]  # False: failed, to come again


class Inbox:
    def __init__(self, db: Store, clock: Clock, *, hold_s: float = HOLD_S,
                 idle_s: float = IDLE_S, claim: int = CLAIM) -> None:
        self.db = db
        self.clock = clock
        self.hold = timedelta(seconds=hold_s)
        self.idle_s = idle_s
        self.claim = claim
        self._wake: dict[str, asyncio.Event] = {}  # a platform's: rows were put
        self.taken = 0  # rows this worker handled (tests, logs)

    async def put(self, platform: str, updates: Sequence[tuple[str, str]], /) -> None:
        """Store a polled batch, (chat key, raw JSON) each in the order polled; raises when
        it cannot be stored (the poller fetches the batch again)."""
        if not updates:
            return
        async with self.db.unit() as repos:
            repos.inbox.add(platform, updates, self.clock.now())
        self._woken(platform).set()

    def _woken(self, platform: str) -> asyncio.Event:
        return self._wake.setdefault(platform, asyncio.Event())

    async def serve(self, platform: str, take: Take, stop: asyncio.Event) -> None:
        """Take the platform's updates until `stop`; the rows in hand are finished first."""
        failures = 0
        while not stop.is_set():
            self._woken(platform).clear()
            now = self.clock.now()
            try:
                async with self.db.unit() as repos:
                    rows = await repos.inbox.claim(platform, now, now + self.hold, self.claim)
            except Exception as exc:
                failures += 1
                delay = CLAIM_RETRY.delay(failures)
                log.warning("inbox %s: cannot take updates (%s); again in %.0f s", platform,
                            brief(exc), delay)
                await pause_unless_stopped(stop, delay)
                continue
            failures = 0
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(self._woken(platform), stop), self.idle_s)
                continue
            await self._settle(platform, *await self._handle(rows, take))

    async def _handle(self, rows: list[InboxRow], take: Take
                      ) -> tuple[list[int], list[InboxRow], list[int]]:
        """(handled, failed, not reached): each chat's rows in order, chats side by side;
        a chat stops at its first failure (its later rows wait behind it)."""
        by_chat: dict[str, list[InboxRow]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_key, []).append(row)
        done: list[int] = []
        failed: list[InboxRow] = []
        behind: list[int] = []

        async def one_chat(chat: list[InboxRow]) -> None:
            for n, row in enumerate(chat):
                if await _take(take, row):
                    done.append(row.id)
                    continue
                failed.append(row)
                behind.extend(r.id for r in chat[n + 1:])
                return

        await asyncio.gather(*(one_chat(chat) for chat in by_chat.values()))
        self.taken += len(done)
        return done, failed, behind

    async def _settle(self, platform: str, done: list[int], failed: list[InboxRow],
                      behind: list[int]) -> None:
        """Handled rows deleted, failed ones due again after a pause. If this cannot be
        written the rows are held until HOLD_S and then taken again (dedupe covers it)."""
        now = self.clock.now()
        try:
            async with self.db.unit() as repos:
                repos.inbox.done(done)
                for row in failed:  # the database keeps whole seconds: rounded up
                    pause = math.ceil(FAILED_RETRY.delay(row.tries))
                    repos.inbox.again_at([row.id], now + timedelta(seconds=pause))
                repos.inbox.again_at(behind, now)
        except Exception as exc:
            log.warning("inbox %s: %s handled update(s) not marked (%s); taken again later",
                        platform, len(done), brief(exc))
        if failed:
            log.warning("inbox %s: %s update(s) failed; they come again", platform, len(failed))


async def _take(take: Take, row: InboxRow) -> bool:
    try:
        update = json.loads(row.payload)
    except ValueError:  # stored by the poller from JSON: never expected
        log.error("inbox row %s is not JSON; dropped", row.id)
        return True
    try:
        return await take(update)
    except Exception as exc:  # the transports log their own failures; this is a bug's
        log.error("inbox row %s failed (%s)", row.id, type(exc).__name__)
        return False


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
