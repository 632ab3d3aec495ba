"""The MAX receive loops on the fake: the long poll's marker (moved only past handled
updates, kept in the database, resumed after a restart) and the webhook (secret checked,
200 only once the update was handled)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.app import App, StoredState
from bot.delivery.retry import RetryPolicy
from bot.dialog.types import Incoming
from handlers.max import MaxTransport
from handlers.max_webhook import SECRET_HEADER, WebhookSettings
from tests.fake_max import FakeMax
from tests.max_helpers import max_transport

USER = 1001
FAST = RetryPolicy(first_delay=0.01, max_delay=0.02)


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax() as fake:
        yield fake


class FlakyCore:
    """The dialog, failing the first `failures` turns whose text is `text`."""

    def __init__(self, core: Any, text: str, failures: int) -> None:
        self.core, self.text, self.failures = core, text, failures
        self.seen: list[str] = []

    async def handle(self, incoming: Incoming, /) -> object:
        self.seen.append(incoming.text)
        if incoming.text == self.text and self.failures > 0:
            self.failures -= 1
            raise RuntimeError("database is locked")
        return await self.core.handle(incoming)


async def serving(transport: MaxTransport) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    transport.polling.retry = FAST
    transport.polling.timeout = 1
    task = asyncio.create_task(transport.serve(stop))
    await asyncio.wait_for(transport.ready.wait(), 5)
    return stop, task


async def stored_marker(app: App) -> str | None:
    return await StoredState(app.db, app.clock).load("max", "marker")


async def test_the_marker_moves_only_past_handled_updates_and_survives_a_restart(
        app: App, fake_max: FakeMax) -> None:
    transport = await max_transport(app, fake_max)
    flaky = FlakyCore(transport.core, "второе", failures=2)
    transport.core = flaky
    stop, task = await serving(transport)
    fake_max.message(USER, "первое")
    fake_max.message(USER, "второе")
    await fake_max.wait_for(lambda: flaky.seen.count("второе") >= 3)
    await app.courier.flush()
    await fake_max.wait_for(lambda: fake_max.pending_updates == [] or None, 5)
    # The batch came again after each failure, "первое" was ignored by the core's dedupe.
    assert flaky.seen.count("первое") == 3
    stop.set()
    await task
    await transport.close()
    marker = await stored_marker(app)
    assert marker is not None and int(marker) == 3

    fake_max.message(USER, "пока бот стоял")
    again = await max_transport(app, fake_max)
    seen = FlakyCore(again.core, "", failures=0)
    again.core = seen
    stop, task = await serving(again)
    await fake_max.wait_for(lambda: "пока бот стоял" in seen.seen)
    assert seen.seen == ["пока бот стоял"]  # resumed from the stored marker
    stop.set()
    await task
    await again.close()
    assert int(await stored_marker(app) or 0) == 4


async def test_a_poison_update_becomes_a_dead_letter(app: App, fake_max: FakeMax) -> None:
    transport = await max_transport(app, fake_max)
    transport.core = FlakyCore(transport.core, "яд", failures=100)
    stop, task = await serving(transport)
    fake_max.message(USER, "яд")
    fake_max.message(USER + 1, "соседний чат")
    await fake_max.wait_for(lambda: fake_max.pending_updates == [] or None, 10)
    stop.set()
    await task
    await transport.close()
    async with app.db.unit() as repos:
        assert await repos.dead_letters.count() == 1
    await app.courier.flush()
    assert fake_max.to_user(USER + 1)  # the other chat was answered meanwhile


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_subscribes_checks_the_secret_and_answers_after_handling(
        app: App, fake_max: FakeMax) -> None:
    port = free_port()
    hook = WebhookSettings(url=f"http://127.0.0.1:{port}/max/webhook", secret="s3cret-key_1",
                           port=port)
    transport = await max_transport(app, fake_max, start=False)
    transport.settings = type(transport.settings)(webhook=hook)
    await transport.start()
    app.courier.add_sender(transport.sender)
    flaky = FlakyCore(transport.core, "сбой", failures=1)
    transport.core = flaky
    [sub] = fake_max.subscriptions
    assert (sub.url, sub.secret) == (hook.url, hook.secret)
    stop = asyncio.Event()
    task = asyncio.create_task(transport.serve(stop))
    await asyncio.wait_for(transport.ready.wait(), 5)
    try:
        fake_max.message(USER, "/help")
        [delivery] = await fake_max.wait_delivered(1)
        assert delivery.ok
        await app.courier.flush()
        assert fake_max.to_user(USER)

        fake_max.message(USER, "сбой")
        await fake_max.wait_delivered(2)
        assert fake_max.deliveries[1].status == 500  # not handled: MAX sends it again
        [again] = await fake_max.redeliver()
        assert again.ok and flaky.seen.count("сбой") == 2

        async with aiohttp.ClientSession() as session:
            for headers in ({}, {SECRET_HEADER: "wrong-secret"}):
                async with session.post(hook.url, json=delivery.update,
                                        headers=headers) as response:
                    assert response.status == 401
    finally:
        stop.set()
        await task
        await transport.close()
