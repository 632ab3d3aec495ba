"""Issue 12, item 17: a platform unreachable at start is started again with backoff, and
one platform's outage never takes the other down. The real bot process runs Telegram and VK
against the fakes; one of them is down (connection refused, or 5xx) when it starts."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.delivery.retry import RetryPolicy
from bot.runner import keep_serving
from tests.bot_process import BotProcess
from tests.fake_telegram import FakeBotApiServer, FakeTelegram
from tests.fake_vk import FakeVk

TG_TOKEN = "123:TEST"
VK_CITIZEN = 501
TG_CITIZEN = 1001


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def vk() -> AsyncIterator[FakeVk]:
    fake = FakeVk()
    await fake.start()
    yield fake
    await fake.close()


class BothBot(BotProcess):
    def __init__(self, tmp: Path, vk: FakeVk, telegram_url: str) -> None:
        super().__init__(tmp, VK_GROUP_TOKEN=vk.token, VK_API_URL=vk.base_url,
                         TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_URL=telegram_url,
                         TELEGRAM_POLL_TIMEOUT="1")


async def vk_answers(vk: FakeVk, bot: BotProcess) -> None:
    try:  # long polling (an event injected before would be behind its first ts)
        await vk.wait_for(lambda: vk.lp_requests, 30)
    except TimeoutError:
        raise AssertionError(bot.log()) from None
    before = len([m for m in vk.to(VK_CITIZEN) if "Чем могу помочь" in m.text])
    vk.message_new(VK_CITIZEN, "/start")
    try:
        await vk.wait_sent(VK_CITIZEN, "Чем могу помочь", count=before + 1, within=30)
    except AssertionError:
        raise AssertionError(bot.log()) from None


async def telegram_answers(fake: FakeTelegram, bot: BotProcess) -> None:
    before = len(fake.to(TG_CITIZEN))
    fake.message(TG_CITIZEN, TG_CITIZEN, "/start")
    try:
        await fake.wait_message(TG_CITIZEN, "Чем могу помочь", after=before, wait=30)
    except AssertionError:
        raise AssertionError(bot.log()) from None


async def test_vk_serves_while_telegram_refuses_connections_then_telegram_starts(
        vk: FakeVk, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there yet: every connection is refused
    telegram = FakeBotApiServer(FakeTelegram(), TG_TOKEN)
    bot = BothBot(tmp_path, vk, f"http://127.0.0.1:{port}")
    try:
        await bot.spawn()
        await vk_answers(vk, bot)
        await bot._poll(lambda: "telegram: start failed" in bot.log(), "no retry logged")
        assert bot.proc is not None and bot.proc.returncode is None  # still running

        await telegram.start(port)  # Telegram is back
        fake = telegram.fake
        await fake.wait_until(lambda: fake.calls_of("getUpdates"), 60)
        assert fake.calls_of("getMe") and fake.calls_of("deleteWebhook")
        await telegram_answers(fake, bot)
        await vk_answers(vk, bot)  # and VK never stopped
        assert await bot.terminate() == 0, bot.log()
        log = bot.log()
        assert "Traceback" not in log, log
        assert TG_TOKEN.split(":")[1] not in log and vk.token not in log
    finally:
        bot.cleanup()
        await telegram.stop()


async def test_both_answer_5xx_at_start_each_serves_as_soon_as_it_recovers(
        tmp_path: Path) -> None:
    # each fake on a clock of its own: its outage ends when the test moves it on
    tg_clock, vk_clock = [0.0], [0.0]
    telegram = FakeBotApiServer(FakeTelegram(now=lambda: tg_clock[0]), TG_TOKEN)
    await telegram.start()
    vk = FakeVk(now=lambda: vk_clock[0])
    await vk.start()
    fake = telegram.fake
    fake.fail_window(1.0, code=502, description="Bad Gateway", methods=["getMe"])
    vk.http_error_window(1.0, status=502, methods=["groups.getById"])
    bot = BothBot(tmp_path, vk, telegram.url)
    try:
        await bot.spawn()
        await bot._poll(lambda: "vk: start failed" in bot.log()
                        and "telegram: start failed" in bot.log(), "no retries logged")
        tg_clock[0] = 10.0  # Telegram recovers and serves while VK is still down
        await telegram_answers(fake, bot)
        assert vk.lp_requests == 0
        vk_clock[0] = 10.0  # then VK
        await vk_answers(vk, bot)
        await telegram_answers(fake, bot)
        assert [m for m, _ in vk.calls].count("groups.getById") >= 2
        assert await bot.terminate() == 0, bot.log()
        log = bot.log()
        assert "Traceback" not in log, log
        assert TG_TOKEN.split(":")[1] not in log and vk.token not in log
    finally:
        bot.cleanup()
        await telegram.stop()
        await vk.close()


class _Flaky:
    """A transport whose start fails `start_failures` times and whose first serve fails."""

    platform = "flaky"

    def __init__(self, start_failures: int) -> None:
        self.start_failures = start_failures
        self.starts = 0
        self.serves = 0
        self.serving = asyncio.Event()

    @property
    def sender(self):  # type: ignore[no-untyped-def]
        from tests.chat import RecordingSender

        return RecordingSender().for_platform("flaky")

    async def start(self) -> None:
        self.starts += 1
        if self.starts <= self.start_failures:
            raise ConnectionRefusedError(111, "Connect call failed")

    async def serve(self, stop: asyncio.Event) -> None:
        self.serves += 1
        if self.serves == 1:
            raise OSError(98, "Address already in use")
        self.serving.set()
        await stop.wait()

    async def close(self) -> None:
        return None


async def test_keep_serving_retries_start_and_a_failed_serve_and_stops_at_once(app: App) -> None:
    fast = RetryPolicy(first_delay=0.01, max_delay=0.05)
    flaky = _Flaky(start_failures=3)
    stop = asyncio.Event()
    task = asyncio.create_task(keep_serving(app, flaky, stop, fast))  # type: ignore[arg-type]
    await asyncio.wait_for(flaky.serving.wait(), 5)
    assert (flaky.starts, flaky.serves) == (5, 2)  # 3 failed starts, a serve that failed
    assert "flaky" in app.senders
    stop.set()
    await asyncio.wait_for(task, 1)

    # stopping while it waits to start again: at once, not after the backoff
    never = _Flaky(start_failures=10**6)
    stop = asyncio.Event()
    task = asyncio.create_task(keep_serving(app, never, stop,  # type: ignore[arg-type]
                                            RetryPolicy(first_delay=60.0, max_delay=60.0)))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert never.starts == 1 and never.serves == 0
