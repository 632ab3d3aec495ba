"""Several workers in polling mode (issue 16, item 2): the polling transport stores what it
polls in the inbox (bot/inbox.py) instead of handling it, and moves the platform's offset
only once the batch is stored; the workers handle it from there. Every platform, on the
fakes; a batch that could not be stored is fetched again, not lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from bot.app import App, StoredState
from bot.delivery.retry import RetryPolicy
from bot.inbox import Inbox
from handlers.max import MaxTransport
from handlers.telegram import TelegramTransport
from tests.fake_max import FakeMax
from tests.fake_telegram import FakeTelegram
from tests.fake_vk import FakeVk
from tests.max_helpers import max_transport
from tests.vk_helpers import vk_transport

FAST = RetryPolicy(first_delay=0.01, max_delay=0.02)


class FlakyInbox(Inbox):
    """The database refuses the first `failures` batches."""

    def __init__(self, app: App, failures: int = 0) -> None:
        super().__init__(app.db, app.clock, idle_s=0.02)
        self.failures = failures
        self.refused = 0

    async def put(self, platform: str, updates: Sequence[tuple[str, str]], /) -> None:
        if self.failures > 0:
            self.failures -= 1
            self.refused += 1
            raise ConnectionError("the database is away")
        await super().put(platform, updates)


class Counting:
    """A core that only counts: the polling side must not handle anything itself."""

    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, incoming: object, /) -> object:
        self.calls += 1
        return None


async def waiting(app: App) -> int:
    async with app.db.unit() as repos:
        return await repos.inbox.waiting()


async def until(check: Any, within: float = 10) -> None:
    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 (the database is polled)
            await asyncio.sleep(0.02)
    await asyncio.wait_for(poll(), within)


async def polled_then_taken(app: App, poller: Any, taker: Any, inbox: FlakyInbox,
                            put_messages: Any, answered: Any) -> None:
    """The poller stores two people's messages; nothing is answered until a worker takes
    them from the inbox; then each is answered."""
    real_core = poller.core
    poller.core = counting = Counting()
    poller.relay_to(inbox)
    stop = asyncio.Event()
    polling = asyncio.gather(poller.serve(stop), app.courier.run(stop))
    await put_messages()
    await until(lambda: _at_least(app, 2))
    await asyncio.sleep(0.2)
    assert counting.calls == 0, "the polling worker handled what it should only store"
    assert not await answered(), "answered before any worker took the updates"
    taker.core = real_core
    taking = asyncio.create_task(inbox.serve(poller.platform, taker.take, stop))
    await until(answered)
    await until(lambda: _none_waiting(app))
    stop.set()
    await asyncio.wait_for(asyncio.gather(polling, taking), 10)


async def _at_least(app: App, n: int) -> bool:
    return await waiting(app) >= n


async def _none_waiting(app: App) -> bool:
    return await waiting(app) == 0


async def test_telegram_polled_batches_are_stored_and_taken(
        app: App, tg: TelegramTransport, fake: FakeTelegram) -> None:
    tg.polling.retry = FAST
    inbox = FlakyInbox(app, failures=2)
    taker = tg  # the same process here: another worker's transport works the same way

    async def put() -> None:
        fake.message(501, 501, "/start")
        fake.message(502, 502, "/start")

    async def answered() -> bool:
        return all(any("Чем могу помочь" in t for t in fake.texts_to(c)) for c in (501, 502))

    await polled_then_taken(app, tg, taker, inbox, put, answered)
    assert inbox.refused == 2  # the batch came again until it was stored
    for chat in (501, 502):
        assert sum("Чем могу помочь" in t for t in fake.texts_to(chat)) == 1
    assert fake.confirmed_offset > 0


async def test_vk_polled_batches_are_stored_and_taken(app: App, fake_vk: FakeVk) -> None:
    transport = await vk_transport(app, fake_vk)
    inbox = FlakyInbox(app, failures=1)
    try:
        async def put() -> None:
            await asyncio.wait_for(fake_vk.polling.wait(), 5)  # what came before is not asked for
            fake_vk.message_new(501, "/start")
            fake_vk.message_new(502, "/start")

        async def answered() -> bool:
            return all(any("Чем могу помочь" in m.text for m in fake_vk.to(p))
                       for p in (501, 502))

        await polled_then_taken(app, transport, transport, inbox, put, answered)
    finally:
        await transport.close()
    assert inbox.refused == 1
    for peer in (501, 502):
        assert sum("Чем могу помочь" in m.text for m in fake_vk.to(peer)) == 1


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax() as fake:
        yield fake


async def test_max_polled_batches_are_stored_and_taken(app: App, fake_max: FakeMax) -> None:
    transport: MaxTransport = await max_transport(app, fake_max)
    transport.polling.retry = FAST
    transport.polling.timeout = 1
    inbox = FlakyInbox(app, failures=1)
    try:
        async def put() -> None:
            fake_max.message(1001, "/start")
            fake_max.message(1002, "/start")

        async def answered() -> bool:
            return all(any("Чем могу помочь" in (m.text or "") for m in fake_max.to_user(u))
                       for u in (1001, 1002))

        await polled_then_taken(app, transport, transport, inbox, put, answered)
    finally:
        await transport.close()
    assert inbox.refused == 1
    assert await StoredState(app.db, app.clock).load("max", "marker") is not None

