"""One HTTP endpoint for a platform's pushed updates (Telegram webhook, VK Callback API,
MAX webhook): listen until `stop`, then stop taking new requests, let the ones being
handled finish (`drain`) and close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _nothing() -> None:
    return None


class Endpoint:
    def __init__(self, name: str, host: str, port: int, path: str, handler: Handler) -> None:
        self.name, self.host, self.path = name, host, path
        self.wanted_port = port  # 0: any free port
        self.handler = handler
        self.port: int | None = None  # the bound port, once listening
        self.accepting = False  # False while stopping: the handler refuses (a retry later)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.handler)
        return app

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None,
                  drain: Callable[[], Awaitable[None]] = _nothing) -> None:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.wanted_port).start()
        addresses = runner.addresses
        self.port = addresses[0][1] if addresses else self.wanted_port
        self.accepting = True
        if ready is not None:
            ready.set()
        log.info("%s listening on %s:%s%s", self.name, self.host, self.port, self.path)
        try:
            await stop.wait()
        finally:
            self.accepting = False
            await drain()
            await runner.cleanup()
