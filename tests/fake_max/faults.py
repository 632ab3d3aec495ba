"""The fake MAX API's limits and faults, off until a test turns them on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fake_max.model import MEDIA_TYPES, SENDING, MaxError


@dataclass
class _Window:
    remaining: int
    status: int
    code: str | None
    message: str
    methods: frozenset[str]


class _Hang:
    def __init__(self, seconds: float | None, methods: frozenset[str]) -> None:
        self.seconds = seconds
        self.methods = methods
        self.released = asyncio.Event()


class FaultsMixin:
    """Rate limits (enforce_limits), error windows, hangs, a revoked token, chats the bot was
    removed from and users who blocked it. Methods are named "VERB /path", e.g. "POST /messages";
    `SENDING` (the default for windows and hangs) is POST/PUT/DELETE /messages and POST /answers.
    """

    now: Callable[[], float]
    token: str

    def _init_faults(self) -> None:
        self._changed = asyncio.Condition()
        self.per_second: int | None = None  # every API call but the long poll and uploads
        self.per_chat: int | None = None  # messages, edits and answers per chat, each kind apart
        self.too_many: list[tuple[float, str]] = []  # (time, method) of every 429 for a limit
        self.token_revoked = False
        self.removed_from: set[int] = set()  # chats the bot is no longer in
        self.blocked: set[int] = set()  # users who stopped or blocked the bot
        self.hanging = 0  # calls held by hang() right now
        self.failed: list[tuple[str, int]] = []  # (method, status) answered by fail_window()
        self._call_times: list[float] = []
        self._chat_times: dict[tuple[str, int], list[float]] = {}
        self._windows: list[_Window] = []
        self._hang: _Hang | None = None
        self._not_ready = 0

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], within: float = 10.0) -> Any:
        """Wait until predicate() is truthy (checked again on every change); returns it."""
        async def waiter() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(waiter(), within)

    # ---- switches -------------------------------------------------------------------

    def enforce_limits(self, per_second: int | None = 30, per_chat: int | None = 2) -> None:
        """MAX's limits: about 30 requests a second in all, and at most two messages, two edits
        and two answers a second into one dialog, group chat or channel; over them is a 429
        too.many.requests. Time is `now` (a test may pass a clock it moves itself)."""
        self.per_second, self.per_chat = per_second, per_chat

    def relax_limits(self) -> None:
        self.per_second = self.per_chat = None

    def fail_window(self, n: int, status: int = 503, *, code: str | None = None,
                    message: str = "", methods: Iterable[str] | None = None) -> None:
        """The next `n` calls to `methods` get `status` with MAX's error body (the code by
        default: 5xx internal.error / service.unavailable, 429 too.many.requests, ...)."""
        self._windows.append(_Window(n, status, code, message,
                                     frozenset(methods) if methods else SENDING))

    def hang(self, seconds: float | None = None, *, methods: Iterable[str] | None = None) -> None:
        """Calls to `methods` are held `seconds` each (None: until unhang()) before an answer."""
        self.unhang()
        self._hang = _Hang(seconds, frozenset(methods) if methods else SENDING)

    def unhang(self) -> None:
        if self._hang is not None:
            self._hang.released.set()
            self._hang = None

    def revoke_token(self) -> None:
        """Every call gets 401 verify.token from now on (restore_token() undoes it)."""
        self.token_revoked = True

    def restore_token(self) -> None:
        self.token_revoked = False

    def remove_bot(self, chat_id: int) -> None:
        """The bot is out of the chat: sends, edits and answers there get 403 chat.denied."""
        self.removed_from.add(chat_id)

    def restore_bot(self, chat_id: int) -> None:
        self.removed_from.discard(chat_id)

    def block(self, user_id: int) -> None:
        """The user stopped or blocked the bot: messages to them get 403 chat.denied."""
        self.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(user_id)

    def attachment_not_ready(self, times: int = 1) -> None:
        """The next `times` messages carrying uploaded media get 400 attachment.not.ready."""
        self._not_ready += times

    # ---- checks (called by the server) -------------------------------------------------

    async def _maybe_hang(self, method: str) -> None:
        hang = self._hang
        if hang is None or method not in hang.methods:
            return
        self.hanging += 1
        await self._notify()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(hang.released.wait(), hang.seconds)
        finally:
            self.hanging -= 1

    def _check_window(self, method: str) -> None:
        for window in self._windows:
            if window.remaining > 0 and method in window.methods:
                window.remaining -= 1
                self.failed.append((method, window.status))
                raise MaxError(window.status, window.code,
                               window.message or f"Fake outage ({window.status})")

    def _check_auth(self, request: web.Request) -> None:
        if "access_token" in request.query:
            raise MaxError(401, "verify.token", "Passing the token in the access_token query "
                                                "parameter is no longer supported: use the "
                                                "Authorization header")
        header = request.headers.get("Authorization")
        if not header:
            raise MaxError(401, "verify.token", "No access_token provided")
        if header != self.token or self.token_revoked:
            raise MaxError(401, "verify.token", "Invalid access_token")

    def _too_many(self, method: str, what: str) -> MaxError:
        self.too_many.append((self.now(), method))
        return MaxError(429, "too.many.requests", what)

    def _check_rate(self, method: str) -> None:
        if self.per_second is None:
            return
        now = self.now()
        self._call_times = [t for t in self._call_times if t > now - 1.0]
        if len(self._call_times) >= self.per_second:
            raise self._too_many(method, "Too many requests")
        self._call_times.append(now)

    def _check_chat_rate(self, kind: str, chat_id: int, method: str) -> None:
        if self.per_chat is None:
            return
        now = self.now()
        times = [t for t in self._chat_times.get((kind, chat_id), []) if t > now - 1.0]
        if len(times) >= self.per_chat:
            self._chat_times[(kind, chat_id)] = times
            raise self._too_many(method, f"Too many {kind}s to chat {chat_id}")
        self._chat_times[(kind, chat_id)] = [*times, now]

    def _check_access(self, chat_id: int, user_id: int | None) -> None:
        if chat_id in self.removed_from:
            raise MaxError(403, "chat.denied", f"Bot is not a member of chat {chat_id}")
        if user_id is not None and user_id in self.blocked:
            raise MaxError(403, "chat.denied", f"Key: error.dialog.suspended, args: [{user_id},].")

    def _check_ready(self, attachments: list[dict] | None) -> None:
        if self._not_ready and attachments and any(a["type"] in MEDIA_TYPES for a in attachments):
            self._not_ready -= 1
            raise MaxError(400, "attachment.not.ready",
                           "Key: errors.process.attachment.file.not.processed")
