"""The composition root: build_app() wires the core, storage and the delivery together;
telegram_transport(), vk_transport(), max_transport() and console_chat() give each
transport what it needs of them (the only code of bot/ that imports handlers/, lazily: the core stays
light); web_console() gives the web console (bot/web) its services."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.appeals.deadlines import DeadlineClock
from bot.appeals.digests import DigestService
from bot.appeals.operator_alerts import OperatorAlerts
from bot.appeals.region_rules import RegionalDeadlines
from bot.appeals.reminders import ReminderService
from bot.appeals.service import AppealService
from bot.appeals.staff_power import grant_role
from bot.appeals.undeliverable import DeliveryOutcomes
from bot.clock import Clock, SystemClock
from bot.config import PROJECT_ROOT, Settings
from bot.dead_letters import DeadLetterStore
from bot.delivery.courier import Courier
from bot.delivery.ports import Sender
from bot.delivery.retry import RetryPolicy
from bot.dialog.dialog import Dialog
from bot.dialog.flood import AbuseLimits
from bot.dialog.observed import ObservedDialog
from bot.directory_holder import DirectoryHolder
from bot.directory_import import bootstrap_directory
from bot.metrics import Metrics
from bot.staff_roles import StaffRoles
from faq import FaqLimits, ReloadingFaq
from faq.ranker import Ranker, RankerUnavailable, make_ranker
from storage.store import Store, open_store

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.web.app import WebServer
    from handlers.console import ConsoleChat
    from handlers.max import MaxTransport
    from handlers.telegram import TelegramTransport
    from handlers.vk import VkTransport

log = logging.getLogger(__name__)

SEED_FAQ = PROJECT_ROOT / "faq" / "data" / "faq.yaml"


@dataclass
class App:
    settings: Settings
    db: Store
    clock: Clock
    directory: DirectoryHolder
    faq: ReloadingFaq
    appeals: AppealService
    dialog: Dialog
    deadlines: DeadlineClock
    reminders: ReminderService
    digests: DigestService
    courier: Courier
    # This app's metrics and their registry (GET /metrics; bot/metrics.py).
    metrics: Metrics
    # The Telegram transport's Bot, once made: MAX fetches Telegram's photos through it too.
    telegram_bot: Bot | None = None

    @property
    def senders(self) -> dict[str, Sender]:
        """The delivery's sender per platform (a transport adds its own at start)."""
        return self.courier.senders

    async def close(self) -> None:
        await self.db.close()


def ensure_faq_file(path: Path) -> None:
    """First start: the region's editable FAQ file begins as a copy of the seed."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SEED_FAQ, path)


def faq_limits(settings: Settings) -> FaqLimits:
    return FaqLimits(max_entries=settings.faq_max_entries,
                     max_answer_chars=settings.faq_max_answer_chars)


def faq_ranker(settings: Settings) -> Ranker | None:
    """FAQ_RANKER's model, or None (also when it cannot run here: the matcher answers alone)."""
    try:
        return make_ranker(settings.faq_ranker)
    except RankerUnavailable as exc:
        log.warning("FAQ_RANKER=%s is not available, the FAQ matcher answers alone: %s",
                    settings.faq_ranker, exc)
        return None


async def bootstrap_operators(db: Store, settings: Settings, clock: Clock) -> None:
    """Ministry operators named in the settings get the role (private chat id = user id)."""
    now = clock.now()
    async with db.unit() as repos:
        for platform, ids in (("telegram", settings.operators_telegram),
                              ("vk", settings.operators_vk),
                              ("max", settings.operators_max)):
            for user_id in ids:
                await grant_role(repos, platform=platform, user_id=user_id, chat_id=user_id,
                                 role="operator", institution_id=None, now=now)


async def build_app(settings: Settings, clock: Clock | None = None) -> App:
    clock = clock or SystemClock()
    # Policy and calendar first: a wrong file stops the start before anything is touched.
    regional = RegionalDeadlines.load(settings.regions_path, settings.policy_path,
                                      settings.calendar_path)
    deadlines = regional.base
    db = await open_store(settings.database)
    try:
        loaded = await bootstrap_directory(db, settings, clock)
        if loaded is not None:
            log.info("directory loaded on first start: %s institutions, %s errors",
                     loaded.counts.added if loaded.counts else 0, len(loaded.plan.report.errors))
        await bootstrap_operators(db, settings, clock)
        directory = DirectoryHolder()
        await directory.refresh(db)
        ensure_faq_file(settings.faq_path)
        # Parsing and indexing the FAQ takes a while for a big file: off the event loop.
        faq = await asyncio.to_thread(ReloadingFaq, settings.faq_path,
                                      limits=faq_limits(settings),
                                      ranker=await asyncio.to_thread(faq_ranker, settings))
    except BaseException:
        await db.close()
        raise
    metrics = Metrics()
    appeals = AppealService(regional, settings.default_timezone, observer=metrics)
    outcomes = DeliveryOutcomes(appeals)
    courier = Courier(db, clock, outcomes, poll_interval=settings.outbox_poll_interval,
                      policy=RetryPolicy(keep_trying=timedelta(
                          hours=settings.delivery_keep_trying_hours)), observer=metrics)
    dialog = ObservedDialog(db, directory, faq, appeals, clock, outcomes, notify=courier.wake,
                            confirm_answers_in_private=settings.confirm_answers_in_private,
                            limits=AbuseLimits(settings.flood_messages_per_minute,
                                               settings.appeals_per_day), observer=metrics)
    return App(settings, db, clock, directory, faq, appeals, dialog, deadlines,
               ReminderService(db, clock, appeals), DigestService(db, clock, appeals), courier,
               metrics)


# The transports: each gets the core's one entry (the dialog), its own sender and settings,
# and the few narrow ports it needs (handlers/ports.py), never the App.


def telegram_bot(app: App) -> Bot | None:
    """The one Telegram Bot of the app (made on first need), None without a token."""
    from handlers.telegram import make_bot

    token = app.settings.telegram_bot_token
    if app.telegram_bot is None and token is not None:
        app.telegram_bot = make_bot(token.get_secret_value(), app.settings.telegram_api_url)
    return app.telegram_bot


def telegram_transport(app: App, bot: Bot | None = None) -> TelegramTransport:
    from handlers.telegram import TelegramSettings, TelegramTransport
    from handlers.telegram_sender import TelegramSender

    settings = app.settings
    if bot is None:
        bot = telegram_bot(app)
        if bot is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    app.telegram_bot = bot
    secret = settings.telegram_webhook_secret
    own = TelegramSettings(
        poll_timeout=settings.telegram_poll_timeout,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=secret.get_secret_value() if secret is not None else None,
        webhook_host=settings.telegram_webhook_host,
        webhook_port=settings.telegram_webhook_port,
        webhook_path=settings.telegram_webhook_path)
    sender = TelegramSender(bot, per_second=settings.telegram_messages_per_second)
    return TelegramTransport(app.dialog, sender, own,
                             menus=StaffRoles(app.db, app.directory, app.clock),
                             dead_letters=DeadLetterStore(app.db, app.clock))


def vk_transport(app: App) -> VkTransport:
    from handlers.vk import VkSettings, VkTransport, make_api
    from handlers.vk_callback import CallbackSettings
    from handlers.vk_sender import VkSender

    settings = app.settings
    if settings.vk_group_token is None:
        raise ValueError("VK_GROUP_TOKEN is not set")
    callback = None
    if settings.vk_callback_confirmation is not None:
        secret = settings.vk_callback_secret
        callback = CallbackSettings(
            confirmation=settings.vk_callback_confirmation,
            secret=secret.get_secret_value() if secret is not None else None,
            host=settings.vk_callback_host, port=settings.vk_callback_port,
            path=settings.vk_callback_path)
    api = make_api(settings.vk_group_token.get_secret_value(), settings.vk_api_url)
    return VkTransport(app.dialog, VkSender(api),
                       VkSettings(state_dir=settings.database_path.parent, callback=callback),
                       StoredState(app.db, app.clock))


class StoredState:
    """The transports' TransportState port on storage's transport_state table."""

    def __init__(self, db: Store, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def load(self, platform: str, name: str, /) -> str | None:
        async with self.db.unit() as repos:
            return await repos.transport_state.get(platform, name)

    async def save(self, platform: str, name: str, value: str, /) -> None:
        async with self.db.unit() as repos:
            await repos.transport_state.put(platform, name, value, self.clock.now())


def max_transport(app: App) -> MaxTransport:
    from handlers.max import MaxSettings, MaxTransport, make_bot
    from handlers.max_sender import MaxSender
    from handlers.max_webhook import WebhookSettings
    from handlers.telegram_media import TelegramMedia

    settings = app.settings
    if settings.max_bot_token is None:
        raise ValueError("MAX_BOT_TOKEN is not set")
    webhook = None
    if settings.max_webhook_url is not None and settings.max_webhook_secret is not None:
        webhook = WebhookSettings(
            url=settings.max_webhook_url, secret=settings.max_webhook_secret.get_secret_value(),
            host=settings.max_webhook_host, port=settings.max_webhook_port,
            path=settings.max_webhook_path)
    bot = make_bot(settings.max_bot_token.get_secret_value(), settings.max_api_url)
    # MAX takes images only as uploads: Telegram's photos are fetched through its Bot.
    try:
        photos = telegram_bot(app)
    except Exception as exc:  # a malformed token: the Telegram transport says so itself
        log.warning("MAX: Telegram's photos will be noted, not shown: %s", type(exc).__name__)
        photos = None
    media = TelegramMedia(photos) if photos is not None else None
    return MaxTransport(app.dialog, MaxSender(bot, media=media),
                        MaxSettings(poll_timeout=settings.max_poll_timeout, webhook=webhook,
                                    subscription_check_s=settings.max_subscription_check_s),
                        StoredState(app.db, app.clock), DeadLetterStore(app.db, app.clock),
                        alerts=OperatorAlerts(app.db, app.clock, app.courier.wake))


def console_chat(app: App, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> ConsoleChat:
    from handlers.console import ConsoleChat

    return ConsoleChat(app.dialog, app.courier, StaffRoles(app.db, app.directory, app.clock),
                       stdin, stdout,
                       # the files the bot sends (a weekly report) beside the database
                       files_dir=app.settings.database_path.parent / "console-files")


def web_console(app: App, *, port: int | None = None,
                notify: Callable[[], None] | None = None) -> WebServer:
    """The web console on WEB_HOST and `port` (default WEB_PORT; 0: any free port), on the
    app's database and services; `notify` after an action committed outbox rows (default:
    wake the running delivery)."""
    from bot.web.app import WebServer
    from bot.web.context import WebContext

    settings = app.settings

    def context(base_url: str) -> WebContext:
        return WebContext(app.db, app.clock, app.appeals, app.directory,
                          notify or app.courier.wake, base_url)

    wanted = port if port is not None else settings.web_port
    return WebServer(context, settings.web_host, wanted or 0, settings.web_base_url)
