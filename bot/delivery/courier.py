"""The one delivery path: every message the bot sends (direct replies and outbox rows
alike) goes from the outbox through here to its platform's Sender.

- Rows are claimed a few per chat at a time and queued per chat: each chat has its own
  lane (a task), so one slow, hung or flooded chat never delays another; a chat's
  messages go in order.
- Pacing within the platform's limits: the token's overall rate (shared with the
  transport's own API reads through `sender.limiter`) and the per-chat interval (private
  chat / group), kept across lanes.
- Failures by class: transient and retry-after are retried with the one RetryPolicy for as
  long as the message matters (48 h by default), never a fixed small count; unauthorized
  pauses the whole platform and alerts; a permanent failure goes to the FailureHandler,
  which decides what becomes of the chat's rows (re-route, move, record).
- A row is marked sent in its own small transaction right after the platform accepted it;
  a crash before that sends it again (the documented duplicate window: what was in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from bot.clock import Clock
from bot.delivery.pacing import SystemTimer, Timer
from bot.delivery.ports import DeliveryObserver, Failure, Sender, SendError, Unobserved
from bot.delivery.retry import RetryPolicy
from bot.message import Message, decode
from storage.records import OutboxItem, OutboxKind
from storage.repositories import Repositories
from storage.store import Store

T = TypeVar("T")

log = logging.getLogger(__name__)


class FailureHandler(Protocol):
    """What the core decides when a message cannot be delivered (bot/appeals)."""

    async def unreachable(self, repos: Repositories, item: OutboxItem, error: SendError,
                          now: datetime) -> None:
        """The chat of `item` is gone or moved: settle every row still to go there."""
        ...

    async def given_up(self, repos: Repositories, item: OutboxItem, error: SendError,
                       now: datetime) -> None:
        """`item` alone failed for good (refused by the platform, or out of time)."""
        ...

    async def platform_paused(self, repos: Repositories, platform: str, error: SendError,
                              now: datetime) -> None: ...


@dataclass(eq=False)
class _Lane:
    platform: str
    chat_id: str
    rows: deque[OutboxItem] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


def _decoded(row: OutboxItem) -> Message:
    try:
        return decode(row.payload)
    except (ValueError, TypeError, KeyError) as exc:  # a row no codec can read
        raise SendError(f"unreadable payload: {exc!r}", Failure.REJECTED) from exc


class Courier:
    def __init__(self, db: Store, clock: Clock, handler: FailureHandler, *,
                 policy: RetryPolicy | None = None, timer: Timer | None = None,
                 per_chat: int = 20, claim_limit: int = 500, poll_interval: float = 0.5,
                 send_timeout: float = 60.0, observer: DeliveryObserver | None = None) -> None:
        self.db = db
        self.observer = observer or Unobserved()  # the metrics (bot/metrics.py)
        self.clock = clock
        self.handler = handler
        self.policy = policy or RetryPolicy()
        self.timer = timer or SystemTimer()
        self.per_chat = per_chat
        self.claim_limit = claim_limit
        self.poll_interval = poll_interval
        self.send_timeout = send_timeout
        self.senders: dict[str, Sender] = {}
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._chat_next: dict[tuple[str, str], float] = {}  # when a chat may get the next
        self._paused_until: dict[str, float] = {}
        self._auth_failures: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        # Sent rows waiting to be marked: one unit of work marks all that gathered while
        # the previous one wrote (see _sent).
        self._marks: list[tuple[OutboxItem, Message, str | None, datetime]] = []
        self._marking: asyncio.Task[None] | None = None

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def wake(self) -> None:
        """New rows were committed: claim them now rather than at the next poll."""
        self._wake.set()

    def paused(self, platform: str) -> bool:
        return self._paused_until.get(platform, 0.0) > self.timer.monotonic()

    # the loop

    async def recover(self) -> int:
        """After a crash: rows caught claimed or mid-send go out again."""
        async with self.db.unit() as repos:
            return await repos.outbox.requeue_interrupted()

    async def run(self, stop: asyncio.Event) -> None:
        await self.recover()
        self._stopping.clear()
        stopper = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    claimed = await self.claim()
                except Exception:
                    log.exception("claiming outbox rows failed")
                    claimed = 0
                if claimed >= self.claim_limit:
                    continue
                waker = asyncio.create_task(self._wake.wait())
                await asyncio.wait({waker, stopper}, timeout=self.poll_interval,
                                   return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
        finally:
            stopper.cancel()
            await self.stop()

    async def claim(self) -> int:
        """Take the due rows into their chats' lanes; returns how many."""
        platforms = [p for p in self.senders if not self.paused(p)]
        async with self.db.unit(short=True) as repos:
            rows = await repos.outbox.claim(platforms, self.clock.now(), self.per_chat,
                                            self.claim_limit)
        for row in rows:
            self._push(row)
        return len(rows)

    async def flush(self) -> None:
        """Deliver everything due now and return when every lane is idle (console, tests)."""
        while True:
            claimed = await self.claim()
            tasks = [lane.task for lane in self._lanes.values()
                     if lane.task is not None and not lane.task.done()]
            if not claimed and not tasks:
                if self._marking is None or self._marking.done():
                    return
                await self.marked()  # its chats' next rows wait for these marks
                continue
            if tasks:  # claim again meanwhile: alerts and re-routed cards to other chats
                await asyncio.wait(tasks, timeout=0.05)

    async def stop(self, grace: float = 10.0) -> None:
        """Lanes finish the call in flight; what is still queued goes back to pending."""
        self._stopping.set()
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.marked()
        left = [row.id for lane in self._lanes.values() for row in lane.rows]
        self._lanes.clear()
        if left:
            async with self.db.unit() as repos:
                await repos.outbox.release(left)

    def _push(self, row: OutboxItem) -> None:
        key = (row.platform, row.chat_id)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(row.platform, row.chat_id)
        lane.rows.append(row)
        if lane.task is None or lane.task.done():
            lane.task = asyncio.create_task(self._drive(lane), name=f"lane-{key}")

    # one chat

    async def _drive(self, lane: _Lane) -> None:
        sender = self.senders[lane.platform]
        failures = 0
        try:
            while lane.rows and not self._stopping.is_set():
                row = lane.rows[0]
                try:
                    message = _decoded(row)
                    message_id = await self._attempt(sender, lane, row, message)
                except SendError as error:
                    failures += 1
                    if await self._failed(sender, lane, row, error, failures):
                        failures = 0
                    continue
                except Exception:  # a bug must not kill the lane: log and retry the row
                    log.exception("delivering outbox row %s failed", row.id)
                    failures += 1
                    await self._failed(sender, lane, row, SendError("internal error"), failures)
                    continue
                failures = 0
                self._auth_failures.pop(lane.platform, None)
                lane.rows.popleft()
                await self._sent(row, message, message_id)
        finally:
            if not lane.rows and self._lanes.get((lane.platform, lane.chat_id)) is lane:
                del self._lanes[(lane.platform, lane.chat_id)]
                self.wake()  # the chat may have more rows waiting to be claimed

    async def _pace(self, sender: Sender, lane: _Lane) -> None:
        """Wait for the platform (paused?), the chat's interval, then the token's slot."""
        while self.paused(lane.platform):
            await self._nap(self._paused_until[lane.platform] - self.timer.monotonic())
        key = (lane.platform, lane.chat_id)
        await self._nap(self._chat_next.get(key, 0.0) - self.timer.monotonic())
        await sender.limiter.acquire()
        interval = (sender.limits.group_interval if sender.is_group(lane.chat_id)
                    else sender.limits.private_interval)
        self._chat_next[key] = self.timer.monotonic() + interval
        if len(self._chat_next) > 20_000:  # forget chats that may send at once anyway
            now = self.timer.monotonic()
            self._chat_next = {k: t for k, t in self._chat_next.items() if t > now}

    async def _attempt(self, sender: Sender, lane: _Lane, row: OutboxItem,
                       message: Message) -> str | None:
        if row.kind is not OutboxKind.CARD_EDIT:
            await self._pace(sender, lane)
            return await self._call(sender.send(row.chat_id, message, row.key))
        await self.marked()  # the card's own copies, just sent, are recorded first
        async with self.db.unit() as repos:
            copies = [mid for platform, chat, mid in
                      await repos.appeals.card_messages(row.appeal_id or 0)
                      if platform == row.platform and chat == row.chat_id]
        for message_id in copies:
            await self._pace(sender, lane)
            try:
                await self._call(sender.edit(row.chat_id, message_id, message))
            except SendError as exc:
                if exc.failure is not Failure.REJECTED:
                    raise
                log.info("card %s in %s not editable: %s", message_id, row.chat_id, exc)
        return None

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, self.send_timeout)
        except TimeoutError:
            raise SendError(f"no answer in {self.send_timeout:.0f} s") from None

    async def _sent(self, row: OutboxItem, message: Message, message_id: str | None) -> None:
        """Marked right after the platform took it, in a batch with every other row sent
        meanwhile: one unit of work for many lanes (the window in which a crash repeats a
        message is what is in flight, not a queue of marks)."""
        self._marks.append((row, message, message_id, self.clock.now()))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._write_marks(), name="outbox-marks")

    async def marked(self) -> None:
        """Wait until every sent row so far is marked."""
        while self._marking is not None and not self._marking.done():
            await asyncio.shield(self._marking)

    async def _write_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                async with self.db.unit(short=True) as repos:
                    for row, _, message_id, now in batch:  # one statement for them all
                        await repos.outbox.mark_sent(row.id, message_id, now)
                    for row, message, message_id, now in batch:
                        await self._keep_message_id(repos, row, message, message_id, now)
            except Exception:  # delivered; unmarked they go again after a restart
                log.exception("marking %d outbox rows sent failed", len(batch))
            self.wake()  # their chats' next rows may be claimed now

    @staticmethod
    async def _keep_message_id(repos: Repositories, row: OutboxItem, message: Message,
                               message_id: str | None, now: datetime) -> None:
        """What a sent row leaves beside its mark: the card's or notice's message id."""
        if not message_id:
            return
        card_of = message.card_of or (row.appeal_id if row.kind is OutboxKind.CARD else None)
        if card_of is not None:
            await repos.appeals.add_message(card_of, "card", row.platform, row.chat_id,
                                            now, message_id=message_id)
        elif row.appeal_id is not None and row.kind in (
                OutboxKind.CITIZEN, OutboxKind.REPLY, OutboxKind.FOLLOW_UP):
            # a reply to it finds the appeal: its message id is kept, not a second copy
            # of its text (the outbox row has it while sent rows are kept)
            await repos.appeals.add_message(row.appeal_id, "notice", row.platform,
                                            row.chat_id, now, message_id=message_id)

    async def _failed(self, sender: Sender, lane: _Lane, row: OutboxItem, error: SendError,
                      failures: int) -> bool:
        """Settle a failed attempt; True when the row left the lane."""
        now = self.clock.now()
        failure = error.failure
        self.observer.send_failed(row.platform, failure)
        if failure.permanent:
            log.warning("outbox row %s to %s:%s failed for good (%s): %s", row.id,
                        row.platform, row.chat_id, failure, error)
            async with self.db.unit() as repos:
                if failure is Failure.REJECTED:
                    await repos.outbox.mark_failed([row.id], failure, str(error), now)
                    await self.handler.given_up(repos, row, error, now)
                else:
                    await self.handler.unreachable(repos, row, error, now)
            if failure is Failure.REJECTED:
                lane.rows.popleft()
            else:  # the handler settled every row of the chat: claim afresh
                lane.rows.clear()
            self.wake()
            return True
        if self.policy.expired(row.created_at, now):
            log.error("outbox row %s to %s:%s given up after %s of trying: %s", row.id,
                      row.platform, row.chat_id, self.policy.keep_trying, error)
            async with self.db.unit() as repos:
                await repos.outbox.mark_failed([row.id], "expired", str(error), now)
                await self.handler.given_up(repos, row, error, now)
            lane.rows.popleft()
            return True
        async with self.db.unit() as repos:
            await repos.outbox.note_failure(row.id, failure, str(error), now)
            if failure is Failure.UNAUTHORIZED:
                count = self._auth_failures.get(row.platform, 0) + 1
                self._auth_failures[row.platform] = count
                self._paused_until[row.platform] = (self.timer.monotonic()
                                                    + self.policy.pause(count))
                if count == 1:
                    log.error("%s refuses the token (%s): sending paused, operators alerted",
                              row.platform, error)
                    await self.handler.platform_paused(repos, row.platform, error, now)
        if failure is Failure.RETRY_AFTER:
            delay = error.retry_after or 1.0
        elif failure is Failure.UNAUTHORIZED:
            delay = 0.0  # the pause holds it
        else:
            delay = self.policy.delay(failures)
        key = (lane.platform, lane.chat_id)
        self._chat_next[key] = max(self._chat_next.get(key, 0.0),
                                   self.timer.monotonic() + delay)
        if failure is not Failure.RETRY_AFTER:
            log.info("outbox row %s to %s:%s failed (%s), again in %.1f s: %s", row.id,
                     row.platform, row.chat_id, failure, delay, error)
        return False

    async def _nap(self, seconds: float) -> None:
        """Sleep, but wake up when the delivery stops."""
        if seconds <= 0:
            return
        if self._stopping.is_set():
            raise asyncio.CancelledError
        sleeper = asyncio.ensure_future(self.timer.sleep(seconds))
        stopper = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._stopping.is_set():
            raise asyncio.CancelledError
