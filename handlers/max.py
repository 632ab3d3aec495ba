"""The MAX transport (maxapi's Bot as the API client): MAX updates in, the core decides, the
delivery sends (handlers/max_sender.py, whose pace the transport's own calls share).

An update is translated (handlers/max_updates.py) and handed to the core; a button press
is answered first (POST /answers), so the button never hangs whatever happens next. One
chat's updates are handled in the order they came, chats in parallel. Updates come by
long polling with a stored marker (handlers/max_polling.py) or, when MAX_WEBHOOK_URL is
set, by webhook (handlers/max_webhook.py): the two exclude each other at MAX, so start()
subscribes the webhook, or removes every subscription before polling. In webhook mode a
watch (handlers/max_subscription.py) checks that MAX keeps the subscription and subscribes
again when MAX dropped it. start() also sets the command menu (handlers/max_commands.py).

An update the core could not take is tried again (the long poll keeps its marker, the
webhook answers 500); one that fails POISON_TRIES times, or that cannot be translated at
all, becomes a dead letter (`python -m bot dead-letters`) and is passed.
`MAX_API_URL` points it at another API (a fake in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from maxapi import Bot
from maxapi.client.default import DefaultConnectionProperties
from maxapi.enums.http_method import HTTPMethod

from bot.dead_letters import Unreadable
from bot.logs import brief
from handlers.max_commands import set_commands
from handlers.max_polling import MaxLongPoll
from handlers.max_sender import PLATFORM, MaxSender
from handlers.max_subscription import SubscriptionWatch
from handlers.max_updates import Me, chat_of, conversation_key, incoming_of, update_key
from handlers.max_webhook import MaxWebhookServer, WebhookSettings
from handlers.ports import Core, DeadLetters, OperatorAlerts, Relay, TransportState

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://platform-api2.max.ru"
POISON_TRIES = 5  # an update failing this many times becomes a dead letter


@dataclass(frozen=True, slots=True)
class MaxSettings:
    """What the transport reads of the bot's settings (MAX_*)."""

    poll_timeout: int = 30
    webhook: WebhookSettings | None = None  # webhook mode when set
    subscription_check_s: float = 300.0  # webhook mode: GET /subscriptions this often


def make_bot(token: str, api_url: str | None) -> Bot:
    """maxapi's client: no retries of its own (the delivery retries; a blind resend could
    show a message twice), no extra GET /chats per event (auto_requests)."""
    bot = Bot(token, auto_requests=False, default_connection=DefaultConnectionProperties(
        timeout=60, sock_connect=15, max_retries=0))
    bot.set_api_url(api_url or DEFAULT_API_BASE)
    return bot


@dataclass
class _Held:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def _dumps(update: Any) -> str:
    try:
        return json.dumps(update, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(update)


class MaxTransport:
    """The runner's Transport for MAX."""

    platform = PLATFORM

    def __init__(self, core: Core, sender: MaxSender, settings: MaxSettings,
                 state: TransportState, dead_letters: DeadLetters,
                 alerts: OperatorAlerts | None = None) -> None:
        self.core = core
        self._sender = sender
        self.bot: Bot = sender.bot
        self.settings = settings
        self.state = state
        self.dead_letters = dead_letters
        self.me = Me()
        self.polling = MaxLongPoll(sender, state, self.process, settings.poll_timeout)
        self._webhook: MaxWebhookServer | None = None
        self.alerts = alerts
        self._watch: SubscriptionWatch | None = None
        self._tries: dict[str, int] = {}
        self._locks: dict[str, _Held] = {}
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.ready = asyncio.Event()  # set once updates are being received

    @property
    def sender(self) -> MaxSender:
        return self._sender

    @property
    def webhook_port(self) -> int | None:
        return self._webhook.port if self._webhook is not None else None

    async def start(self) -> None:
        """Check the token; subscribe the webhook, or clear subscriptions for polling."""
        try:
            me = await self._sender.call(HTTPMethod.GET, "/me")
        except Exception as exc:
            raise RuntimeError(f"MAX: GET /me failed, check MAX_BOT_TOKEN: {brief(exc)}") from exc
        self.me = Me(int(me.get("user_id") or 0), str(me.get("username") or ""))
        log.info("MAX bot @%s (%s), %s", self.me.username, self.me.user_id,
                 "webhook" if self.settings.webhook else "long polling")
        await set_commands(self._sender)
        watch = self.subscription
        if watch is not None:
            await watch.subscribe()
            return
        found = await self._sender.call(HTTPMethod.GET, "/subscriptions")
        for sub in found.get("subscriptions") or []:
            if isinstance(sub, dict) and sub.get("url"):  # long polling is refused meanwhile
                await self._sender.call(HTTPMethod.DELETE, "/subscriptions",
                                        params={"url": str(sub["url"])})
                log.info("MAX: webhook subscription %s removed for long polling", sub["url"])

    @property
    def subscription(self) -> SubscriptionWatch | None:
        """Webhook mode: the subscription and its watch (None in long polling)."""
        webhook = self.settings.webhook
        if webhook is None:
            return None
        watch = self._watch
        if watch is None or watch.webhook != webhook:  # made once (settings may be swapped)
            watch = self._watch = SubscriptionWatch(
                self._sender, webhook, self.alerts, self.settings.subscription_check_s)
        return watch

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[str | None]]]:
        """What /readyz asks of this transport (bot/health.py): the webhook subscription."""
        return {"max_webhook": self.subscription_problem} if self.settings.webhook else {}

    async def subscription_problem(self) -> str | None:
        watch = self.subscription
        return await watch.problem() if watch is not None else None

    async def serve(self, stop: asyncio.Event) -> None:
        try:
            watch = self.subscription
            if watch is not None:
                self._webhook = MaxWebhookServer(watch.webhook, self.process,
                                                 self._unreadable, self.drain)
                watching = asyncio.create_task(watch.run(stop), name="max-subscription")
                try:
                    await self._webhook.run(stop, self.ready)
                finally:
                    watching.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watching
            else:
                await self.polling.run(stop, self.ready)
        finally:
            await self.drain()

    async def close(self) -> None:
        await self.bot.close_session()

    # updates

    def relay_to(self, relay: Relay) -> None:
        """Several workers: what this transport polls is stored for all of them (bot/inbox.py)
        instead of handled here; each worker handles its share through `take`."""
        self.polling.relay = relay

    async def take(self, update: dict[str, Any]) -> bool:
        """An update another worker polled (bot/inbox.py): handled as one polled here."""
        return await self.process(update)

    async def drain(self) -> None:
        """Wait for the updates being handled (graceful stop)."""
        await self._idle.wait()

    async def process(self, update: dict[str, Any]) -> bool:
        """Handle one update after the earlier ones of its chat. False: it failed and should
        come again; True: handled, or given up as a dead letter."""
        key = update_key(update) or f"id:{id(update)}"
        self._active += 1
        self._idle.clear()
        try:
            async with self._chat_lock(conversation_key(update)):
                await self.handle(update)
        except Exception as exc:
            tries = self._tries.get(key, 0) + 1
            self._tries[key] = tries
            # The core's exceptions may quote people's data: named by type only.
            log.error("MAX %s failed (%s), try %s", update.get("update_type"),
                      type(exc).__name__, tries)
            if tries < POISON_TRIES:
                return False
            await self._keep(key, f"failed {tries} times: {type(exc).__name__}", update)
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()
        self._tries.pop(key, None)
        return True

    @contextlib.asynccontextmanager
    async def _chat_lock(self, key: str) -> AsyncIterator[None]:
        """One chat's updates one at a time, in the order they came (the lock is FIFO)."""
        held = self._locks.get(key)
        if held is None:
            held = self._locks[key] = _Held()
        held.users += 1
        try:
            async with held.lock:
                yield
        finally:
            held.users -= 1
            if not held.users:
                del self._locks[key]

    async def handle(self, update: dict[str, Any]) -> None:
        """The core's turn for one update; raises when the core could not take it."""
        if update.get("update_type") == "message_callback":
            await self._answer(update)
        try:
            incoming = incoming_of(update, self.me)
        except Exception as exc:  # a bug of ours: the update is kept for the fix
            await self._keep(update_key(update), f"untranslatable: {type(exc).__name__}", update)
            return
        if incoming is not None:
            await self.core.handle(incoming)

    async def _answer(self, update: dict[str, Any]) -> None:
        """Always, and first: the button stops waiting whatever happens next."""
        callback_id = (update.get("callback") or {}).get("callback_id")
        chat = chat_of(update)
        if not callback_id:
            return
        try:
            await self._sender.answer(chat[0] if chat else "", str(callback_id))
        except Exception as exc:  # too old, or the network: the press is handled anyway
            log.info("MAX POST /answers failed: %s", brief(exc))

    async def _unreadable(self, reason: str, raw: str) -> None:
        log.warning("MAX webhook body skipped (%s); kept in dead_letters", reason)
        await self._store([Unreadable(None, reason, raw)])

    async def _keep(self, key: str | None, reason: str, update: dict[str, Any]) -> None:
        log.warning("MAX update %s skipped (%s); kept in dead_letters", key or "?", reason)
        await self._store([Unreadable(key, reason, _dumps(update))])

    async def _store(self, letters: list[Unreadable]) -> None:
        try:
            await self.dead_letters.keep(PLATFORM, letters)
        except Exception as exc:
            log.error("dead letters not stored (%s): %s update(s) lost", type(exc).__name__,
                      len(letters))
