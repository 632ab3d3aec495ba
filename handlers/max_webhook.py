"""MAX webhook mode: an aiohttp endpoint on MAX_WEBHOOK_PATH, subscribed with
POST /subscriptions {url, update_types, secret} at start.

A POST whose X-Max-Bot-Api-Secret header is not the secret (compared in constant time) gets
401. A body that is not a JSON object with an `update_type` is answered 200 and kept as a
dead letter (MAX would send it again for hours otherwise). Any other update is answered
200 only after it was handled (its replies queued in the turn's transaction): when the
core could not take it the answer is 500, and MAX sends it again (the core ignores what
it already handled; one failing again and again becomes a dead letter and is answered
200, so MAX never unsubscribes the bot over it). While stopping, updates are refused with 503 (MAX retries them).

MAX delivers webhooks only to HTTPS addresses with a trusted certificate (put the bot
behind a reverse proxy that has one), and unsubscribes a bot after 8 hours without a
successful delivery.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from handlers.endpoint import Endpoint

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Max-Bot-Api-Secret"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url: str  # the public HTTPS address MAX posts to
    secret: str  # 5-256 of A-Z a-z 0-9 _ - (the settings check it)
    host: str = "127.0.0.1"
    port: int = 8084  # 0: any free port
    path: str = "/max/webhook"


Process = Callable[[dict[str, Any]], Awaitable[bool]]  # False: failed, to be tried again
Unreadable = Callable[[str, str], Awaitable[None]]  # (reason, raw body)


class MaxWebhookServer:
    def __init__(self, settings: WebhookSettings, process: Process, unreadable: Unreadable,
                 drain: Callable[[], Awaitable[None]]) -> None:
        self.settings = settings
        self.process = process
        self.unreadable = unreadable
        self.drain = drain
        self.endpoint = Endpoint("MAX webhook", settings.host, settings.port, settings.path,
                                 self.on_request)

    @property
    def port(self) -> int | None:
        return self.endpoint.port

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        await self.endpoint.run(stop, ready, self.drain)  # MAX retries what is refused then

    async def on_request(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.settings.secret.encode()):
            log.warning("MAX webhook call with a wrong secret from %s", request.remote)
            return web.Response(status=401, text="unauthorized")
        if not self.endpoint.accepting:
            return web.Response(status=503, text="stopping")
        body = await request.text()
        try:
            update = json.loads(body)
        except ValueError:
            await self.unreadable("not_json", body)
            return web.json_response({"ok": True})
        if not isinstance(update, dict) or not isinstance(update.get("update_type"), str):
            await self.unreadable("not_an_update", body)
            return web.json_response({"ok": True})
        if not await self.process(update):
            return web.Response(status=500, text="failed")  # MAX sends it again
        return web.json_response({"ok": True})
