"""The web console's aiohttp application (routes, middlewares, the typed keys its pages
read the app's services from) and WebServer, which serves it next to the bot (`run` with
WEB_PORT set, the console run) or alone (`python -m bot web`)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from aiohttp import web

from bot.web import appeal, auth, dashboard, duty, exports, links, queue
from bot.web.context import CONTEXT, WebContext
from bot.web.render import STATIC_DIR, TEMPLATES, environment, see_other

log = logging.getLogger(__name__)


async def _home(request: web.Request) -> web.StreamResponse:
    return see_other("/queue")


def make_web_app(context: WebContext) -> web.Application:
    app = web.Application(middlewares=[auth.security, auth.sessions],
                          client_max_size=256 * 1024)
    app[CONTEXT] = context
    app[TEMPLATES] = environment()
    app[dashboard.RECENT] = dashboard.Recent()
    app.router.add_get("/", _home)
    app.router.add_get("/queue", queue.queue_page)
    app.router.add_get("/queue/export.{format}", exports.queue_export)
    app.router.add_get("/appeal/{appeal_id}", appeal.appeal_page)
    app.router.add_post("/appeal/{appeal_id}/{action}", appeal.act)
    app.router.add_get("/dashboard", dashboard.dashboard_page)
    app.router.add_get("/dashboard/chart/{name}.svg", dashboard.chart)
    app.router.add_get(dashboard.EXPORT_ROUTE, exports.dashboard_export)
    app.router.add_get("/duty", duty.duty_page)
    app.router.add_post("/duty", duty.change)
    app.router.add_get("/signin/{token}", auth.signin_page)
    app.router.add_post("/signin/{token}", auth.signin)
    app.router.add_post("/signout", auth.signout)
    app.router.add_get("/signed-out", auth.signed_out)
    app.router.add_static("/static/", STATIC_DIR)
    return app


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the app is made: with port 0 the address the
    sign-in links name is known (the OS picked the port)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def local_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class WebServer:
    """Serves the console on host:port; `make_context` gets the base URL people open
    (WEB_BASE_URL, or this address)."""

    def __init__(self, make_context: Callable[[str], WebContext], host: str, port: int,
                 base_url: str | None = None) -> None:
        self.make_context = make_context
        self.host = host
        self.wanted_port = port
        self.base_url = base_url
        self.port: int | None = None
        self.context: WebContext | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        sock = _bind(self.host, self.wanted_port)
        self.port = int(sock.getsockname()[1])
        self.context = self.make_context(self.base_url or local_url(self.host, self.port))
        try:
            self._runner = web.AppRunner(make_web_app(self.context), access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
            async with self.context.db.unit() as repos:  # where `/web` links point
                await links.announce(repos, self.context.base_url, self.context.clock.now())
        except BaseException:
            await self.close()
            sock.close()
            raise
        log.info("web console on %s (listening on %s)", self.context.base_url,
                 local_url(self.host, self.port))

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
