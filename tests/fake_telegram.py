"""A fake Telegram Bot API for tests: in-process (RecordingSession for aiogram's Bot) or over
HTTP on 127.0.0.1 (FakeBotApiServer, for the real bot process via TELEGRAM_API_URL).

It keeps what a test needs to check: every call, the messages of every chat (numbered per
chat, as Telegram does), pending updates with getUpdates offset semantics, and it lets a
test play users: write, press buttons, reply to messages, send photos.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 123, "is_bot": True, "first_name": "medfront", "username": "medfront_test_bot"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class Sent:
    """A message the bot sent (or copied) into a chat."""

    chat_id: int
    message_id: int
    method: str
    text: str  # as a user sees it (HTML unescaped)
    html: str  # as sent
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_to: int | None = None
    edits: list[str] = field(default_factory=list)

    def payloads(self) -> list[str]:
        return [b.get("callback_data", "") for row in self.buttons for b in row]

    def payload(self, prefix: str) -> str:
        for p in self.payloads():
            if p.startswith(prefix):
                return p
        raise AssertionError(f"no button {prefix!r} in {self.payloads()} of {self.text!r}")


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    """Form values arrive as strings; JSON ones (markup, scope, ...) are decoded."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.updates: list[dict[str, Any]] = []
        self.chat_types: dict[int, str] = {}
        self.fail: dict[str, list[ApiError]] = {}  # method -> errors to raise, in order
        # getUpdates calls that would confirm this update hang, offset not applied
        self._hold_confirming: int | None = None
        self._polls_open = asyncio.Event()
        self.waiting_polls = 0
        self.confirmed_offset = 0
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Condition()

    # helpers

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat(self, chat_id: int) -> dict[str, Any]:
        kind = self.chat_types.get(chat_id, "private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = f"user{chat_id}"
        else:
            chat["title"] = f"group{chat_id}"
        return chat

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], Any], wait: float = 10.0) -> Any:
        """Wait until predicate() is truthy (checked after every call and update)."""
        async def waiting() -> Any:
            async with self._changed:
                while not (value := predicate()):
                    await self._changed.wait()
                return value

        return await asyncio.wait_for(waiting(), wait)

    # what the bot sent

    def to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.to(chat_id)]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def times_delivered(self, update_id: int) -> int:
        """How many getUpdates answers carried this update."""
        return sum(1 for c in self.calls_of("getUpdates")
                   for u in (c.result or []) if u["update_id"] == update_id)

    async def wait_message(self, chat_id: int, contains: str = "", after: int = 0,
                           wait: float = 10.0) -> Sent:
        """The first message to chat_id, among those after the first `after`, containing
        the text."""
        def found() -> Sent | None:
            for m in self.to(chat_id)[after:]:
                if contains in m.text:
                    return m
            return None

        try:
            return await self.wait_until(found, wait)
        except TimeoutError:
            raise AssertionError(f"no message with {contains!r} to {chat_id}; "
                                 f"got {self.texts_to(chat_id)}") from None

    # users' side

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        with contextlib.suppress(RuntimeError):  # no loop: nobody is waiting
            asyncio.get_running_loop().create_task(self._notify())
        return update

    def _user(self, user_id: int, name: str) -> dict[str, Any]:
        first, _, last = name.partition(" ")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first or "U"}
        if last:
            user["last_name"] = last
        return user

    def message(self, chat_id: int, user_id: int, text: str | None = None, *,
                name: str = "Иван Петров", chat_type: str | None = None,
                reply_to: int | None = None, photo: bool = False, document: bool = False,
                caption: str | None = None, extra: dict[str, Any] | None = None,
                kind: str = "message") -> dict[str, Any]:
        """A user's message as an update (also queued for getUpdates)."""
        if chat_type:
            self.chat_types[chat_id] = chat_type
        msg: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id), "date": int(time.time()),
            "chat": self._chat(chat_id), "from": self._user(user_id, name),
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split(" ", 1)[0])}]
        if caption is not None:
            msg["caption"] = caption
        if photo:
            n = next(self._file_ids)
            msg["photo"] = [
                {"file_id": f"photo{n}-small", "file_unique_id": f"ps{n}", "width": 90,
                 "height": 60},
                {"file_id": f"photo{n}-big", "file_unique_id": f"pb{n}", "width": 1280,
                 "height": 853},
            ]
        if document:
            n = next(self._file_ids)
            msg["document"] = {"file_id": f"doc{n}", "file_unique_id": f"d{n}",
                               "file_name": "scan.pdf"}
        if reply_to is not None:
            original = next((m for m in self.sent
                             if m.chat_id == chat_id and m.message_id == reply_to), None)
            msg["reply_to_message"] = {
                "message_id": reply_to, "date": int(time.time()), "chat": self._chat(chat_id),
                "from": BOT_USER, "text": original.text if original else "..."}
        msg.update(extra or {})
        return self._push({kind: msg})

    def press(self, chat_id: int, user_id: int, message_id: int, data: str, *,
              name: str = "Иван Петров") -> dict[str, Any]:
        """A callback button press on a bot message."""
        original = next((m for m in self.sent
                         if m.chat_id == chat_id and m.message_id == message_id), None)
        return self._push({"callback_query": {
            "id": f"cq{next(self._file_ids)}", "from": self._user(user_id, name),
            "chat_instance": "ci", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": self._chat(chat_id), "from": BOT_USER,
                        "text": original.text if original else "..."},
        }})

    def hold_confirmation(self, update: dict[str, Any]) -> None:
        """getUpdates calls that would confirm this update hang without applying their
        offset (the confirmation "never arrives") until release_polls()."""
        self._hold_confirming = update["update_id"]
        self._polls_open.clear()

    def release_polls(self) -> None:
        self._hold_confirming = None
        self._polls_open.set()

    async def deliver(self) -> None:
        """Wake a waiting getUpdates after updates were added."""
        await self._notify()

    # the Bot API

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        params = _decode(params)
        call = Call(method, params)
        try:
            errors = self.fail.get(method)
            if errors:
                raise errors.pop(0)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(params)
            return call.result
        finally:
            if method != "getUpdates":  # polls are recorded as they arrive, in api_getUpdates
                self.calls.append(call)
            await self._notify()

    async def api_getMe(self, p: dict[str, Any]) -> Any:
        return BOT_USER

    async def api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        return True

    async def api_setWebhook(self, p: dict[str, Any]) -> Any:
        return True

    async def api_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True

    async def api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True

    async def api_getUpdates(self, p: dict[str, Any]) -> Any:
        call = Call("getUpdates", p)
        self.calls.append(call)
        offset = int(p.get("offset") or 0)
        if self._hold_confirming is not None and offset > self._hold_confirming:
            await self._polls_open.wait()  # as if this request never reached Telegram
            return []
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        self.waiting_polls += 1
        await self._notify()
        try:
            async with self._changed:
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                    left = deadline - time.monotonic()
                    if ready or left <= 0:
                        call.result = ready[:limit]
                        return call.result
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), left)
        finally:
            self.waiting_polls -= 1

    def _store(self, method: str, chat_id: int, text: str, p: dict[str, Any],
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
        if chat_id in self.chat_types and self.chat_types[chat_id] == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = self._next_message_id(chat_id)
        markup = p.get("reply_markup") or {}
        reply = (p.get("reply_parameters") or {}).get("message_id")
        self.sent.append(Sent(chat_id, message_id, method, html.unescape(text), text,
                              markup.get("inline_keyboard", []),
                              int(reply) if reply is not None else None))
        msg = {"message_id": message_id, "date": int(time.time()),
               "chat": self._chat(chat_id), "from": BOT_USER, **(extra or {})}
        if markup:
            msg["reply_markup"] = markup
        return msg

    def _chat_id(self, p: dict[str, Any]) -> int:
        chat_id = int(p["chat_id"])
        if chat_id == 404:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    async def api_sendMessage(self, p: dict[str, Any]) -> Any:
        text = p.get("text", "")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(html.unescape(text)) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._store("sendMessage", self._chat_id(p), text, p, {"text": text})

    async def api_sendPhoto(self, p: dict[str, Any]) -> Any:
        photo = [{"file_id": p["photo"], "file_unique_id": "u", "width": 1, "height": 1}]
        return self._store("sendPhoto", self._chat_id(p), p.get("caption", ""), p,
                           {"photo": photo})

    async def api_sendDocument(self, p: dict[str, Any]) -> Any:
        return self._store("sendDocument", self._chat_id(p), p.get("caption", ""), p,
                           {"document": {"file_id": p["document"], "file_unique_id": "u"}})

    async def api_copyMessage(self, p: dict[str, Any]) -> Any:
        from_chat, mid = int(p["from_chat_id"]), int(p["message_id"])
        if mid <= 0:
            raise ApiError(400, "Bad Request: message to copy not found")
        msg = self._store("copyMessage", self._chat_id(p), f"copy of {from_chat}/{mid}", p)
        return {"message_id": msg["message_id"]}

    def _find(self, p: dict[str, Any]) -> Sent:
        chat_id, mid = int(p["chat_id"]), int(p["message_id"])
        for m in self.sent:
            if m.chat_id == chat_id and m.message_id == mid:
                return m
        raise ApiError(400, "Bad Request: message to edit not found")

    async def api_editMessageText(self, p: dict[str, Any]) -> Any:
        m = self._find(p)
        markup = (p.get("reply_markup") or {}).get("inline_keyboard", [])
        if p["text"] == m.html and markup == m.buttons:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same")
        m.html, m.text, m.buttons = p["text"], html.unescape(p["text"]), markup
        m.edits.append(m.text)
        return {"message_id": m.message_id, "date": int(time.time()),
                "chat": self._chat(m.chat_id), "text": m.html}

    async def api_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        m = self._find(p)
        m.buttons = (p.get("reply_markup") or {}).get("inline_keyboard", [])
        return {"message_id": m.message_id, "date": int(time.time()),
                "chat": self._chat(m.chat_id), "text": m.html}


# in-process: an aiogram session that calls the fake directly


def recording_session(fake: FakeTelegram):  # type: ignore[no-untyped-def]
    from aiogram.client.session.base import BaseSession

    class RecordingSession(BaseSession):
        """aiogram's Bot talks to `fake` without HTTP; responses go through aiogram's own
        response checking, so errors become the real aiogram exceptions."""

        async def make_request(self, bot, method, timeout=None):  # type: ignore[no-untyped-def]  # noqa: ASYNC109
            params: dict[str, Any] = {}
            files: dict[str, Any] = {}
            for key, value in method.model_dump(warnings=False).items():
                value = self.prepare_value(value, bot=bot, files=files)
                if value:
                    params[key] = value
            try:
                result = await fake.call(method.__api_method__, params)
                body, status = {"ok": True, "result": result}, 200
            except ApiError as exc:
                body = {"ok": False, "error_code": exc.code, "description": exc.description}
                if exc.parameters:
                    body["parameters"] = exc.parameters
                status = exc.code
            response = self.check_response(bot=bot, method=method, status_code=status,
                                           content=json.dumps(body))
            return response.result

        async def stream_content(self, url, headers=None, timeout=30, chunk_size=65536,  # noqa: ASYNC109
                                 raise_for_status=True) -> AsyncGenerator[bytes, None]:  # type: ignore[no-untyped-def]
            raise NotImplementedError
            yield b""

        async def close(self) -> None:
            return None

    return RecordingSession()


# over HTTP


class FakeBotApiServer:
    """/bot<token>/<method> on 127.0.0.1, a free port."""

    def __init__(self, fake: FakeTelegram, token: str = "123:TEST") -> None:
        self.fake = fake
        self.token = token
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            params = {k: v for k, v in form.items() if isinstance(v, str)}
        params.update(request.query)
        try:
            result = await self.fake.call(request.match_info["method"], params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code,
                                    "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self.fake.release_polls()
        if self._runner is not None:
            await self._runner.cleanup()
