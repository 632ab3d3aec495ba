"""The Telegram transport on aiogram 3: updates in, the core decides, replies out.

- `build_dispatcher(dialog, sender, commands)`: the Dispatcher with its router and the
  middleware that turns each update into the core's Incoming and renders the Replies.
  Services come through the Dispatcher's workflow data: nothing lives in module globals.
- `TelegramTransport(app)`: the runner's Transport. Long polling by default (the offset
  is confirmed only after a batch is handled, so a crash redelivers, and the core's
  update_id dedupe makes the redelivery harmless); webhook mode when
  TELEGRAM_WEBHOOK_URL is set (aiohttp server, secret-token header checked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
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
from handlers.telegram_sender import PLATFORM, TelegramSender
from handlers.telegram_updates import incoming_of
from storage.db import Database

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)  # after failed getUpdates calls


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
        self._offset: int | None = None  # the next update_id to ask for
        self._confirmed: int | None = None  # the offset Telegram has been told

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
        """Handle one update (tests, the webhook and polling all come through here)."""
        try:
            if isinstance(update, dict):
                update = Update.model_validate(update, context={"bot": self.bot})
            await self.dp.feed_update(self.bot, update)
        except Exception:  # the middleware catches everything; this is the last net
            log.exception("update %s failed", getattr(update, "update_id", "?"))

    async def serve(self, stop: asyncio.Event) -> None:
        if self.webhook_url:
            await self.serve_webhook(stop)
        else:
            await self.poll(stop)

    # long polling

    async def poll(self, stop: asyncio.Event) -> None:
        """getUpdates with offset; a batch is handled (one chat's updates in order, chats in
        parallel) before its offset is confirmed by the next call. On stop the batch in
        hand is finished and its offset confirmed, so a restart replays nothing."""
        failures = 0
        while not stop.is_set():
            try:
                updates = await _unless_stopped(stop, self.bot.get_updates(
                    offset=self._offset, timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    request_timeout=self.poll_timeout + 15))
            except Exception as exc:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                log.warning("getUpdates failed (%r); again in %.0f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                continue
            if updates is None:
                break  # stopped while waiting
            failures = 0
            if self._offset is not None:
                self._confirmed = self._offset
            if updates:
                await self._handle_batch(updates)
                self._offset = max(u.update_id for u in updates) + 1
        await self._confirm_offset()

    async def _handle_batch(self, updates: list[Update]) -> None:
        by_chat: dict[str, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_key(update), []).append(update)

        async def one_chat(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                await self.feed(update)

        await asyncio.gather(*(one_chat(u) for u in by_chat.values()))

    async def _confirm_offset(self) -> None:
        if self._offset is None or self._offset == self._confirmed:
            return
        try:
            await self.bot.get_updates(offset=self._offset, timeout=0, limit=1,
                                       allowed_updates=ALLOWED_UPDATES)
            self._confirmed = self._offset
        except Exception as exc:  # the core's dedupe covers a redelivery
            log.warning("could not confirm update offset %s: %r", self._offset, exc)

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
                try:
                    data = await request.json(loads=bot.session.json_loads)
                    update = Update.model_validate(data, context={"bot": bot})
                except Exception:
                    log.warning("webhook: not an update")
                    return web.Response(status=400, text="bad update")
                await transport.feed(update)
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


async def _unless_stopped(stop: asyncio.Event, call: Coroutine[Any, Any, Any]) -> Any:
    """The call's result, or None if `stop` was set first (the call is then cancelled:
    updates not yet returned stay unconfirmed on Telegram's side)."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None


def _chat_key(update: Update) -> str:
    if update.message is not None:
        return f"c{update.message.chat.id}"
    if update.edited_message is not None:
        return f"c{update.edited_message.chat.id}"
    query = update.callback_query
    if query is not None:
        return f"c{query.message.chat.id}" if query.message else f"u{query.from_user.id}"
    if update.my_chat_member is not None:
        return f"c{update.my_chat_member.chat.id}"
    return f"u{update.update_id}"
