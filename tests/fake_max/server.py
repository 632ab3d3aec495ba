"""FakeMax: the fake MAX Bot API server on 127.0.0.1 and what a test reads from it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fake_max.api import ApiMixin, Req
from tests.fake_max.model import Answer, Call, MaxError, SentMessage, Subscription

ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (verb, re.compile(path), handler) for verb, path, handler in [
        ("GET", r"/me", "_me"),
        ("PATCH", r"/me", "_edit_me"),
        ("PATCH", r"/me/commands", "_set_commands"),
        ("GET", r"/updates", "_updates"),
        ("POST", r"/messages", "_send"),
        ("PUT", r"/messages", "_edit"),
        ("DELETE", r"/messages", "_delete"),
        ("GET", r"/messages/(?P<mid>[\w.-]+)", "_get_message"),
        ("POST", r"/answers", "_answer"),
        ("GET", r"/chats/(?P<chat_id>-?\d+)", "_chat"),
        ("GET", r"/chats/(?P<chat_id>-?\d+)/members", "_members"),
        ("POST", r"/chats/(?P<chat_id>-?\d+)/actions", "_action"),
        ("GET", r"/subscriptions", "_subscriptions"),
        ("POST", r"/subscriptions", "_subscribe"),
        ("DELETE", r"/subscriptions", "_unsubscribe"),
        ("POST", r"/uploads", "_upload_url"),
    ]]
_ID = re.compile(r"/-?\d+")
UNLIMITED = frozenset({"GET /updates"})  # not counted against enforce_limits' per_second


class FakeMax(ApiMixin):
    """See the package docstring (tests/fake_max/__init__.py) for what it does and knows."""

    def __init__(self, token: str = "max-test-token", *, bot_id: int = 229_229_229,
                 bot_name: str = "Минздрав (тест)", bot_username: str = "medfront_test_bot",
                 now: Callable[[], float] = time.monotonic, webhook_https_only: bool = False,
                 webhook_timeout: float = 5.0) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.bot_username = bot_username
        self.now = now
        self.webhook_https_only = webhook_https_only  # MAX itself takes only https:// now
        self.webhook_timeout = webhook_timeout
        self.sent: list[SentMessage] = []
        self.answers: list[Answer] = []
        self.actions: list[tuple[int, str]] = []  # (chat_id, action) of POST /chats/{id}/actions
        self.calls: list[Call] = []
        self.subscriptions: list[Subscription] = []
        self.commands: list[dict[str, Any]] | None = None  # the menu (PATCH /me[/commands])
        self.polls = 0  # GET /updates requests
        self.polling = asyncio.Event()  # set by the first GET /updates
        self.base_url = ""
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._init_faults()
        self._init_events()
        self._init_uploads()

    # ---- server -------------------------------------------------------------------------

    async def serve(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL (for Bot.set_api_url).
        (Not start(): that name is the bot_started builder, as the other fakes' builders.)"""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/upload/{key}", self._upload)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def close(self) -> None:
        self._closing = True
        self.unhang()
        await self._notify()
        await self.drain()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeMax:
        await self.serve()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _route(self, verb: str, path: str) -> tuple[str, dict[str, str]]:
        known_path = False
        for route_verb, pattern, handler in ROUTES:
            if found := pattern.fullmatch(path):
                known_path = True
                if route_verb == verb:
                    return handler, found.groupdict()
        if known_path:
            raise MaxError(405, "method.not.allowed", f"Method {verb} is not allowed for {path}")
        raise MaxError(404, "method.not.found", f"Path {path} is not recognized. "
                                                "Please check docs at https://dev.max.ru/docs")

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"].strip("/")
        method = f"{request.method} {_ID.sub('/{id}', path)}"
        call = Call(request.method, path, dict(request.query), None)
        self.calls.append(call)
        try:
            handler, match = self._route(request.method, path)
            raw = await request.read()
            try:
                call.body = json.loads(raw) if raw.strip() else None
            except ValueError:
                raise MaxError(400, "proto.payload", "Can't deserialize body") from None
            await self._maybe_hang(method)
            self._check_window(method)
            self._check_auth(request)
            if method not in UNLIMITED:
                self._check_rate(method)
            result = await getattr(self, handler)(
                Req(method, dict(request.query), call.body, match, request))
            status = 200
        except MaxError as exc:
            status, result = exc.status, exc.body()
        call.status = status
        await self._notify()
        return web.json_response(result, status=status)

    # ---- what a test reads --------------------------------------------------------------

    def to(self, chat_id: int) -> list[SentMessage]:
        """The messages the bot sent into the chat (a dialog's chat_id: see dialog())."""
        return [m for m in self.sent if m.chat_id == chat_id]

    def to_user(self, user_id: int) -> list[SentMessage]:
        """The messages the bot sent into its dialog with the user."""
        return [m for m in self.sent if m.user_id == user_id]

    def by_mid(self, mid: str) -> SentMessage:
        return self._by_mid[mid]

    async def wait_sent(self, chat_id: int, text: str = "", within: float = 10.0, *,
                        count: int = 1) -> SentMessage:
        """The count-th message into `chat_id` whose text contains `text`, waiting up to
        `within` seconds for it (named as in FakeVk; ruff's ASYNC109 bars `timeout`)."""
        def found() -> SentMessage | None:
            hits = [m for m in self.to(chat_id) if text in (m.text or "")]
            return hits[count - 1] if len(hits) >= count else None
        try:
            return await self.wait_for(found, within)
        except TimeoutError:
            texts = [(m.text or "")[:80] for m in self.to(chat_id)]
            raise AssertionError(
                f"no message #{count} with {text!r} into {chat_id}; got {texts}") from None

    async def wait_answer(self, count: int = 1, within: float = 10.0) -> Answer:
        return await self.wait_for(
            lambda: self.answers[count - 1] if len(self.answers) >= count else None, within)

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """The updates the long poll still holds (not yet committed by a marker)."""
        return [u for n, u in self._queue if n >= self._committed]
