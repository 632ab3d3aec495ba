"""MAX webhook mode: MAX drops the subscription (8 hours of failed deliveries) and tells no
one. The watch notices at the next check, subscribes again, alerts the operators once per
drop, and /readyz fails while the subscription is missing. A check that fails itself
never stops the transport. Also the command menu set at start (PATCH /me/commands)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from maxapi.enums.http_method import HTTPMethod
from maxapi.types.command import BotCommand

from bot import texts
from bot.app import App
from bot.appeals.staff_power import grant_role
from bot.health import HealthServer
from bot.runner import readiness_for
from handlers import max_subscription
from handlers.max import MaxSettings, MaxTransport
from handlers.max_commands import menu, set_commands
from handlers.max_webhook import WebhookSettings
from tests.fake_max import FakeMax
from tests.max_helpers import max_transport

OPERATOR = 5001  # a ministry operator in MAX
CHECK_S = 0.1  # the check interval in these tests
ALERT = "отписал бота от вебхука"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax() as fake:
        yield fake


async def webhook_transport(app: App, fake: FakeMax, check_s: float = CHECK_S) -> MaxTransport:
    port = free_port()
    hook = WebhookSettings(url=f"http://127.0.0.1:{port}/max/webhook", secret="s3cret-key_1",
                           port=port)
    transport = await max_transport(app, fake, start=False)
    transport.settings = MaxSettings(webhook=hook, subscription_check_s=check_s)
    await transport.start()
    app.courier.add_sender(transport.sender)
    return transport


@pytest.fixture
async def operator(app: App) -> int:
    async with app.db.unit() as repos:
        await grant_role(repos, platform="max", user_id=str(OPERATOR), chat_id=str(OPERATOR),
                         role="operator", institution_id=None, now=app.clock.now())
    return OPERATOR


@pytest.fixture
async def served(app: App, fake_max: FakeMax,
                 operator: int) -> AsyncIterator[tuple[MaxTransport, str]]:
    """The MAX transport serving its webhook, and the base URL of /readyz's server."""
    transport = await webhook_transport(app, fake_max)
    stop = asyncio.Event()
    task = asyncio.create_task(transport.serve(stop))
    await asyncio.wait_for(transport.ready.wait(), 5)
    async with HealthServer(readiness_for(app, [transport])) as health:
        yield transport, f"http://127.0.0.1:{health.port}"
    stop.set()
    await task
    assert task.exception() is None
    await transport.close()


async def readyz(base: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        return response.status, await response.json()


async def alerts(app: App, fake: FakeMax) -> int:
    await app.courier.flush()
    return len([m for m in fake.to_user(OPERATOR) if ALERT in (m.text or "")])


def ours(fake: FakeMax, transport: MaxTransport) -> bool:
    hook = transport.settings.webhook
    return hook is not None and any(s.url == hook.url and s.secret == hook.secret
                                    for s in fake.subscriptions)


async def test_a_dropped_subscription_is_renewed_within_one_check(
        app: App, fake_max: FakeMax, served: tuple[MaxTransport, str], caplog) -> None:
    transport, base = served
    assert await readyz(base) == (200, {"ready": True, "checks": [
        "database", "migrations", "outbox", "max_webhook"]})
    caplog.set_level(logging.INFO)
    fake_max.drop_subscriptions()
    dropped = time.monotonic()
    await fake_max.wait_for(lambda: ours(fake_max, transport), within=5)
    assert time.monotonic() - dropped < CHECK_S + 0.5  # one interval, and a margin
    [sub] = fake_max.subscriptions
    assert sorted(sub.update_types or []) == sorted(fake_max.calls_to(
        "POST", "/subscriptions")[0].body["update_types"])  # as at start
    assert "MAX dropped the webhook subscription" in caplog.text
    assert await alerts(app, fake_max) == 1
    assert (await readyz(base))[0] == 200

    fake_max.drop_subscriptions()  # a second drop is a second alert
    await fake_max.wait_for(lambda: ours(fake_max, transport), within=5)
    assert await alerts(app, fake_max) == 2
    assert transport.subscription is not None and transport.subscription.drops == 2


async def test_readyz_fails_while_dropped_and_operators_hear_once(
        app: App, fake_max: FakeMax, served: tuple[MaxTransport, str]) -> None:
    transport, base = served
    watch = transport.subscription
    assert watch is not None
    fake_max.fail_window(4, 503, methods=["POST /subscriptions"])  # renewing fails a while
    fake_max.drop_subscriptions()
    await fake_max.wait_for(lambda: watch.present is False, within=5)
    status, body = await readyz(base)
    assert status == 503 and list(body["failing"]) == ["max_webhook"]
    assert "dropped" in body["failing"]["max_webhook"]

    await fake_max.wait_for(lambda: ours(fake_max, transport), within=5)
    assert [m for m, _ in fake_max.failed].count("POST /subscriptions") == 4
    assert await readyz(base) == (200, {"ready": True, "checks": [
        "database", "migrations", "outbox", "max_webhook"]})
    assert await alerts(app, fake_max) == 1  # five checks saw it missing: one alert


async def test_a_failing_check_is_logged_and_retried_never_a_crash(
        app: App, fake_max: FakeMax, served: tuple[MaxTransport, str], caplog,
        monkeypatch) -> None:
    transport, base = served
    monkeypatch.setattr(max_subscription, "CHECK_WITHIN_S", 0.2)
    fake_max.fail_window(3, 503, methods=["GET /subscriptions"])
    await fake_max.wait_for(lambda: len(fake_max.failed) == 3, within=5)
    assert "GET /subscriptions failed" in caplog.text
    fake_max.hang(None, methods=["GET /subscriptions"])  # a check that times out
    await fake_max.wait_for(lambda: fake_max.hanging, within=5)
    await asyncio.sleep(0.5)
    fake_max.unhang()
    assert caplog.text.count("GET /subscriptions failed") >= 4  # the 503s and a timeout
    checks = len(fake_max.calls_to("GET", "/subscriptions"))
    await fake_max.wait_for(
        lambda: len([c for c in fake_max.calls_to("GET", "/subscriptions")
                     if c.status == 200]) >= 2 and
        len(fake_max.calls_to("GET", "/subscriptions")) > checks, within=5)
    assert ours(fake_max, transport)
    assert len(fake_max.calls_to("POST", "/subscriptions")) == 1  # only the start's
    assert (await readyz(base))[0] == 200
    assert await alerts(app, fake_max) == 0


async def test_long_polling_has_no_subscription_check(app: App, fake_max: FakeMax) -> None:
    transport = await max_transport(app, fake_max)
    assert transport.subscription is None and transport.readiness_checks() == {}
    assert "max_webhook" not in readiness_for(app, [transport]).names
    await transport.close()


# ---- the command menu -------------------------------------------------------------------

async def test_the_citizens_menu_is_set_at_start(app: App, fake_max: FakeMax) -> None:
    transport = await max_transport(app, fake_max)
    [call] = fake_max.calls_to("PATCH", "/me/commands")
    assert call.status == 200
    expected = [{"name": n, "description": d} for n, d in texts.MAX_CITIZEN_COMMANDS.items()]
    assert fake_max.commands == expected
    assert texts.MAX_CITIZEN_COMMANDS == texts.TELEGRAM_CITIZEN_COMMANDS
    me = await transport.sender.call(HTTPMethod.GET, "/me")
    assert me["commands"] == expected
    await transport.close()


async def test_a_menu_max_refuses_is_logged_and_the_start_goes_on(
        app: App, fake_max: FakeMax, caplog) -> None:
    fake_max.fail_window(1, 400, code="proto.payload", methods=["PATCH /me/commands"])
    transport = await max_transport(app, fake_max)  # started all the same
    assert "command menu is not set" in caplog.text
    assert fake_max.commands is None

    too_long = {"start": "д" * 129}
    assert not await set_commands(transport.sender, too_long)
    assert fake_max.calls_to("PATCH", "/me/commands")[-1].status == 400
    assert await set_commands(transport.sender, {"start": "д" * 128})
    assert fake_max.commands == menu({"start": "д" * 128})
    await transport.close()


async def test_the_fake_refuses_what_max_refuses_in_a_menu(fake_max: FakeMax) -> None:
    headers = {"Authorization": fake_max.token}
    refused = [
        [{"name": f"c{i}", "description": "x"} for i in range(33)],  # over 32 commands
        [{"name": "n" * 65, "description": "x"}],  # a name over 64
        [{"name": "", "description": "x"}],
        [{"name": "ok", "description": "x" * 129}],  # a description over 128
        [{"name": "ok", "description": ""}],
    ]
    async with aiohttp.ClientSession() as session:
        for commands in refused:
            for path in ("/me/commands", "/me"):
                async with session.patch(f"{fake_max.base_url}{path}", headers=headers,
                                         json={"commands": commands}) as response:
                    assert response.status == 400, (path, commands[:1])
                    assert (await response.json())["code"] == "proto.payload"
        async with session.patch(f"{fake_max.base_url}/me", headers=headers,
                                 json={"commands": [{"name": "help"}]}) as response:
            assert response.status == 200
            assert (await response.json())["commands"] == [{"name": "help",
                                                            "description": None}]


async def test_maxapi_sets_the_menu_on_the_fake(fake_max: FakeMax) -> None:
    from handlers.max import make_bot

    bot = make_bot(fake_max.token, fake_max.base_url)
    try:
        result = await bot.set_commands(BotCommand(name="faq", description="Задать вопрос"))
        assert [(c.name, c.description) for c in result.commands or []] == [
            ("faq", "Задать вопрос")]
    finally:
        await bot.close_session()
