"""The Telegram transport on aiogram 3: updates in, the core decides, replies out.

- `build_dispatcher(dialog, sender, commands)`: the Dispatcher with its router and the
  middleware that turns each update into the core's Incoming and renders the Replies.
  Services come through the Dispatcher's workflow data: nothing lives in module globals.
- `TelegramTransport(app)`: the runner's Transport. Long polling by default
  (handlers/telegram_polling.py: the offset is confirmed only after a batch is handled,
  so a crash redelivers, and the core's update_id dedupe makes the redelivery harmless);
  webhook mode when TELEGRAM_WEBHOOK_URL is set (aiohttp server, secret-token header
  checked). Either way every update is checked on its own (handlers/telegram_intake.py):
  one that cannot be read becomes a dead letter and never stalls the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.middlewares.base import BaseMiddleware
from aiogram.enums import ParseMode
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Message,
    TelegramObject,
    Update,
)
from aiohttp import web

from bot import texts
from bot.app import App
from bot.dialog.dialog import Dialog
from bot.dialog.types import Incoming
from handlers.telegram_intake import Accepted, Rejected, TelegramIntake
from handlers.telegram_polling import ALLOWED_UPDATES, LongPolling
from handlers.telegram_sender import PLATFORM, TelegramSender
from handlers.telegram_updates import incoming_of
from storage.db import Database

log = logging.getLogger(__name__)


# Commands (setMyCommands)


def _commands(*catalogues: dict[str, str]) -> list[BotCommand]:
    return [BotCommand(command=name, description=description)
            for catalogue in catalogues for name, description in catalogue.items()]


class TelegramCommands:
    """The command menu: citizens' by default; staff commands in group chats (staff groups)
    and, per chat, in the private chats of staff (set at start and when an invite is
    accepted); operators also get their reports."""

    def __init__(self, bot: Bot, db: Database) -> None:
        self.bot = bot
        self.db = db

    async def register(self) -> None:
        await self.bot.set_my_commands(_commands(texts.TELEGRAM_CITIZEN_COMMANDS),
                                       scope=BotCommandScopeDefault())
        await self.bot.set_my_commands(
            _commands({"start": texts.TELEGRAM_CITIZEN_COMMANDS["start"]},
                      texts.TELEGRAM_STAFF_COMMANDS,
                      {"help": texts.TELEGRAM_CITIZEN_COMMANDS["help"]}),
            scope=BotCommandScopeAllGroupChats())
        async with self.db.unit() as repos:
            staff = {chat.chat_id: "staff" for role in ("admin", "duty")
                     for chat in await repos.people.staff_chats(role)
                     if chat.platform == PLATFORM and chat.chat_id}
            for chat in await repos.people.staff_chats("operator"):
                if chat.platform == PLATFORM and chat.chat_id:
                    staff[chat.chat_id] = "operator"
        for chat_id, kind in staff.items():
            await self.for_chat(chat_id, operator=kind == "operator")

    async def for_chat(self, chat_id: str, operator: bool = False) -> None:
        """Staff commands in one private chat. Failures are logged: a menu is not worth
        stopping for."""
        catalogues = [texts.TELEGRAM_CITIZEN_COMMANDS, texts.TELEGRAM_STAFF_COMMANDS]
        if operator:
            catalogues.append(texts.TELEGRAM_OPERATOR_COMMANDS)
        try:
            await self.bot.set_my_commands(_commands(*catalogues),
                                           scope=BotCommandScopeChat(chat_id=int(chat_id)))
        except Exception as exc:
            log.warning("setMyCommands for chat %s failed: %r", chat_id, exc)

    async def after_invite(self, inc: Incoming) -> None:
        """A private chat whose user just became staff gets the staff menu."""
        if inc.is_group:
            return
        async with self.db.unit() as repos:
            user = await repos.people.find_user(PLATFORM, inc.user_id)
            roles = await repos.people.roles(user.id) if user is not None else []
        if roles:
            await self.for_chat(inc.chat_id, operator=any(r.role == "operator" for r in roles))


# The dispatcher


class CoreBridge(BaseMiddleware):
    """Each update -> Incoming (in the handler's data as `incoming`). The core queues its
    replies in the turn's transaction and the delivery sends them: nothing is rendered
    here. An exception in one update is logged, never raised."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        if "incoming" not in data:  # the transport's intake translated it already
            try:
                data["incoming"] = incoming_of(event)
            except Exception:
                log.exception("cannot read update %s", event.update_id)
                data["incoming"] = None
        if event.callback_query is not None:
            await _answer_callback(event.callback_query)
        try:
            return await handler(event, data)
        except Exception:
            log.exception("update %s failed", event.update_id)
            return None


async def _answer_callback(query: CallbackQuery) -> None:
    """Always, and first: the button stops spinning whatever happens next."""
    try:
        await query.answer()
    except Exception as exc:  # too old, or the network: the press is handled anyway
        log.info("answerCallbackQuery failed: %r", exc)


def build_router() -> Router:
    router = Router(name="medfront")

    @router.message()
    async def on_message(message: Message, incoming: Incoming | None, dialog: Dialog,
                         telegram_commands: TelegramCommands) -> None:
        if incoming is None:
            return
        await dialog.handle(incoming)
        if incoming.text.startswith("/start") and " inv_" in incoming.text:
            await telegram_commands.after_invite(incoming)

    @router.callback_query()
    @router.edited_message()
    @router.my_chat_member()
    async def on_other(event: TelegramObject, incoming: Incoming | None,
                       dialog: Dialog) -> None:
        if incoming is not None:
            await dialog.handle(incoming)

    return router


def build_dispatcher(dialog: Dialog, commands: TelegramCommands) -> Dispatcher:
    dp = Dispatcher(disable_fsm=True, dialog=dialog, telegram_commands=commands)
    dp.update.outer_middleware(CoreBridge())
    dp.include_router(build_router())
    return dp


def make_bot(token: str, api_url: str | None) -> Bot:
    session = (AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url
               else AiohttpSession())
    return Bot(token, session=session, default=DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview_is_disabled=True))


# The transport


class TelegramTransport:
    platform = PLATFORM

    def __init__(self, app: App, bot: Bot | None = None) -> None:
        settings = app.settings
        if bot is None:
            token = settings.telegram_bot_token
            if token is None:
                raise ValueError("TELEGRAM_BOT_TOKEN is not set")
            bot = make_bot(token.get_secret_value(), settings.telegram_api_url)
        self.app = app
        self.bot = bot
        self._sender = TelegramSender(bot, per_second=settings.telegram_messages_per_second)
        self.commands = TelegramCommands(bot, app.db)
        self.dp = build_dispatcher(app.dialog, self.commands)
        self.poll_timeout = settings.telegram_poll_timeout
        self.webhook_url = settings.telegram_webhook_url
        secret = settings.telegram_webhook_secret
        self.webhook_secret = secret.get_secret_value() if secret is not None else None
        self.intake = TelegramIntake(bot, app.db, app.clock)
        self.polling = LongPolling(bot, self.intake, self._handle, self.poll_timeout)

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
        try:
            await self.dp.feed_update(self.bot, checked.update, incoming=checked.incoming)
        except Exception:  # the middleware catches everything; this is the last net
            log.exception("update %s failed", checked.update.update_id)

    async def serve(self, stop: asyncio.Event) -> None:
        if self.webhook_url:
            await self.serve_webhook(stop)
        else:
            await self.poll(stop)

    # long polling

    async def poll(self, stop: asyncio.Event) -> None:
        await self.polling.run(stop)

    # webhook

    def webhook_app(self) -> web.Application:
        """aiohttp app: POSTs to TELEGRAM_WEBHOOK_PATH with the secret-token header."""
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler

        transport = self

        class Handler(SimpleRequestHandler):
            async def close(self) -> None:  # the transport closes the bot session itself
                return None

            async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
                # Answer Telegram only after the update is handled: a crash means a resend.
                # One it cannot read is answered 200 too (kept as a dead letter): Telegram
                # would send it again and again otherwise.
                await transport.feed_json(await request.text())
                return web.json_response({})

        webapp = web.Application()
        Handler(self.dp, self.bot, handle_in_background=False,
                secret_token=self.webhook_secret).register(
            webapp, path=self.app.settings.telegram_webhook_path)
        return webapp

    async def serve_webhook(self, stop: asyncio.Event, *, port: int | None = None) -> None:
        settings = self.app.settings
        runner = web.AppRunner(self.webhook_app())
        await runner.setup()
        site = web.TCPSite(runner, settings.telegram_webhook_host,
                           port if port is not None else settings.telegram_webhook_port)
        await site.start()
        log.info("Telegram webhook listening on %s:%s%s", settings.telegram_webhook_host,
                 settings.telegram_webhook_port, settings.telegram_webhook_path)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()  # finishes the requests in flight

    async def close(self) -> None:
        await self.bot.session.close()
