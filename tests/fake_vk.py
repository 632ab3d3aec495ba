"""A fake VK API on 127.0.0.1 for tests: the methods the bot calls, a long-poll server,
and hooks to inject events and await what the bot sent.

Methods (POST or GET /method/<name>, params in the query and/or the form, access_token
checked): groups.getById, groups.getLongPollServer, messages.send (peer_ids -> a list of
{peer_id, message_id, conversation_message_id}; random_id deduplicated per peer),
messages.edit (peer_id + conversation_message_id or message_id), messages.
sendMessageEventAnswer, users.get; uploads of photos and documents into messages
(tests/fake_vk_uploads.py). Keyboards are checked against VK's limits for inline
keyboards (6 rows, 5 a row, 10 buttons, labels up to 40 characters, payload up to 255)
and texts against 4096 characters: a violation is VK's error 911 / 914, as VK answers.

Long poll: /lp?act=a_check&key=..&ts=..&wait=.. answers {"ts", "updates"} with the
updates from `ts` on, holding the request up to `wait` seconds until there are some.

Off unless a test turns them on (time from `now`, which a test may speed up): the rate
limit (enforce_limits: error 6), error windows (a VK error or an HTTP error page), hung
peers, a revoked token (error 5) and chats the community was removed from (error 917).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_vk_uploads import UPLOAD_ROUTE, VkUploadsMixin

CHAT_PEER_BASE = 2_000_000_000
SENDING = frozenset({"messages.send", "messages.edit"})  # error windows' default methods


@dataclass
class SentMessage:
    peer_id: int
    text: str
    keyboard: dict[str, Any] | None
    attachment: str
    random_id: int
    message_id: int
    cmid: int
    edits: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[list[tuple[str, str]]]:
        """(label, core payload) of each button, by rows."""
        if not self.keyboard:
            return []
        return [[(b["action"]["label"], json.loads(b["action"]["payload"]).get("p", ""))
                 for b in row] for row in self.keyboard.get("buttons", [])]

    @property
    def labels(self) -> list[str]:
        return [label for row in self.rows for label, _ in row]

    def payload(self, label: str) -> str:
        for row in self.rows:
            for text, payload in row:
                if label in text:
                    return payload
        raise AssertionError(f"no button {label!r} in {self.labels}")


class VkApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Hang(asyncio.Event):
    aborted = False  # released by close(): the call fails instead of going on


class FakeVk(VkUploadsMixin):
    def __init__(self, token: str = "vk-test-token", group_id: int = 77,
                 group_name: str = "Минздрав (тест)",
                 now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.token = token
        self.group_id = group_id
        self.group_name = group_name
        self.updates: list[dict[str, Any]] = []
        self.sent: list[SentMessage] = []
        self.event_answers: list[dict[str, str]] = []
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.names: dict[int, tuple[str, str]] = {}
        self.blocked: set[int] = set()  # users who do not allow messages (error 901)
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.delays: dict[str, float] = {}
        self.entered: dict[str, asyncio.Event] = {}
        self.polling = asyncio.Event()  # set by the first long-poll request
        self.lp_requests = 0
        self.lp_key = secrets.token_hex(8)
        self._cmids: dict[int, int] = {}
        self._message_ids = itertools.count(1)
        self._random_ids: dict[tuple[int, int], SentMessage] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        # rate limit (enforce_limits) and faults
        self.per_second: int | None = None
        self.too_many: list[tuple[float, str]] = []  # (time, method) of each error 6
        self.accepted_times: dict[int, list[float]] = {}  # peer -> accepted messages.send
        self.dedupe_hits = 0  # sends answered with the earlier message (repeated random_id)
        self._call_times: list[float] = []
        self._error_windows: list[tuple[float, int, str, frozenset[str]]] = []
        self._http_windows: list[tuple[float, int, frozenset[str]]] = []
        self._hung: dict[int, _Hang] = {}
        self.hanging = 0  # messages.send calls waiting on a hung peer now
        self.token_revoked = False
        self.removed_from: set[int] = set()  # chats the community is no longer in
        self._init_uploads()  # files into messages: tests/fake_vk_uploads.py

    # ---- server ----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/method/{name}", self._method)
        app.router.add_route("*", "/lp", self._long_poll)
        app.router.add_post(UPLOAD_ROUTE, self._upload)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        async with self._changed:
            self._changed.notify_all()
        for hang in self._hung.values():
            hang.aborted = True
            hang.set()
        self._hung.clear()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- test hooks ------------------------------------------------------------------

    def fail_next(self, method: str, code: int, message: str = "fake failure") -> None:
        self.failures.setdefault(method, []).append((code, message))

    def enforce_limits(self, per_second: int = 20) -> None:
        """API calls (not the long poll) over `per_second` in any 1 s get error 6."""
        self.per_second = per_second

    def error_window(self, seconds: float, code: int = 10,
                     message: str = "Internal server error",
                     methods: list[str] | None = None) -> float:
        """Calls to `methods` (None: messages.send/edit) get VK error `code` for `seconds`;
        returns the end."""
        end = self.now() + seconds
        self._error_windows.append((end, code, message, frozenset(methods or SENDING)))
        return end

    def http_error_window(self, seconds: float, status: int = 502,
                          methods: list[str] | None = None) -> float:
        """Calls to `methods` (None: messages.send/edit) get an HTTP `status` HTML page."""
        end = self.now() + seconds
        self._http_windows.append((end, status, frozenset(methods or SENDING)))
        return end

    def hang(self, peer_id: int) -> None:
        """messages.send to the peer waits (unanswered) until unhang()."""
        self._hung.setdefault(peer_id, _Hang())

    def unhang(self, peer_id: int) -> None:
        if (hang := self._hung.pop(peer_id, None)) is not None:
            hang.set()

    def revoke_token(self) -> None:
        self.token_revoked = True

    def restore_token(self) -> None:
        self.token_revoked = False

    def remove_from_chat(self, peer_id: int) -> None:
        """The community was removed from the chat: sending or editing there gets 917."""
        self.removed_from.add(peer_id)

    async def _wait_hung(self, name: str, params: dict[str, str]) -> None:
        if name != "messages.send" or not self._hung:
            return
        peers = set()
        for raw in (params.get("peer_ids") or params.get("peer_id", "")).split(","):
            with contextlib.suppress(ValueError):
                peers.add(int(raw))
        while hang := next((self._hung[p] for p in peers if p in self._hung), None):
            self.hanging += 1
            await self._notify()
            try:
                await hang.wait()
            finally:
                self.hanging -= 1
            if hang.aborted:
                raise VkApiError(10, "Internal server error")

    def _check_limits(self, name: str) -> None:
        if self.per_second is None:
            return
        now = self.now()
        self._call_times = [t for t in self._call_times if t > now - 1.0]
        if len(self._call_times) >= self.per_second:
            self.too_many.append((now, name))
            raise VkApiError(6, "Too many requests per second")
        self._call_times.append(now)

    def next_cmid(self, peer_id: int) -> int:
        self._cmids[peer_id] = self._cmids.get(peer_id, 0) + 1
        return self._cmids[peer_id]

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        update.setdefault("group_id", self.group_id)
        update.setdefault("event_id", secrets.token_hex(20))
        update.setdefault("v", "5.199")
        self.updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def message_new(self, from_id: int, text: str = "", *, peer_id: int | None = None,
                    payload: dict[str, Any] | None = None, reply_to: SentMessage | None = None,
                    attachments: list[dict[str, Any]] | None = None,
                    action: dict[str, Any] | None = None, inject: bool = True,
                    ) -> dict[str, Any]:
        """A message_new update as VK sends it (API 5.199); injected into the long poll."""
        peer = peer_id if peer_id is not None else from_id
        message: dict[str, Any] = {
            "date": int(time.time()), "from_id": from_id,
            "id": 0 if peer >= CHAT_PEER_BASE else next(self._message_ids),
            "out": 0, "version": 10_000_000, "attachments": attachments or [],
            "conversation_message_id": self.next_cmid(peer), "fwd_messages": [],
            "important": False, "is_hidden": False, "peer_id": peer, "random_id": 0,
            "text": text,
        }
        if payload is not None:
            message["payload"] = json.dumps(payload)
        if action is not None:
            message["action"] = action
        if reply_to is not None:
            message["reply_message"] = {
                "date": int(time.time()), "from_id": -self.group_id, "text": reply_to.text,
                "attachments": [], "conversation_message_id": reply_to.cmid,
                "peer_id": reply_to.peer_id, "id": reply_to.message_id,
            }
        update = {"type": "message_new", "object": {"message": message, "client_info": {
            "button_actions": ["text", "vkpay", "open_app", "location", "open_link",
                               "callback", "intent_subscribe", "intent_unsubscribe"],
            "keyboard": True, "inline_keyboard": True, "carousel": True, "lang_id": 0}}}
        return self.inject(update) if inject else update

    def press(self, user_id: int, on: SentMessage, label: str, *,
              inject: bool = True) -> dict[str, Any]:
        """A callback button of a sent message pressed: a message_event update."""
        update = {"type": "message_event", "object": {
            "user_id": user_id, "peer_id": on.peer_id, "event_id": secrets.token_hex(6),
            "payload": {"p": on.payload(label)}, "conversation_message_id": on.cmid}}
        return self.inject(update) if inject else update

    def bot_removed(self, peer_id: int, by: int = 1, *, remove: bool = True,
                    inject: bool = True) -> dict[str, Any]:
        """message_new with action chat_kick_user of the community; remove_from_chat()."""
        if remove:
            self.remove_from_chat(peer_id)
        return self.message_new(by, peer_id=peer_id, inject=inject, action={
            "type": "chat_kick_user", "member_id": -self.group_id})

    def bot_added(self, peer_id: int, by: int = 1, *, inject: bool = True) -> dict[str, Any]:
        """message_new with action chat_invite_user of the community (back in the chat)."""
        self.removed_from.discard(peer_id)
        return self.message_new(by, peer_id=peer_id, inject=inject, action={
            "type": "chat_invite_user", "member_id": -self.group_id})

    def photo(self, owner_id: int, photo_id: int, access_key: str = "k3y") -> dict[str, Any]:
        return {"type": "photo", "photo": {
            "album_id": -3, "date": int(time.time()), "id": photo_id, "owner_id": owner_id,
            "access_key": access_key, "sizes": [{"height": 75, "width": 75, "type": "s",
                                                  "url": "https://example.invalid/p.jpg"}],
            "text": "", "has_tags": False}}

    def to(self, peer_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.peer_id == peer_id]

    async def wait_for(self, predicate: Callable[[], Any], within: float = 10.0) -> Any:
        """Wait until predicate() is truthy (re-checked on every change); returns it."""
        async def waiter() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(waiter(), within)

    async def wait_sent(self, peer_id: int, contains: str = "", count: int = 1,
                        within: float = 10.0) -> SentMessage:
        """The count-th message to peer_id containing `contains`."""
        def found() -> SentMessage | None:
            hits = [m for m in self.to(peer_id) if contains in m.text]
            return hits[count - 1] if len(hits) >= count else None
        try:
            return await self.wait_for(found, within)
        except TimeoutError:
            texts = [m.text[:80] for m in self.to(peer_id)]
            raise AssertionError(
                f"no message #{count} with {contains!r} to {peer_id}; got {texts}") from None

    # ---- API methods -----------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        self.calls.append((name, params))
        if name in self.entered:
            self.entered[name].set()
        if self.delays.get(name):
            await asyncio.sleep(self.delays[name])
        now = self.now()
        for end, status, methods in self._http_windows:
            if now < end and name in methods:
                return web.Response(status=status, content_type="text/html", text=(
                    f"<html><head><title>{status}</title></head><body><center><h1>{status}"
                    "</h1></center><hr><center>nginx</center></body></html>"))
        try:
            await self._wait_hung(name, params)  # as if stuck on the way; the rest is after
            if params.get("access_token") != self.token:
                raise VkApiError(5, "User authorization failed: invalid access_token (4).")
            if self.token_revoked:
                raise VkApiError(5, "User authorization failed: invalid access_token")
            self._check_limits(name)
            now = self.now()
            for end, code, message, methods in self._error_windows:
                if now < end and name in methods:
                    raise VkApiError(code, message)
            if self.failures.get(name):
                raise VkApiError(*self.failures[name].pop(0))
            handler = getattr(self, "_m_" + name.replace(".", "_"), None)
            if handler is None:
                raise VkApiError(3, "Unknown method passed")
            result = handler(params)
        except VkApiError as exc:
            body: dict[str, Any] = {"error": {
                "error_code": exc.code, "error_msg": str(exc),
                "request_params": [{"key": "method", "value": name}]}}
        else:
            body = {"response": result}
        await self._notify()
        return web.json_response(body)

    def _m_groups_getById(self, params: dict[str, str]) -> Any:
        return {"groups": [{"id": self.group_id, "name": self.group_name,
                            "screen_name": f"club{self.group_id}", "is_closed": 0,
                            "type": "group"}], "profiles": []}

    def _m_groups_getLongPollServer(self, params: dict[str, str]) -> Any:
        if params.get("group_id") != str(self.group_id):
            raise VkApiError(100, "One of the parameters specified was missing or invalid")
        return {"key": self.lp_key, "server": f"{self.base_url}/lp", "ts": str(len(self.updates))}

    def _m_users_get(self, params: dict[str, str]) -> Any:
        people = []
        for raw in params.get("user_ids", "").split(","):
            if raw.strip().isdigit():
                uid = int(raw)
                first, last = self.names.get(uid, (f"Имя{uid}", f"Фамилия{uid}"))
                people.append({"id": uid, "first_name": first, "last_name": last,
                               "can_access_closed": True, "is_closed": False})
        return people

    def _m_messages_sendMessageEventAnswer(self, params: dict[str, str]) -> Any:
        for key in ("event_id", "user_id", "peer_id"):
            if not params.get(key):
                raise VkApiError(100, f"One of the parameters specified was missing: {key}")
        self.event_answers.append(params)
        return 1

    @staticmethod
    def _check_keyboard(raw: str | None) -> dict[str, Any] | None:
        if not raw:
            return None
        try:
            keyboard = json.loads(raw)
        except ValueError:
            raise VkApiError(911, "Keyboard format is invalid: not JSON") from None
        rows = keyboard.get("buttons", [])
        if keyboard.get("inline"):
            if len(rows) > 6 or sum(len(r) for r in rows) > 10:
                raise VkApiError(911, "Keyboard format is invalid: too many buttons")
        elif len(rows) > 10 or sum(len(r) for r in rows) > 40:
            raise VkApiError(911, "Keyboard format is invalid: too many buttons")
        for row in rows:
            if len(row) > 5:
                raise VkApiError(911, "Keyboard format is invalid: row too wide")
            for button in row:
                action = button.get("action", {})
                if action.get("type") not in ("callback", "text", "open_link"):
                    raise VkApiError(911, "Keyboard format is invalid: button type")
                if not action.get("label") or len(action["label"]) > 40:
                    raise VkApiError(911, "Keyboard format is invalid: label")
                if len(action.get("payload", "")) > 255:
                    raise VkApiError(911, "Keyboard format is invalid: payload too long")
                json.loads(action.get("payload", "{}"))
        return keyboard

    def _m_messages_send(self, params: dict[str, str]) -> Any:
        if "random_id" not in params:
            raise VkApiError(100, "One of the parameters specified was missing: random_id")
        text = params.get("message", "")
        if len(text) > 4096:
            raise VkApiError(914, "Message is too long")
        if not text and not params.get("attachment"):
            raise VkApiError(100, "One of the parameters specified was missing: message")
        keyboard = self._check_keyboard(params.get("keyboard"))
        random_id = int(params["random_id"])
        plural = "peer_ids" in params
        peers = [int(p) for p in (params.get("peer_ids") or params.get("peer_id", "")).split(",")
                 if p.strip()]
        if not peers:
            raise VkApiError(100, "One of the parameters specified was missing: peer_id")
        results = []
        for peer in peers:
            if peer in self.blocked or peer in self.removed_from:
                error = ({"code": 901, "description": "Can't send messages for users without "
                                                      "permission"} if peer in self.blocked
                         else {"code": 917, "description": "You don't have access to this chat"})
                if not plural:
                    raise VkApiError(error["code"], error["description"])
                results.append({"peer_id": peer, "error": error})
                continue
            sent = self._random_ids.get((peer, random_id)) if random_id else None
            self.accepted_times.setdefault(peer, []).append(self.now())
            if sent is not None:
                self.dedupe_hits += 1
            else:
                sent = SentMessage(peer, text, keyboard, params.get("attachment", ""), random_id,
                                   0 if peer >= CHAT_PEER_BASE else next(self._message_ids),
                                   self.next_cmid(peer))
                self.sent.append(sent)
                if random_id:
                    self._random_ids[(peer, random_id)] = sent
            results.append({"peer_id": peer, "message_id": sent.message_id,
                            "conversation_message_id": sent.cmid})
        return results if plural else results[0]["message_id"]

    def _m_messages_edit(self, params: dict[str, str]) -> Any:
        peer = int(params.get("peer_id", "0"))
        cmid, mid = params.get("conversation_message_id"), params.get("message_id")
        keyboard = self._check_keyboard(params.get("keyboard"))
        text = params.get("message", "")
        if len(text) > 4096:
            raise VkApiError(914, "Message is too long")
        if peer in self.removed_from:
            raise VkApiError(917, "You don't have access to this chat")
        for sent in self.sent:
            if sent.peer_id == peer and ((cmid and sent.cmid == int(cmid))
                                         or (mid and sent.message_id == int(mid))):
                sent.edits.append(text)
                sent.text = text
                sent.keyboard = keyboard
                return 1
        raise VkApiError(100, "One of the parameters specified was missing or invalid: "
                              "message not found")

    # ---- long poll -------------------------------------------------------------------

    async def _long_poll(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        self.polling.set()
        self.lp_requests += 1
        await self._notify()
        if params.get("key") != self.lp_key:
            return web.json_response({"failed": 2})
        try:
            ts = int(params.get("ts", ""))
        except ValueError:
            return web.json_response({"failed": 1, "ts": str(len(self.updates))})
        wait = min(float(params.get("wait", "25") or 25), 90.0)
        if ts > len(self.updates):
            return web.json_response({"failed": 1, "ts": str(len(self.updates))})
        if ts == len(self.updates):
            async with self._changed:
                with_timeout = asyncio.wait_for(
                    self._changed.wait_for(lambda: len(self.updates) > ts), wait)
                try:
                    await with_timeout
                except TimeoutError:
                    pass
        return web.json_response({"ts": str(len(self.updates)), "updates": self.updates[ts:]})
