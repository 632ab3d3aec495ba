"""A fake Telegram Bot API for tests: in-process (RecordingSession for aiogram's Bot) or over
HTTP on 127.0.0.1 (FakeBotApiServer, for the real bot process via TELEGRAM_API_URL).

It keeps what a test needs to check: every call, the messages of every chat (numbered per
chat, as Telegram does), pending updates with getUpdates offset semantics, and it lets a
test play users: write, press buttons, reply to messages, send photos.

Off unless a test turns them on: Telegram's rate limits (enforce_limits; a refused call is a
429 with retry_after) and faults: fail windows, hung chats, a revoked token, kicked or
migrated chats, and (FakeBotApiServer) connections dropped before or after handling. All
time goes through `now` (a test may pass a fast clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 123, "is_bot": True, "first_name": "medfront", "username": "medfront_test_bot"}
# the methods that count against the rate limits and meet the chat faults
SENDING = frozenset({"sendMessage", "copyMessage", "sendPhoto", "sendDocument",
                     "editMessageText", "editMessageReplyMarkup"})


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


class _Hang(asyncio.Event):
    aborted = False  # released by a server stop: the call fails instead of going on


def _window_wait(times: list[float], now: float, window: float, limit: int) -> float:
    """0 if one more call fits `limit` per `window` seconds, else seconds until it does."""
    recent = [t for t in times if t > now - window]
    if len(recent) < limit:
        return 0.0
    return recent[len(recent) - limit] + window - now if limit > 0 else window


class FakeTelegram:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
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
        # rate limits (enforce_limits) and faults
        self.limits: tuple[int, int, int] | None = None  # global/s, private/s, group/min
        self.too_many: list[tuple[float, str, int]] = []  # (time, method, chat_id) of 429s
        self.unauthorized: list[tuple[float, str]] = []  # (time, method) of revoked 401s
        self.accepted_times: dict[int, list[float]] = {}  # chat -> accepted sending calls
        self._accepted_all: list[float] = []
        self._fail_windows: list[tuple[float, int, str, frozenset[str]]] = []
        self._hung: dict[int, _Hang] = {}
        self.hanging = 0  # sending calls waiting in a hung chat now
        self.token_revoked = False
        self.kicked: set[int] = set()
        self.migrations: dict[int, int] = {}  # old chat -> the supergroup it became

    # limits and faults

    def enforce_limits(self, global_per_s: int = 30, private_per_s: float = 1.0,
                       group_per_minute: int = 20) -> None:
        """Sending calls over Telegram's limits get 429 with retry_after."""
        self.limits = (global_per_s, math.ceil(private_per_s), group_per_minute)

    def fail_window(self, seconds: float, code: int = 500,
                    description: str = "Internal Server Error",
                    methods: list[str] | None = None) -> float:
        """Calls to `methods` (None: the sending ones) fail for `seconds`; returns the end."""
        end = self.now() + seconds
        self._fail_windows.append((end, code, description, frozenset(methods or SENDING)))
        return end

    def hang(self, chat_id: int) -> None:
        """Sending calls to the chat wait (unanswered) until unhang()."""
        self._hung.setdefault(chat_id, _Hang())

    def unhang(self, chat_id: int) -> None:
        if (hang := self._hung.pop(chat_id, None)) is not None:
            hang.set()

    def release_hangs(self) -> None:
        """Hung calls fail (502) instead of waiting on; the server does this on stop."""
        for hang in self._hung.values():
            hang.aborted = True
            hang.set()
        self._hung.clear()

    def revoke_token(self) -> None:
        self.token_revoked = True

    def restore_token(self) -> None:
        self.token_revoked = False

    def kick(self, chat_id: int) -> None:
        """The bot was removed from a group (or blocked by a user): sending calls get 403."""
        self.kicked.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sending there gets 400 with migrate_to_chat_id."""
        self.migrations[chat_id] = new_chat_id
        self.chat_types.setdefault(chat_id, "group")
        self.chat_types[new_chat_id] = "supergroup"

    async def _wait_hung(self, chat_id: int) -> None:
        while (hang := self._hung.get(chat_id)) is not None:
            self.hanging += 1
            await self._notify()
            try:
                await hang.wait()
            finally:
                self.hanging -= 1
            if hang.aborted:
                raise ApiError(502, "Bad Gateway")

    def _check_chat(self, method: str, chat_id: int) -> None:
        """Kicked/migrated chats and the rate limits for a sending call."""
        if chat_id in self.kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat" if chat_id < 0
                           else "Forbidden: bot was blocked by the user")
        if chat_id in self.migrations:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           parameters={"migrate_to_chat_id": self.migrations[chat_id]})
        if self.limits is not None:
            global_per_s, private_per_s, group_per_minute = self.limits
            now = self.now()
            self._accepted_all = [t for t in self._accepted_all if t > now - 1.0]
            chat_times = self.accepted_times.get(chat_id, [])
            wait = _window_wait(self._accepted_all, now, 1.0, global_per_s)
            if chat_id > 0:
                wait = max(wait, _window_wait(chat_times, now, 1.0, private_per_s))
            elif chat_id < 0:
                wait = max(wait, _window_wait(chat_times, now, 60.0, group_per_minute))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                self.too_many.append((now, method, chat_id))
                raise ApiError(429, f"Too Many Requests: retry after {retry}",
                               parameters={"retry_after": retry})

    def _accept(self, chat_id: int) -> None:
        now = self.now()
        self.accepted_times.setdefault(chat_id, []).append(now)
        if self.limits is not None:
            self._accepted_all.append(now)

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
                kind: str = "message", reply_to_user: int | None = None) -> dict[str, Any]:
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
            if reply_to_user is not None:  # a reply to a person's message, not the bot's
                msg["reply_to_message"]["from"] = self._user(reply_to_user, "Коллега")
                msg["reply_to_message"]["text"] = "..."
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

    def _member_update(self, chat_id: int, by_user_id: int, old: str, new: str) -> dict[str, Any]:
        return self._push({"my_chat_member": {
            "chat": self._chat(chat_id), "from": self._user(by_user_id, "Иван Петров"),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": BOT_USER},
            "new_chat_member": {"status": new, "user": BOT_USER}}})

    def bot_removed(self, chat_id: int, by_user_id: int = 1, *,
                    kick: bool = True) -> dict[str, Any]:
        """my_chat_member: the bot left the group (member -> left); also kick(chat_id)."""
        if kick:
            self.kick(chat_id)
        return self._member_update(chat_id, by_user_id, "member", "left")

    def bot_added(self, chat_id: int, by_user_id: int = 1) -> dict[str, Any]:
        """my_chat_member: the bot was added to the group (left -> member); un-kicks it."""
        self.kicked.discard(chat_id)
        return self._member_update(chat_id, by_user_id, "left", "member")

    def migrated(self, chat_id: int, new_chat_id: int, user_id: int = 1) -> dict[str, Any]:
        """The service message in the old group when it became a supergroup; the old id
        is migrated from now on (see migrate())."""
        self.migrate(chat_id, new_chat_id)
        return self.message(chat_id, user_id, extra={"migrate_to_chat_id": new_chat_id})

    def raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Any JSON object as an update, malformed ones too (a message without chat, ...),
        queued for getUpdates with the next update_id."""
        return self._push(update)

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
            chat_id = None
            if method in SENDING and str(params.get("chat_id", "")).lstrip("-").isdigit():
                chat_id = int(params["chat_id"])
                await self._wait_hung(chat_id)  # as if stuck on the way; the rest is after
            if self.token_revoked:
                self.unauthorized.append((self.now(), method))
                raise ApiError(401, "Unauthorized")
            errors = self.fail.get(method)
            if errors:
                raise errors.pop(0)
            now = self.now()
            for end, code, description, methods in self._fail_windows:
                if now < end and method in methods:
                    raise ApiError(code, description)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            if chat_id is not None:
                self._check_chat(method, chat_id)
            call.result = await handler(params)
            if chat_id is not None:
                self._accept(chat_id)
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
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            params = {k: v for k, v in form.items() if isinstance(v, str)}
        params.update(request.query)
        drop = self._take(self._drop_after, method)
        try:
            result = await self.fake.call(method, params)
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

    async def start(self, port: int = 0) -> str:
        """Listen on `port` (0: a free one); a stopped server may start again on its port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self.fake.release_polls()
        self.fake.release_hangs()
        if self._runner is not None:
            await self._runner.cleanup()
