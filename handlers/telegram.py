"""The Telegram transport on aiogram 3's Bot API client: updates in, the core decides, the
delivery sends (handlers/telegram_sender.py).

Each update is checked on its own (handlers/telegram_intake.py: aiogram's Update, then
handlers/telegram_updates.py translates it to the core's Incoming); one that cannot be
read becomes a dead letter and never stalls the others. A button press is answered first
(the spinner stops whatever happens next), then the core handles the Incoming; a person
who just accepted a staff invite gets the staff command menu (handlers/telegram_commands.py).

Updates come by long polling (handlers/telegram_polling.py) or, when TELEGRAM_WEBHOOK_URL
is set, by webhook (handlers/telegram_webhook.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import CallbackQuery, Update
from aiohttp import web

from handlers.endpoint import Endpoint
from handlers.ports import Core, DeadLetters, Relay, StaffMenus
from handlers.telegram_commands import TelegramCommands, is_invite
from handlers.telegram_intake import Accepted, Rejected, TelegramIntake
from handlers.telegram_polling import ALLOWED_UPDATES, LongPolling
from handlers.telegram_sender import PLATFORM, TelegramSender
from handlers.telegram_webhook import webhook_endpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """What the transport reads of the bot's settings (TELEGRAM_*)."""

    poll_timeout: int = 25
    webhook_url: str | None = None  # webhook mode when set
    webhook_secret: str | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"


def make_bot(token: str, api_url: str | None) -> Bot:
    session = (AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url
               else AiohttpSession())
    return Bot(token, session=session, default=DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview_is_disabled=True))


class TelegramTransport:
    """The runner's Transport for Telegram."""

    platform = PLATFORM

    def __init__(self, core: Core, sender: TelegramSender, settings: TelegramSettings,
                 menus: StaffMenus, dead_letters: DeadLetters) -> None:
        self.core = core
        self._sender = sender
        self.bot = sender.bot
        self.settings = settings
        self.webhook_url = settings.webhook_url
        self.webhook_secret = settings.webhook_secret
        self.commands = TelegramCommands(self.bot, menus)
        self.intake = TelegramIntake(self.bot, dead_letters)
        self.polling = LongPolling(self.bot, self.intake, self._handle, settings.poll_timeout)

    @property
    def sender(self) -> TelegramSender:
        return self._sender

    async def start(self) -> None:
        me = await self.bot.get_me()
        log.info("Telegram bot @%s (%s)", me.username, me.id)
        if self.webhook_url:
            await self.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES)
        else:
            # getUpdates is refused while a webhook is set; pending updates are kept.
            await self.bot.delete_webhook(drop_pending_updates=False)
        try:
            await self.commands.register()
        except Exception as exc:
            log.warning("setMyCommands failed: %r", exc)

    async def serve(self, stop: asyncio.Event) -> None:
        if self.webhook_url:
            await self.webhook().run(stop)
        else:
            await self.polling.run(stop)

    def webhook(self) -> Endpoint:
        s = self.settings
        return webhook_endpoint(s.webhook_host, s.webhook_port, s.webhook_path,
                                self.webhook_secret, self.feed_json)

    def webhook_app(self) -> web.Application:
        return self.webhook().app()

    async def close(self) -> None:
        await self.bot.session.close()

    # updates

    def relay_to(self, relay: Relay) -> None:
        """Several workers: what this transport polls is stored for all of them (bot/inbox.py)
        instead of handled here; each worker handles its share through `take`."""
        self.polling.relay = relay

    async def take(self, raw: dict[str, Any]) -> bool:
        """An update another worker polled (bot/inbox.py): handled as one polled here."""
        await self.feed(raw)
        return True

    async def feed(self, update: Update | dict[str, Any]) -> None:
        """Handle one update (tests and the webhook; polling checks a batch at once): one
        that cannot be read is kept as a dead letter instead."""
        checked = self.intake.check(update)
        if isinstance(checked, Rejected):
            await self.intake.keep([checked])
        else:
            await self._handle(checked)

    async def feed_json(self, body: str) -> None:
        """A webhook body: not JSON, or not an update, makes a dead letter too."""
        parsed = self.intake.parse_json(body)
        if isinstance(parsed, Rejected):
            await self.intake.keep([parsed])
        else:
            await self.feed(parsed)

    async def _handle(self, checked: Accepted) -> None:
        """The core's turn for one update. An exception is logged, never raised: the
        updates after it go on."""
        update, incoming = checked.update, checked.incoming
        if update.callback_query is not None:
            await self._answer(update.callback_query)
        if incoming is None:
            return
        try:
            await self.core.handle(incoming)
            if is_invite(incoming):
                await self.commands.after_invite(incoming)
        except Exception:
            log.exception("update %s failed", update.update_id)

    async def _answer(self, query: CallbackQuery) -> None:
        """Always, and first: the button stops spinning whatever happens next."""
        try:
            await self.bot.answer_callback_query(query.id)
        except Exception as exc:  # too old, or the network: the press is handled anyway
            log.info("answerCallbackQuery failed: %r", exc)
