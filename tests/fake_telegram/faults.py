"""Telegram's rate limits and the faults a test turns on: fail windows, hung chats, a
revoked token, kicked or migrated chats."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from tests.fake_telegram.records import SENDING, ApiError, Hang, window_wait
from tests.fake_telegram.state import ChatState


class Faults(ChatState):
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(now)
        self.fail: dict[str, list[ApiError]] = {}  # method -> errors to raise, in order
        self.limits: tuple[int, int, int] | None = None  # global/s, private/s, group/min
        self.too_many: list[tuple[float, str, int]] = []  # (time, method, chat_id) of 429s
        self.unauthorized: list[tuple[float, str]] = []  # (time, method) of revoked 401s
        self.accepted_times: dict[int, list[float]] = {}  # chat -> accepted sending calls
        self._accepted_all: list[float] = []
        self._fail_windows: list[tuple[float, int, str, frozenset[str]]] = []
        self._hung: dict[int, Hang] = {}
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
        self._hung.setdefault(chat_id, Hang())

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
            wait = window_wait(self._accepted_all, now, 1.0, global_per_s)
            if chat_id > 0:
                wait = max(wait, window_wait(chat_times, now, 1.0, private_per_s))
            elif chat_id < 0:
                wait = max(wait, window_wait(chat_times, now, 60.0, group_per_minute))
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
