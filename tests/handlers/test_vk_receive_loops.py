"""VkTransport.serve: long poll (stop, graceful finish, ts kept across restarts) and the
Callback API (confirmation, secret, group, "ok")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import App, StoredState
from handlers.vk import VkTransport
from tests.fake_vk import FakeVk
from tests.vk_helpers import vk_transport


async def serving(transport: VkTransport) -> tuple[asyncio.Event, asyncio.Future[object]]:
    """The transport and the delivery, as the runner runs them."""
    stop = asyncio.Event()
    task = asyncio.gather(transport.serve(stop), transport.app.courier.run(stop))
    await asyncio.wait_for(transport.ready.wait(), 5)
    return stop, task


async def test_long_poll_receives_answers_and_stops_at_once(app: App, fake_vk: FakeVk) -> None:
    transport = await vk_transport(app, fake_vk)
    try:
        stop, task = await serving(transport)
        await asyncio.wait_for(fake_vk.polling.wait(), 5)
        fake_vk.message_new(501, "/start")
        menu = await fake_vk.wait_sent(501, "Чем могу помочь")
        fake_vk.press(501, menu, "Мои обращения")
        await fake_vk.wait_sent(501, "У вас пока нет обращений")
        assert len(fake_vk.event_answers) == 1
        stop.set()
        await asyncio.wait_for(task, 3)  # does not wait out the 25 s long-poll request
    finally:
        await transport.close()
    # the ts is kept in the database (every worker's), not in a file of this one's
    kept = await StoredState(app.db, app.clock).load("vk", f"longpoll_ts_{fake_vk.group_id}")
    assert kept is not None
    assert not (app.settings.database_path.parent / f"vk_longpoll_{fake_vk.group_id}.json").exists()


async def test_stop_finishes_the_update_in_flight(app: App, fake_vk: FakeVk) -> None:
    transport = await vk_transport(app, fake_vk)
    try:
        stop, task = await serving(transport)
        await asyncio.wait_for(fake_vk.polling.wait(), 5)
        fake_vk.delays["messages.send"] = 0.5
        fake_vk.entered["messages.send"] = asyncio.Event()
        fake_vk.message_new(501, "/help")
        await asyncio.wait_for(fake_vk.entered["messages.send"].wait(), 5)
        stop.set()  # while the reply is being sent
        await asyncio.wait_for(task, 5)
        assert fake_vk.to(501), "the reply in flight was dropped"
    finally:
        await transport.close()


async def test_events_that_came_while_stopped_are_fetched_after_a_restart(
        app: App, fake_vk: FakeVk, tmp_path: Path) -> None:
    first = await vk_transport(app, fake_vk)
    stop, task = await serving(first)
    await asyncio.wait_for(fake_vk.polling.wait(), 5)
    fake_vk.message_new(501, "/start")
    await fake_vk.wait_sent(501, "Чем могу помочь")
    stop.set()
    await task
    await first.close()

    fake_vk.message_new(501, "/help")  # the bot is down
    # started in another folder, as the worker taking the polling over from another one
    # is (several workers): the ts it resumes from is the one kept in the database
    (tmp_path / "other").mkdir()
    app.settings = app.settings.model_copy(
        update={"database_path": tmp_path / "other" / "elsewhere.sqlite3"})
    second = await vk_transport(app, fake_vk)
    assert second.settings.state_dir != first.settings.state_dir
    try:
        stop, task = await serving(second)
        await fake_vk.wait_sent(501, "/appeal")  # the help text lists the commands
        stop.set()
        await task
    finally:
        await second.close()
    assert len([m for m in fake_vk.to(501) if "Чем могу помочь" in m.text]) == 1


@pytest.fixture
async def callback(app: App, fake_vk: FakeVk) -> AsyncIterator[tuple[VkTransport, str]]:
    transport = await vk_transport(
        app, fake_vk, vk_callback_confirmation="c0nf1rm", vk_callback_secret=SecretStr("s3cret"),
        vk_callback_port=0, vk_callback_path="/vk/cb")
    stop, task = await serving(transport)
    yield transport, f"http://127.0.0.1:{transport.callback_port}/vk/cb"
    stop.set()
    await asyncio.wait_for(task, 5)
    await transport.close()


async def test_callback_api(callback: tuple[VkTransport, str], fake_vk: FakeVk) -> None:
    transport, url = callback
    assert transport.callback_mode
    async with aiohttp.ClientSession() as http:
        async def post(body: object) -> tuple[int, str]:
            async with http.post(url, json=body) as response:
                return response.status, await response.text()

        confirm = {"type": "confirmation", "group_id": fake_vk.group_id, "secret": "s3cret"}
        assert await post(confirm) == (200, "c0nf1rm")
        assert (await post({**confirm, "secret": "wrong"}))[0] == 403
        assert (await post({**confirm, "group_id": 1}))[0] == 403
        async with http.post(url, data=b"{not json") as response:
            assert response.status == 400

        update = fake_vk.message_new(501, "/start", inject=False)
        update["secret"] = "s3cret"
        assert await post(update) == (200, "ok")
        # "ok" comes after the event was handled (its replies committed to the outbox): a
        # crash before it makes VK resend it
        async with transport.app.db.unit() as repos:
            assert any("Чем могу помочь" in r.payload
                       for r in await repos.outbox.unsent_of_chat("vk", "501"))
        update = fake_vk.message_new(501, "/help", inject=False)
        assert (await post(update))[0] == 403  # no secret: refused, nothing handled
    assert not any("/appeal" in m.text for m in fake_vk.to(501))
    assert fake_vk.polling.is_set() is False  # no long poll in Callback API mode
