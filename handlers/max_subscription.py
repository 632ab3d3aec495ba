"""MAX webhook mode: the subscription (POST /subscriptions at start) and a watch on it.

MAX unsubscribes a bot after 8 hours without a successful webhook delivery, and says so to
no one: the bot would just hear nothing. So every `every` seconds GET /subscriptions; when
our URL is missing the watch logs a warning, alerts the operators once per drop (the
OperatorAlerts port: through the core's outbox) and subscribes again, with the secret and
the update types of the start. A check that fails itself (5xx, a timeout, the network) is
logged and done again at the next check; the watch never stops the transport.

`problem()` is the readiness check of the subscription (bot/health.py's /readyz): None
while MAX has our URL, a short reason otherwise.
"""

from __future__ import annotations

import asyncio
import logging

from maxapi.enums.http_method import HTTPMethod

from bot.logs import brief
from bot.stopping import pause_unless_stopped
from handlers.max_polling import UPDATE_TYPES
from handlers.max_sender import PLATFORM, MaxSender
from handlers.max_webhook import WebhookSettings
from handlers.ports import OperatorAlerts

log = logging.getLogger(__name__)

CHECK_WITHIN_S = 30.0  # one GET /subscriptions longer than this is a failed check
DROPPED = "webhook_dropped"  # the alert's name (texts.TRANSPORT_ALERTS)


class SubscriptionWatch:
    def __init__(self, sender: MaxSender, webhook: WebhookSettings,
                 alerts: OperatorAlerts | None, every: float) -> None:
        self.sender = sender
        self.webhook = webhook
        self.alerts = alerts
        self.every = every
        self.present: bool | None = None  # None: not subscribed yet (before the start)
        self.drops = 0  # drops noticed since the process started
        self._alerted = False  # the operators were told about the current drop

    async def subscribe(self) -> None:
        """POST /subscriptions; raises when MAX refuses (the start fails and is retried)."""
        await self.sender.call(HTTPMethod.POST, "/subscriptions", body={
            "url": self.webhook.url, "update_types": list(UPDATE_TYPES),
            "secret": self.webhook.secret})
        self.present = True
        self._alerted = False

    async def problem(self) -> str | None:
        if self.present:
            return None
        if self.present is None:
            return "MAX webhook not subscribed yet"
        return "MAX dropped the webhook subscription; subscribing again"

    async def run(self, stop: asyncio.Event) -> None:
        """Check every `every` seconds until `stop`."""
        while not stop.is_set():
            await pause_unless_stopped(stop, self.every)
            if stop.is_set():
                return
            await self.check()

    async def check(self) -> None:
        """One check: never raises (but for cancellation)."""
        try:
            found = await self.sender.call(HTTPMethod.GET, "/subscriptions",
                                           within=CHECK_WITHIN_S)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("MAX: GET /subscriptions failed (%s); checked again in %.0f s",
                        brief(exc), self.every)
            return
        urls = {str(s.get("url")) for s in found.get("subscriptions") or []
                if isinstance(s, dict)}
        if self.webhook.url in urls:
            if self.present is False:
                log.info("MAX: webhook subscription %s is back", self.webhook.url)
            self.present, self._alerted = True, False
            return
        if self.present is not False:
            self.drops += 1
            log.warning("MAX dropped the webhook subscription %s (8 hours without a successful "
                        "delivery?): subscribing again", self.webhook.url)
        self.present = False
        await self._alert()
        try:
            await self.subscribe()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("MAX: subscribing %s again failed (%s); tried again in %.0f s",
                        self.webhook.url, brief(exc), self.every)
            return
        log.info("MAX: webhook %s subscribed again", self.webhook.url)

    async def _alert(self) -> None:
        if self._alerted or self.alerts is None:
            return
        try:
            await self.alerts.transport_problem(PLATFORM, DROPPED)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database: told again at the next check
            log.error("MAX: operators not alerted about the dropped webhook (%s)",
                      type(exc).__name__)
            return
        self._alerted = True
