"""The fake MAX API's methods: each takes the call and returns the JSON MAX answers."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_max.model import (
    SECRET,
    Answer,
    Edit,
    MaxError,
    SentMessage,
    Subscription,
    bad,
    new_mid,
    now_ms,
    parse_body,
)
from tests.fake_max.uploads import UploadsMixin

# PATCH /me/commands (dev.max.ru/docs-api/use-cases/chatbot-commands): at most 32 commands,
# a name of 1-64 characters, a description (optional) of 1-128.
MAX_COMMANDS = 32
COMMAND_NAME = 64
COMMAND_DESCRIPTION = 128


def _menu(raw: Any) -> list[dict[str, Any]]:
    """The commands of a PATCH /me[/commands] body as MAX takes them, or 400 proto.payload."""
    if not isinstance(raw, list):
        raise bad("commands: an array of BotCommand")
    if len(raw) > MAX_COMMANDS:
        raise bad(f"commands: at most {MAX_COMMANDS} items, got {len(raw)}")
    menu = []
    for i, command in enumerate(raw):
        if not isinstance(command, dict):
            raise bad(f"commands[{i}]: an object with name and description")
        name, description = command.get("name"), command.get("description")
        if not (isinstance(name, str) and 1 <= len(name) <= COMMAND_NAME):
            raise bad(f"commands[{i}].name: 1 to {COMMAND_NAME} characters")
        if description is not None and not (
                isinstance(description, str) and 1 <= len(description) <= COMMAND_DESCRIPTION):
            raise bad(f"commands[{i}].description: 1 to {COMMAND_DESCRIPTION} characters")
        menu.append({"name": name, "description": description})
    return menu


@dataclass
class Req:
    method: str  # "VERB /path", e.g. "POST /messages"
    query: dict[str, str]
    body: Any
    match: dict[str, str] = field(default_factory=dict)
    request: web.Request | None = None


def _int(query: dict[str, str], name: str, default: int | None = None,
         low: int | None = None, high: int | None = None) -> int | None:
    raw = query.get(name)
    if raw in (None, "", "null"):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad(f"{name}: not a number: {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise bad(f"{name}: must be between {low} and {high}, got {value}")
    return value


class ApiMixin(UploadsMixin):
    answers: list[Answer]
    actions: list[tuple[int, str]]
    polls: int
    polling: asyncio.Event
    webhook_https_only: bool
    base_url: str
    commands: list[dict[str, Any]] | None
    _closing: bool

    # ---- bot, chats ---------------------------------------------------------------------

    async def _me(self, req: Req) -> Any:
        me = self.bot_user()
        me.update(description="Фронт-офис регионального здравоохранения (тест)",
                  avatar_url=None, full_avatar_url=None, commands=copy.deepcopy(self.commands))
        return me

    async def _set_commands(self, req: Req) -> Any:
        """PATCH /me/commands {"commands": [...]}: the menu replaced ([] removes it)."""
        body = req.body if isinstance(req.body, dict) else {}
        self.commands = _menu(body.get("commands"))
        return {"commands": copy.deepcopy(self.commands)}

    async def _edit_me(self, req: Req) -> Any:
        """PATCH /me: the bot's info; only `commands` is kept here (null: left as it is)."""
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("commands") is not None:
            self.commands = _menu(body["commands"])
        return await self._me(req)

    def _chat_info(self, raw: str | int):
        chat = self.chats.get(int(raw))
        if chat is None:
            raise MaxError(404, "chat.not.found", f"Chat {raw} not found")
        return chat

    async def _chat(self, req: Req) -> Any:
        chat = self._chat_info(req.match["chat_id"])
        status = "removed" if chat.chat_id in self.removed_from else (
            "suspended" if chat.user_id in self.blocked else "active")
        found: dict[str, Any] = {"chat_id": chat.chat_id, "type": chat.type, "status": status,
                                 "last_event_time": chat.last_event_time,
                                 "participants_count": len(chat.members), "is_public": False}
        if chat.type == "dialog":
            found["dialog_with_user"] = self.user(chat.user_id)
        else:
            found.update(title=chat.title, description=None,
                         messages_count=len([m for m in self.sent if m.chat_id == chat.chat_id]))
        return found

    async def _members(self, req: Req) -> Any:
        chat = self._chat_info(req.match["chat_id"])
        wanted = [int(u) for u in req.query.get("user_ids", "").split(",") if u.strip()]
        members = []
        for user_id in wanted or sorted(chat.members):
            if user_id in chat.members:
                member = self.bot_user() if user_id == self.bot_id else self.user(user_id)
                member.update(last_access_time=now_ms(), is_owner=False,
                              is_admin=user_id == self.bot_id, join_time=chat.last_event_time)
                members.append(member)
        return {"members": members, "marker": None}

    async def _action(self, req: Req) -> Any:
        chat = self._chat_info(req.match["chat_id"])
        action = (req.body or {}).get("action") if isinstance(req.body, dict) else None
        if not action:
            raise bad("action is required")
        self.actions.append((chat.chat_id, action))
        return {"success": True}

    # ---- messages -----------------------------------------------------------------------

    async def _send(self, req: Req) -> Any:
        chat_id = _int(req.query, "chat_id")
        user_id = _int(req.query, "user_id")
        if (chat_id is None) == (user_id is None):
            raise bad("Give exactly one of chat_id and user_id")
        body = parse_body(req.body, edit=False)
        if user_id is not None:
            chat = self.chats[self.dialog(user_id)]
        else:
            chat = self._chat_info(chat_id)
        self._check_access(chat.chat_id, chat.user_id)
        self._check_media(body["attachments"])
        self._check_ready(body["attachments"])
        self._check_chat_rate("message", chat.chat_id, req.method)
        sent = SentMessage(new_mid(), next(self._seq), chat.chat_id, chat.type, chat.user_id,
                           body["text"], body["format"], body["buttons"],
                           body["attachments"] or [], body["link"], body["notify"])
        self.sent.append(sent)
        self._by_mid[sent.mid] = sent
        chat.last_event_time = sent.timestamp
        return {"message": self.message_json(sent)}

    def _own(self, mid: str | None) -> SentMessage:
        if not mid:
            raise bad("message_id is required")
        sent = self._by_mid.get(mid)
        if sent is None or sent.deleted:
            raise MaxError(404, "not.found", f"Message {mid} not found")
        return sent

    def _apply(self, sent: SentMessage, body: dict[str, Any], via: str) -> None:
        """An edit as MAX makes it: text replaced when given; attachments kept when left out
        or null, replaced when given, all removed (the keyboard too) when an empty list."""
        if body["text"] is not None:
            sent.text = body["text"]
        if body["format"] is not None:
            sent.format = body["format"]
        if body["attachments"] is not None:
            sent.attachments = body["attachments"]
            sent.buttons = body["buttons"]
        sent.edits.append(Edit(sent.text, copy.deepcopy(sent.buttons), via))

    async def _edit(self, req: Req) -> Any:
        sent = self._own(req.query.get("message_id"))
        body = parse_body(req.body, edit=True)
        self._check_access(sent.chat_id, sent.user_id)
        self._check_media(body["attachments"])
        self._check_ready(body["attachments"])
        self._check_chat_rate("edit", sent.chat_id, req.method)
        self._apply(sent, body, "edit")
        return {"success": True}

    async def _delete(self, req: Req) -> Any:
        sent = self._own(req.query.get("message_id"))
        self._check_access(sent.chat_id, None)
        sent.deleted = True
        return {"success": True}

    async def _get_message(self, req: Req) -> Any:
        mid = req.match["mid"]
        if mid in self.incoming:
            return copy.deepcopy(self.incoming[mid])
        return self.message_json(self._own(mid))

    async def _answer(self, req: Req) -> Any:
        callback_id = req.query.get("callback_id", "").strip()
        if not callback_id:
            raise bad("callback_id is required")
        pressed = self._callbacks.get(callback_id)
        if pressed is None:
            raise MaxError(404, "not.found", f"Callback {callback_id[:16]}... not found")
        answer = req.body if isinstance(req.body, dict) else {}
        message, notification = answer.get("message"), answer.get("notification")
        if message is None and not notification:
            raise bad("Give message or notification")
        body = parse_body(message, edit=True) if message is not None else None
        sent = self._by_mid[pressed.mid]
        self._check_access(pressed.chat_id, sent.user_id)
        if body is not None:
            self._check_media(body["attachments"])
        self._check_chat_rate("answer", pressed.chat_id, req.method)
        if body is not None:
            self._apply(sent, body, "answer")
        self.answers.append(Answer(callback_id, pressed.chat_id, pressed.user_id, pressed.mid,
                                   notification, copy.deepcopy(message)))
        return {"success": True}

    # ---- updates ------------------------------------------------------------------------

    def _pending(self, since: int, types: set[str] | None) -> list[tuple[int, dict[str, Any]]]:
        return [(n, u) for n, u in self._queue
                if n >= since and (not types or u["update_type"] in types)]

    async def _updates(self, req: Req) -> Any:
        if self.subscriptions:
            raise MaxError(405, "method.not.allowed",
                           "Long polling is off while a webhook subscription is active")
        limit = _int(req.query, "limit", 100, 1, 1000)
        timeout = _int(req.query, "timeout", 30, 0, 90)
        marker = _int(req.query, "marker")
        types = {t for t in req.query.get("types", "").split(",") if t} or None
        self.polls += 1
        self.polling.set()
        await self._notify()
        if marker is not None:  # everything before the marker is committed: gone for good
            self._committed = max(self._committed, min(marker, self._next_number))
            self._queue = [(n, u) for n, u in self._queue if n >= self._committed]
        since = self._committed
        if timeout and not self._pending(since, types):
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait_for(
                        lambda: self._closing or self.subscriptions
                        or self._pending(since, types)), timeout)
                except TimeoutError:
                    pass
        pending = self._pending(since, types)
        batch = pending[:limit]
        following = batch[-1][0] + 1 if len(pending) > limit else self._next_number
        return {"updates": [copy.deepcopy(u) for _, u in batch], "marker": following}

    # ---- webhook subscriptions ----------------------------------------------------------

    async def _subscribe(self, req: Req) -> Any:
        body = req.body if isinstance(req.body, dict) else {}
        url, secret, types = body.get("url"), body.get("secret"), body.get("update_types")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad("url: required, an http(s) URL")
        if self.webhook_https_only and not url.startswith("https://"):
            raise bad("url: webhooks are delivered over HTTPS only")
        if secret is not None and not (isinstance(secret, str) and SECRET.fullmatch(secret)):
            raise bad("secret: 5 to 256 characters of A-Z, a-z, 0-9, _ and -")
        if types is not None and not (isinstance(types, list)
                                      and all(isinstance(t, str) for t in types)):
            raise bad("update_types: an array of update types")
        self.subscriptions = [s for s in self.subscriptions if s.url != url]
        self.subscriptions.append(Subscription(url, now_ms(), types or None, secret))
        await self._notify()  # a long poll waiting now is cut off
        return {"success": True}

    def drop_subscriptions(self) -> None:
        """MAX unsubscribes the bot (8 hours without a successful delivery), telling no one."""
        self.subscriptions = []

    async def _subscriptions(self, req: Req) -> Any:
        return {"subscriptions": [{"url": s.url, "time": s.time, "update_types": s.update_types}
                                  for s in self.subscriptions]}

    async def _unsubscribe(self, req: Req) -> Any:
        url = req.query.get("url")
        if not url:
            raise bad("url is required")
        before = len(self.subscriptions)
        self.subscriptions = [s for s in self.subscriptions if s.url != url]
        if len(self.subscriptions) == before:
            return {"success": False, "message": f"No subscription for {url}"}
        return {"success": True}
