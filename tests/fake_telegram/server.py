"""The fake Bot API over HTTP on 127.0.0.1 (for the real bot process via TELEGRAM_API_URL),
with connections dropped before or after handling on demand."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fake_telegram.bot_api import FakeTelegram
from tests.fake_telegram.records import SENDING, ApiError, FileUpload, attach


class FakeBotApiServer:
    """/bot<token>/<method> and /file/bot<token>/<file_path> on 127.0.0.1, a free port."""

    def __init__(self, fake: FakeTelegram, token: str = "123:TEST") -> None:
        self.fake = fake
        self.token = token
        self._runner: web.AppRunner | None = None
        self.url = ""
        self._drop_after: list[frozenset[str]] = []  # per request to drop once handled
        self._drop_before: list[frozenset[str]] = []  # per request to drop unhandled
        self.dropped: list[tuple[str, bool]] = []  # (method, handled) of dropped requests

    def drop_next(self, n: int = 1, methods: list[str] | None = None) -> None:
        """The next n requests to `methods` (None: the sending ones) are handled (a message
        is stored) but the connection closes without an answer."""
        self._drop_after += [frozenset(methods or SENDING)] * n

    def drop_before(self, n: int = 1, methods: list[str] | None = None) -> None:
        """The next n requests to `methods` (None: the sending ones) are dropped unhandled."""
        self._drop_before += [frozenset(methods or SENDING)] * n

    @staticmethod
    def _take(drops: list[frozenset[str]], method: str) -> bool:
        for i, methods in enumerate(drops):
            if method in methods:
                del drops[i]
                return True
        return False

    def _dropped(self, request: web.Request, method: str, handled: bool) -> web.Response:
        self.dropped.append((method, handled))
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=504)  # never reaches the client

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self._take(self._drop_before, method):
            return self._dropped(request, method, handled=False)
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        params: dict[str, Any] = {}
        uploads: dict[str, FileUpload] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            params = {k: v for k, v in form.items() if isinstance(v, str)}
            uploads = {k: FileUpload(v.filename, v.file.read(), v.content_type)
                       for k, v in form.items() if isinstance(v, web.FileField)}
        params.update(request.query)
        drop = self._take(self._drop_after, method)
        try:
            result = await self.fake.call(method, attach(params, uploads))
        except ApiError as exc:
            if drop:
                return self._dropped(request, method, handled=True)
            body: dict[str, Any] = {"ok": False, "error_code": exc.code,
                                    "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        if drop:
            return self._dropped(request, method, handled=True)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>: the file's bytes, as Telegram serves them."""
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        data = self.fake.download(request.match_info["path"])
        if data is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def start(self, port: int = 0) -> str:
        """Listen on `port` (0: a free one); a stopped server may start again on its port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self.fake.release_polls()
        self.fake.release_hangs()
        if self._runner is not None:
            await self._runner.cleanup()
