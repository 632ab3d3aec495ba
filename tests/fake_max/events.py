"""Users, chats and the updates MAX sends about them, for the long poll or the webhook."""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.fake_max.faults import FaultsMixin
from tests.fake_max.model import (
    DIALOG_OFFSET,
    FIRST_GROUP_ID,
    MEDIA_TYPES,
    START_PAYLOAD,
    ChatInfo,
    Delivery,
    SentMessage,
    Subscription,
    body_json,
    new_mid,
    now_ms,
    user_json,
)


@dataclass
class PressedButton:
    callback_id: str
    mid: str
    chat_id: int
    user_id: int


class EventsMixin(FaultsMixin):
    """Builders of updates as MAX sends them. Each one is injected (inject=True): queued for
    GET /updates or, while a webhook subscription is on, POSTed to it; and returned."""

    bot_id: int
    sent: list[SentMessage]
    subscriptions: list[Subscription]
    webhook_timeout: float
    bot_name: str
    bot_username: str

    def _init_events(self) -> None:
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.incoming: dict[str, dict[str, Any]] = {}  # mid -> users' messages (Message JSON)
        self.received_media: dict[str, str] = {}  # token -> type, of media users sent the bot
        self.deliveries: list[Delivery] = []
        self.dropped_payloads: list[str] = []  # start payloads MAX would not pass to the bot
        self._by_mid: dict[str, SentMessage] = {}
        self._callbacks: dict[str, PressedButton] = {}
        self._queue: list[tuple[int, dict[str, Any]]] = []  # (number, update) for the poll
        self._next_number = 1
        self._committed = 1
        self._seq = itertools.count(116_327_994_376_978_687)
        self._group_ids = itertools.count(FIRST_GROUP_ID, -1)
        self._pushes: set[asyncio.Task[Any]] = set()
        self._client: aiohttp.ClientSession | None = None

    # ---- users and chats ----------------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, last_name: str | None = None,
             username: str | None = None) -> dict[str, Any]:
        """The User with this id (made up on first use; names given here replace it)."""
        if first_name is not None or user_id not in self.users:
            self.users[user_id] = user_json(user_id, first_name or f"Имя{user_id}",
                                            last_name if first_name else f"Фамилия{user_id}",
                                            username)
        return copy.deepcopy(self.users[user_id])

    def dialog(self, user_id: int) -> int:
        """The chat_id of the bot's dialog with the user (positive, not the user's id)."""
        chat_id = user_id + DIALOG_OFFSET
        if chat_id not in self.chats:
            self.user(user_id)
            self.chats[chat_id] = ChatInfo(chat_id, "dialog", user_id=user_id,
                                           members={user_id, self.bot_id})
        return chat_id

    def group(self, chat_id: int | None = None, title: str = "Группа", *,
              members: tuple[int, ...] = (), channel: bool = False) -> int:
        """A group chat (or channel) with the bot in it; MAX's group ids are negative."""
        chat_id = next(self._group_ids) if chat_id is None else chat_id
        if chat_id >= 0:
            raise ValueError(f"MAX group chat and channel ids are negative, got {chat_id}")
        info = self.chats.setdefault(chat_id, ChatInfo(chat_id, "channel" if channel else "chat",
                                                       title=title, members={self.bot_id}))
        for member in members:
            self.user(member)
            info.members.add(member)
        return chat_id

    def bot_user(self) -> dict[str, Any]:
        return user_json(self.bot_id, self.bot_name, username=self.bot_username, is_bot=True)

    def message_json(self, sent: SentMessage) -> dict[str, Any]:
        """A message the bot sent, as MAX returns it (POST /messages, updates)."""
        recipient: dict[str, Any] = {"chat_id": sent.chat_id, "chat_type": sent.chat_type}
        if sent.user_id is not None:
            recipient["user_id"] = sent.user_id
        message: dict[str, Any] = {"sender": self.bot_user(), "recipient": recipient,
                                   "timestamp": sent.timestamp, "body": body_json(sent)}
        if sent.link is not None:
            try:
                linked = self._linked(sent.link["mid"])
            except KeyError:
                linked = None
            if linked is not None:
                linked["type"] = sent.link["type"]
                message["link"] = linked
        return message

    # ---- builders -----------------------------------------------------------------------

    def _linked(self, reply_to: Any) -> dict[str, Any]:
        if isinstance(reply_to, dict) and "message" in reply_to:  # an update from message()
            reply_to = reply_to["message"]["body"]["mid"]
        if isinstance(reply_to, str):
            reply_to = self._by_mid.get(reply_to) or self.incoming[reply_to]
        if isinstance(reply_to, SentMessage):
            return {"type": "reply", "sender": self.bot_user(), "chat_id": reply_to.chat_id,
                    "message": body_json(reply_to)}
        link = {"type": "reply", "message": copy.deepcopy(reply_to["body"]),
                "chat_id": reply_to["recipient"]["chat_id"]}
        if reply_to.get("sender"):
            link["sender"] = copy.deepcopy(reply_to["sender"])
        return link

    def message(self, user_id: int, text: str = "", chat_id: int | None = None,
                chat_type: str = "dialog", reply_to: Any = None, *,
                attachments: list[dict[str, Any]] | None = None, user_locale: str = "ru",
                inject: bool = True) -> dict[str, Any]:
        """message_created: the user writes `text` to the bot (chat_type "dialog") or into a
        group chat (chat_type "chat", chat_id negative). `reply_to`: a SentMessage, a mid or
        an update from message(); the message then carries link {type "reply", ...}."""
        if chat_type == "dialog":
            if chat_id is None:
                chat_id = self.dialog(user_id)
            elif chat_id not in self.chats:
                self.chats[chat_id] = ChatInfo(chat_id, "dialog", user_id=user_id,
                                               members={user_id, self.bot_id})
            recipient = {"chat_id": chat_id, "chat_type": "dialog", "user_id": self.bot_id}
        elif chat_type in ("chat", "channel"):
            if chat_id is None:
                raise ValueError("a group chat message needs the chat_id (see group())")
            self.group(chat_id, members=(user_id,), channel=chat_type == "channel")
            recipient = {"chat_id": chat_id, "chat_type": chat_type}
        else:
            raise ValueError(f"chat_type is dialog, chat or channel, not {chat_type!r}")
        self.chats[chat_id].last_event_time = now_ms()
        body: dict[str, Any] = {"mid": new_mid(), "seq": next(self._seq), "text": text,
                                "attachments": copy.deepcopy(attachments or []), "markup": []}
        for media in attachments or []:  # MAX knows their tokens: the bot may send them on
            if media.get("type") in MEDIA_TYPES and (media.get("payload") or {}).get("token"):
                self.received_media[media["payload"]["token"]] = media["type"]
        message: dict[str, Any] = {"sender": self.user(user_id), "recipient": recipient,
                                   "timestamp": now_ms(), "body": body}
        if reply_to is not None:
            message["link"] = self._linked(reply_to)
        self.incoming[body["mid"]] = message
        update: dict[str, Any] = {"update_type": "message_created", "timestamp": now_ms(),
                                  "message": copy.deepcopy(message)}
        if chat_type == "dialog":
            update["user_locale"] = user_locale
        return self.inject(update) if inject else update

    def message_edited(self, original: dict[str, Any] | str, text: str, *,
                       inject: bool = True) -> dict[str, Any]:
        """message_edited: the user changed a message made by message() (or its mid)."""
        mid = original if isinstance(original, str) else original["message"]["body"]["mid"]
        message = self.incoming[mid]
        message["body"]["text"] = text
        update = {"update_type": "message_edited", "timestamp": now_ms(),
                  "message": copy.deepcopy(message)}
        return self.inject(update) if inject else update

    def press(self, message: SentMessage | str, label: str, *, user_id: int | None = None,
              user_locale: str = "ru", inject: bool = True) -> dict[str, Any]:
        """message_callback: the user pressed the callback button labelled `label` of a message
        the bot sent (in a group chat give `user_id`). The callback_id can be answered once or
        more with POST /answers."""
        sent = self._by_mid[message] if isinstance(message, str) else message
        button = sent.button(label)
        if button["type"] != "callback":
            raise ValueError(f"{label!r} is a {button['type']} button: MAX sends no callback")
        uid = user_id if user_id is not None else sent.user_id
        if uid is None:
            raise ValueError("pressing a button in a group chat needs the user_id")
        callback_id = secrets.token_urlsafe(72)
        self._callbacks[callback_id] = PressedButton(callback_id, sent.mid, sent.chat_id, uid)
        callback: dict[str, Any] = {"timestamp": now_ms(), "callback_id": callback_id,
                                    "payload": button["payload"], "user": self.user(uid)}
        update = {"update_type": "message_callback", "timestamp": now_ms(),
                  "callback": callback, "message": self.message_json(sent),
                  "user_locale": user_locale}
        return self.inject(update) if inject else update

    def start(self, user_id: int, payload: str | None = None, *, user_locale: str = "ru",
              inject: bool = True) -> dict[str, Any]:
        """bot_started: the user pressed Start, maybe through https://max.ru/<bot>?start=<payload>.
        MAX passes at most 128 characters of A-Z, a-z, 0-9, _ and -; other payloads are
        dropped (the update comes without one), as MAX does. Starting unblocks the user."""
        self.unblock(user_id)
        update: dict[str, Any] = {"update_type": "bot_started", "timestamp": now_ms(),
                                  "chat_id": self.dialog(user_id), "user": self.user(user_id)}
        if payload is not None:
            if START_PAYLOAD.fullmatch(payload):
                update["payload"] = payload
            else:
                self.dropped_payloads.append(payload)
        update["user_locale"] = user_locale
        return self.inject(update) if inject else update

    def bot_stopped(self, user_id: int, *, inject: bool = True) -> dict[str, Any]:
        """bot_stopped: the user stopped the bot; block()s them (sends get 403 chat.denied)."""
        self.block(user_id)
        update = {"update_type": "bot_stopped", "timestamp": now_ms(),
                  "chat_id": self.dialog(user_id), "user": self.user(user_id), "user_locale": "ru"}
        return self.inject(update) if inject else update

    def bot_added(self, chat_id: int, *, is_channel: bool = False, user_id: int | None = None,
                  inject: bool = True) -> dict[str, Any]:
        """bot_added: the bot is (back) in a group chat or channel. Since November 2026 MAX
        sends no `user` here; pass `user_id` to get the older shape with the adder's User."""
        self.group(chat_id, channel=is_channel)
        self.restore_bot(chat_id)
        update: dict[str, Any] = {"update_type": "bot_added", "timestamp": now_ms(),
                                  "chat_id": chat_id, "is_channel": is_channel}
        if user_id is not None:
            update["user"] = self.user(user_id)
        return self.inject(update) if inject else update

    def bot_removed(self, chat_id: int, user_id: int, *, is_channel: bool = False,
                    inject: bool = True) -> dict[str, Any]:
        """bot_removed: `user_id` removed the bot; remove_bot()s it (403 chat.denied there)."""
        self.remove_bot(chat_id)
        update = {"update_type": "bot_removed", "timestamp": now_ms(), "chat_id": chat_id,
                  "user": self.user(user_id), "is_channel": is_channel}
        return self.inject(update) if inject else update

    def user_added(self, chat_id: int, user_id: int, *, inviter_id: int | None = None,
                   is_channel: bool = False, inject: bool = True) -> dict[str, Any]:
        self.group(chat_id, members=(user_id,), channel=is_channel)
        update: dict[str, Any] = {"update_type": "user_added", "timestamp": now_ms(),
                                  "chat_id": chat_id, "user": self.user(user_id),
                                  "is_channel": is_channel}
        if inviter_id is not None:
            update["inviter_id"] = inviter_id
        return self.inject(update) if inject else update

    def user_removed(self, chat_id: int, user_id: int, *, admin_id: int | None = None,
                     is_channel: bool = False, inject: bool = True) -> dict[str, Any]:
        self.chats[self.group(chat_id, channel=is_channel)].members.discard(user_id)
        update: dict[str, Any] = {"update_type": "user_removed", "timestamp": now_ms(),
                                  "chat_id": chat_id, "user": self.user(user_id),
                                  "is_channel": is_channel}
        if admin_id is not None:
            update["admin_id"] = admin_id
        return self.inject(update) if inject else update

    # ---- delivery -----------------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue the update for GET /updates, or push it to the webhook when subscribed."""
        if self.subscriptions:
            task = asyncio.get_running_loop().create_task(self.push(update))
        else:
            self._queue.append((self._next_number, copy.deepcopy(update)))
            self._next_number += 1
            task = asyncio.get_running_loop().create_task(self._notify())
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)
        return update

    async def push(self, update: dict[str, Any], *, url: str | None = None) -> list[Delivery]:
        """POST the update to every subscription that takes its type (or to `url` only), with
        X-Max-Bot-Api-Secret when the subscription has a secret; records each Delivery."""
        if self._client is None:
            self._client = aiohttp.ClientSession()
        done = []
        for sub in list(self.subscriptions):
            if (url and sub.url != url) or (
                    sub.update_types and update["update_type"] not in sub.update_types):
                continue
            headers = {"X-Max-Bot-Api-Secret": sub.secret} if sub.secret else {}
            delivery = Delivery(sub.url, copy.deepcopy(update), None, sub.secret)
            try:
                async with self._client.post(
                        sub.url, json=update, headers=headers,
                        timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)) as response:
                    await response.read()
                    delivery.status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                delivery.error = repr(exc)
            self.deliveries.append(delivery)
            done.append(delivery)
        await self._notify()
        return done

    async def redeliver(self) -> list[Delivery]:
        """Send again every delivery that failed (MAX retries those for up to 8 hours)."""
        again = []
        for delivery in [d for d in self.deliveries if not d.ok and not d.retried]:
            delivery.retried = True
            again += await self.push(delivery.update, url=delivery.url)
        return again

    async def drain(self) -> None:
        """Wait for the webhook pushes under way."""
        while self._pushes:
            await asyncio.gather(*list(self._pushes), return_exceptions=True)

    async def wait_delivered(self, count: int = 1, within: float = 10.0) -> list[Delivery]:
        return await self.wait_for(
            lambda: self.deliveries[:count] if len(self.deliveries) >= count else None, within)
