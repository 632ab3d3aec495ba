"""Shared fixtures: the application's own wiring on a temporary database, a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.app import App, build_app, telegram_transport
from bot.clock import FixedClock
from bot.config import PROJECT_ROOT, Settings
from faq import FaqMatcher
from handlers.telegram import TelegramTransport
from handlers.vk import VkTransport
from tests.chat import Chat, RecordingSender, unpaced, with_app
from tests.fake_telegram import FakeTelegram, recording_session
from tests.fake_vk import FakeVk
from tests.faq_helpers import SEED
from tests.pg import PgServer

DEMO_CSV = PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv"
KOTELNICH = "kir-crb-kotelnich"
SLOBODSKOY = "kir-crb-slobodskoy"


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    return PgServer()


@pytest.fixture
def backend() -> str:
    """The database the app's tests run on; suites that run on both parametrise it
    (tests/bot/dialog/conftest.py)."""
    return "sqlite"


@pytest.fixture
async def database_url(backend: str, pg_server: PgServer) -> AsyncIterator[str | None]:
    """None on SQLite: DATABASE_PATH names the file (a test may copy the settings with
    another `database_path`); a fresh PostgreSQL database otherwise."""
    if backend == "sqlite":
        yield None
        return
    url = await pg_server.create()
    yield url
    await pg_server.drop(url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=tmp_path / "medfront.sqlite3",
        database_url=database_url,
        faq_path=tmp_path / "faq.yaml",
        directory_csv=DEMO_CSV,
        default_timezone="Europe/Kirov",
        # Flows about other things answer from private inboxes in one step; the answer
        # confirmation (always in groups, by default in private) has tests of its own.
        confirm_answers_in_private=False,
        # The clock stands still in these tests: every message of a long flow falls in one
        # minute. The abuse limits have tests of their own (tests/bot/dialog/test_flood_limits_and_bans.py).
        flood_messages_per_minute=0,
        appeals_per_day=0,
    )


@pytest.fixture
def clock() -> FixedClock:
    # Monday 23 November 2026, 09:00 in Kirov (UTC+3).
    return FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[App]:
    application = await build_app(settings, clock)
    yield application
    await application.close()


@pytest.fixture
def sender(app: App) -> RecordingSender:
    """Records what the bot sends to other chats, for every platform used in tests."""
    recorder = RecordingSender()
    for platform in ("telegram", "vk"):
        app.senders[platform] = recorder.for_platform(platform)
    return recorder


@pytest.fixture
def citizen(app: App, sender: RecordingSender) -> Chat:
    return Chat(app, sender, "telegram", user_id="1001", name="Иван Петров")


@pytest.fixture
async def admin(app: App, sender: RecordingSender) -> Chat:
    """The admin of Kotelnich CRB, who accepted an invite in a private Telegram chat."""
    chat = Chat(app, sender, "telegram", user_id="2001", name="Админ Котельнич")
    await chat.accept_invite("admin", KOTELNICH)
    return chat


@pytest.fixture
async def fake_vk() -> AsyncIterator[FakeVk]:
    """A fake VK API and long-poll server on 127.0.0.1."""
    server = FakeVk()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def vk(app: App, fake_vk: FakeVk) -> AsyncIterator[VkTransport]:
    """The VK transport of `app`, talking to `fake_vk`."""
    from tests.vk_helpers import vk_transport

    transport = await vk_transport(app, fake_vk)
    yield transport
    await transport.close()


@pytest.fixture(scope="session")
def matcher() -> FaqMatcher:
    """The matcher on the seed FAQ, built once for all FAQ tests."""
    return FaqMatcher.from_yaml(SEED)


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def tg(app: App, fake: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    bot = Bot("123:TEST", session=recording_session(fake),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    transport = with_app(telegram_transport(app, bot=bot), app)
    unpaced(transport.sender)
    app.senders["telegram"] = transport.sender
    yield transport
    await transport.close()
