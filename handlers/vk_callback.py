"""VK's Callback API as the transport's receive loop: an aiohttp endpoint (when
VK_CALLBACK_CONFIRMATION is set).

A body that is not a JSON object with a "type" gets 400; a wrong "secret" or another
community's "group_id" 403. "confirmation" is answered with the code; any other event is
submitted and answered "ok" once it is handled, so a crash before that makes VK send it
again (the core ignores what it already handled), but never later than VK's patience
allows. While stopping, events are refused (503: VK sends them again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from handlers.endpoint import Endpoint

log = logging.getLogger(__name__)

CALLBACK_WAIT_S = 5.0  # VK retries a callback it got no "ok" for within about 10 s


@dataclass(frozen=True, slots=True)
class CallbackSettings:
    confirmation: str  # the code VK asks for when the server is added
    secret: str | None  # required (the settings check it); None refuses every event
    host: str = "127.0.0.1"
    port: int = 8083  # 0: any free port
    path: str = "/vk/callback"


class VkCallbackServer:
    def __init__(self, settings: CallbackSettings, group_id: int,
                 submit: Callable[[dict[str, Any]], Awaitable[None]],
                 drain: Callable[[], Awaitable[None]]) -> None:
        self.settings = settings
        self.group_id = group_id
        self.submit = submit
        self.drain = drain  # waits for the events being handled
        self.endpoint = Endpoint("VK Callback API", settings.host, settings.port, settings.path,
                                 self.on_request)

    @property
    def port(self) -> int | None:
        return self.endpoint.port

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        await self.endpoint.run(stop, ready, self.drain)  # VK retries what is refused then

    async def on_request(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except Exception:
            return web.Response(status=400, text="bad request")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return web.Response(status=400, text="bad request")
        secret = self.settings.secret
        if secret is None or not hmac.compare_digest(
                str(body.get("secret", "")).encode(), secret.encode()):
            log.warning("VK callback with a wrong secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        group_id = body.get("group_id")
        if self.group_id and group_id is not None and str(group_id) != str(self.group_id):
            return web.Response(status=403, text="forbidden")
        if body["type"] == "confirmation":
            return web.Response(text=self.settings.confirmation)
        if not self.endpoint.accepting:
            return web.Response(status=503, text="stopping")
        handled = self.submit(body)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(handled), CALLBACK_WAIT_S)
        return web.Response(text="ok")
