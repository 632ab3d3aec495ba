"""MAX update -> the core's Incoming (pure translation, no I/O).

`incoming_of(update, me)` by the update's `update_type`: message_created, message_callback
(a callback button: its string payload), bot_started (the Start button, maybe through a
deep link https://max.ru/<bot>?start=<payload>: given to the core as "/start <payload>", so
`inst_<id>` and `inv_<token>` work from a link), bot_added / bot_removed / bot_stopped (the
bot's own membership), message_edited; other types mean nothing to the core.

A dialog is named by the person's user id (the sender sends there with `user_id=`); a group
chat (recipient.chat_type "chat") by its negative chat_id; channels are not for the core.
mid -> message_id, and a reply's `link` {type "reply", message.mid} -> the message it
answers (a reply to a card finds its appeal). MAX has no update ids: `update_key` builds a
stable one (the mid, the callback_id, or the type, chat and timestamp), so an update MAX
sends again is ignored by the core.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from bot.dialog.types import Attachment, ChatEvent, Incoming
from handlers.max_sender import MEDIA_TYPES, PLATFORM

ATTACHMENT_KINDS = {"image": "photo", "file": "document"}
# Kept as "other" without a file: nothing to pass on, but the core knows something came.
PLAIN_KINDS = ("contact", "location", "share")


@dataclass(frozen=True, slots=True)
class Me:
    """The bot itself (GET /me at start): its own messages and mentions are recognised."""

    user_id: int = 0
    username: str = ""


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def update_key(update: dict[str, Any]) -> str | None:
    """A stable id for the update (the dedupe key): the same update sent again gets it."""
    kind = str(update.get("update_type") or "")
    message = update.get("message") if isinstance(update.get("message"), dict) else {}
    mid = (message.get("body") or {}).get("mid") if isinstance(message, dict) else None
    if kind == "message_created" and mid:
        return f"m:{mid}"
    if kind == "message_callback":
        callback = update.get("callback") or {}
        if callback.get("callback_id"):
            return f"cb:{_digest(str(callback['callback_id']))}"
    stamp = update.get("timestamp")
    if stamp is None:
        return None
    where = mid or update.get("chat_id") or (update.get("user") or {}).get("user_id") or ""
    return f"{kind}:{where}:{stamp}"


def conversation_key(update: dict[str, Any]) -> str:
    """Updates of one chat are handled in order: its chat id (or the person's in a dialog)."""
    chat = chat_of(update)
    return chat[0] if chat is not None else f"update:{id(update)}"


def chat_of(update: dict[str, Any]) -> tuple[str, bool] | None:
    """(chat_id as the core names it, is_group), or None for a channel or no chat."""
    message = update.get("message")
    if isinstance(message, dict):
        recipient = message.get("recipient") or {}
        chat_type = recipient.get("chat_type")
        if chat_type == "chat":
            return str(recipient.get("chat_id")), True
        if chat_type == "dialog":
            if update.get("update_type") == "message_callback":
                person = ((update.get("callback") or {}).get("user") or {}).get("user_id")
            else:
                sender = message.get("sender") or {}
                person = (recipient.get("user_id") if sender.get("is_bot")
                          else sender.get("user_id"))
            return (str(person), False) if person is not None else None
        return None
    chat_id = update.get("chat_id")
    if isinstance(chat_id, int) and chat_id < 0:
        return str(chat_id), True
    person = (update.get("user") or {}).get("user_id")
    return (str(person), False) if person is not None else None


def user_name(user: dict[str, Any]) -> str:
    name = user.get("name") or " ".join(
        str(p) for p in (user.get("first_name"), user.get("last_name")) if p)
    return str(name or "")


def incoming_of(update: dict[str, Any], me: Me) -> Incoming | None:
    """The core's view of an update, or None for updates the core has no use for."""
    match update.get("update_type"):
        case "message_created":
            return from_message(update, me)
        case "message_callback":
            return from_callback(update)
        case "bot_started":
            return from_start(update)
        case "bot_added":
            return _event(update, ChatEvent.BOT_ADDED)
        case "bot_removed" | "bot_stopped":
            return _event(update, ChatEvent.BOT_REMOVED)
        case "message_edited":
            return from_edit(update, me)
    return None


def _mention_re(me: Me) -> re.Pattern[str] | None:
    if not me.username:
        return None
    return re.compile(rf"^\s*@{re.escape(me.username)}\b[\s,:]*", re.IGNORECASE)


def attachments_of(body: dict[str, Any], chat_id: str, mid: str) -> tuple[Attachment, ...]:
    """Media as "<type>:<token>" (what POST /messages takes back); stickers are skipped."""
    found = []
    for item in body.get("attachments") or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", ""))
        raw = item.get("payload")
        payload: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if kind in MEDIA_TYPES and payload.get("token"):
            found.append(Attachment(ATTACHMENT_KINDS.get(kind, "other"),
                                    f"{kind}:{payload['token']}", chat_id, mid, PLATFORM))
        elif kind in PLAIN_KINDS:
            found.append(Attachment("other", "", chat_id, mid, PLATFORM))
    return tuple(found)


def from_message(update: dict[str, Any], me: Me) -> Incoming | None:
    message = update.get("message") or {}
    sender = message.get("sender") or {}
    chat = chat_of(update)
    if chat is None or sender.get("is_bot") or sender.get("user_id") is None:
        return None  # our own messages, other bots, channel posts
    chat_id, is_group = chat
    body = message.get("body") or {}
    mid = str(body.get("mid") or "")
    text = str(body.get("text") or "")
    mention = _mention_re(me)
    if is_group and mention is not None:
        text = mention.sub("", text, count=1)
    reply_to, reply_text, to_bot, reply_author = None, "", False, ""
    link = message.get("link")
    if isinstance(link, dict) and link.get("type") == "reply":
        linked = link.get("message") or {}
        author = link.get("sender") or {}
        if linked.get("mid"):
            reply_to = str(linked["mid"])
            reply_text = str(linked.get("text") or "")[:4096]
        to_bot = bool(author.get("is_bot")) and (not me.user_id
                                                 or author.get("user_id") == me.user_id)
        if author.get("user_id") is not None and not author.get("is_bot"):
            reply_author = str(author["user_id"])
    return Incoming(
        platform=PLATFORM, chat_id=chat_id, user_id=str(sender["user_id"]), text=text.strip(),
        reply_to_message_id=reply_to, reply_to_text=reply_text, reply_to_bot=to_bot,
        reply_to_user_id=reply_author, attachments=attachments_of(body, chat_id, mid),
        user_name=user_name(sender), is_group=is_group, message_id=mid or None,
        update_id=update_key(update))


def from_callback(update: dict[str, Any]) -> Incoming | None:
    callback = update.get("callback") or {}
    user = callback.get("user") or {}
    chat = chat_of(update)
    if chat is None or user.get("user_id") is None:
        return None
    payload = callback.get("payload")
    # A payload we did not make still reaches the core, which answers "stale button".
    payload = payload if isinstance(payload, str) and payload else "?"
    mid = ((update.get("message") or {}).get("body") or {}).get("mid")
    return Incoming(platform=PLATFORM, chat_id=chat[0], user_id=str(user["user_id"]),
                    payload=payload, user_name=user_name(user), is_group=chat[1],
                    message_id=str(mid) if mid else None, update_id=update_key(update))


def from_start(update: dict[str, Any]) -> Incoming | None:
    """The Start button: "/start" with the deep link's payload, as the other platforms."""
    user = update.get("user") or {}
    if user.get("user_id") is None:
        return None
    payload = update.get("payload")
    text = f"/start {payload}" if isinstance(payload, str) and payload.strip() else "/start"
    return Incoming(platform=PLATFORM, chat_id=str(user["user_id"]),
                    user_id=str(user["user_id"]), text=text, user_name=user_name(user),
                    update_id=update_key(update))


def _event(update: dict[str, Any], kind: ChatEvent) -> Incoming | None:
    if update.get("is_channel"):
        return None
    chat = chat_of(update)
    if chat is None:
        return None
    # bot_added carries no `user` since 2026-11: nobody to name.
    person = (update.get("user") or {}).get("user_id")
    return Incoming(platform=PLATFORM, chat_id=chat[0],
                    user_id=str(person) if person is not None else "0", is_group=chat[1],
                    update_id=update_key(update), event=kind)


def from_edit(update: dict[str, Any], me: Me) -> Incoming | None:
    message = update.get("message") or {}
    sender = message.get("sender") or {}
    chat = chat_of(update)
    if chat is None or sender.get("is_bot") or sender.get("user_id") is None:
        return None
    return Incoming(platform=PLATFORM, chat_id=chat[0], user_id=str(sender["user_id"]),
                    is_group=chat[1], update_id=update_key(update),
                    event=ChatEvent.MESSAGE_EDITED)
