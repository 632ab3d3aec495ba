"""VK event -> the core's Incoming (pure translation, no I/O).

`incoming_of(event, group_id, user_name)` by the event's type: message_new, message_edit,
message_event (a callback button); other types mean nothing to the core.

peer_id -> chat_id, from_id -> user_id, peer_id >= 2000000000 -> is_group,
conversation_message_id -> message_id (the same id the sender records for what it sends,
so a reply to a card finds its appeal), event_id -> update_id (a redelivered event is
ignored by the core); the bot's own membership changes -> chat events.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.dialog.types import Attachment, ChatEvent, Incoming
from handlers.vk_sender import PLATFORM, is_group_peer

_ATTACHMENT_KINDS = {"photo": "photo", "doc": "document"}
_SKIPPED_ATTACHMENTS = {"sticker", "gift", "link"}


def message_of(event: dict[str, Any]) -> dict[str, Any]:
    """The message of a message_new event (its "object", or "object.message" since API
    5.103); the object itself for the other events."""
    obj = event.get("object") or {}
    message = obj.get("message")
    return message if isinstance(message, dict) else obj


def incoming_of(event: dict[str, Any], group_id: int, user_name: str = "") -> Incoming | None:
    """The core's view of an event, or None for events the core has no use for."""
    match event.get("type"):
        case "message_new":
            return incoming_from_message(event, group_id, user_name)
        case "message_edit":
            return incoming_from_edit(event)
        case "message_event":
            return incoming_from_button(event, user_name)
    return None


def person_of(event: dict[str, Any]) -> int | None:
    """The person whose name goes on a card (users.get): who wrote a message or pressed a
    button; None for communities and service messages (nobody to name)."""
    match event.get("type"):
        case "message_new":
            message = message_of(event)
            author = message.get("from_id")
            if isinstance(message.get("action"), dict):
                return None
        case "message_event":
            author = (event.get("object") or {}).get("user_id")
        case _:
            return None
    return author if isinstance(author, int) and author > 0 else None


def conversation_key(event: dict[str, Any]) -> str:
    """Events of one conversation are handled in order: its peer_id (an event without
    one stands alone)."""
    if isinstance(event.get("object"), dict):
        peer = message_of(event).get("peer_id")
        if peer is not None:
            return str(peer)
    return f"event:{id(event)}"


def event_brief(event: Any) -> Any:
    """An event in a log line: its type and id, never its contents."""
    if isinstance(event, dict):
        return {k: event.get(k) for k in ("type", "event_id")}
    return type(event).__name__


def _mention_re(group_id: int) -> re.Pattern[str]:
    return re.compile(rf"^\s*\[(?:club|public){group_id}\|[^\]]*\][\s,:]*")


def attachments_of(message: dict[str, Any], chat_id: str, message_id: str,
                   ) -> tuple[Attachment, ...]:
    """Photos and documents as "photo<owner>_<id>_<access_key>" refs (what messages.send
    takes back); other kinds as "other"; stickers are not attachments."""
    found = []
    for item in message.get("attachments") or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", ""))
        body = item.get(kind)
        if kind in _SKIPPED_ATTACHMENTS or not isinstance(body, dict):
            continue
        owner, object_id = body.get("owner_id"), body.get("id")
        if owner is None or object_id is None:
            continue
        ref = f"{kind}{owner}_{object_id}"
        if body.get("access_key"):
            ref += f"_{body['access_key']}"
        found.append(Attachment(_ATTACHMENT_KINDS.get(kind, "other"), ref, chat_id, message_id,
                                PLATFORM))
    return tuple(found)


def _reply_target(message: dict[str, Any], peer_id: int,
                  group_id: int) -> tuple[str | None, str, bool]:
    """The conversation_message_id and text of the message this one answers, and whether
    it is the bot's own: a reply, or a single forwarded message of the bot from this same
    conversation."""
    reply = message.get("reply_message")
    if isinstance(reply, dict) and reply.get("conversation_message_id"):
        return (str(reply["conversation_message_id"]), str(reply.get("text") or "")[:4096],
                reply.get("from_id") == -group_id)
    forwarded = message.get("fwd_messages") or []
    if len(forwarded) == 1 and isinstance(forwarded[0], dict):
        fwd = forwarded[0]
        # A conversation_message_id means something only in its own conversation.
        if (fwd.get("peer_id") == peer_id and fwd.get("from_id") == -group_id
                and fwd.get("conversation_message_id")):
            return str(fwd["conversation_message_id"]), str(fwd.get("text") or "")[:4096], True
    return None, "", False


def _payload_of(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, dict) else None


def incoming_from_message(event: dict[str, Any], group_id: int,
                          user_name: str = "") -> Incoming | None:
    """A message_new event as the core's Incoming (None: nothing for the core)."""
    message = message_of(event)
    peer_id, from_id = message.get("peer_id"), message.get("from_id")
    if not isinstance(peer_id, int) or not isinstance(from_id, int):
        return None
    if message.get("out") or (from_id <= 0 and not isinstance(message.get("action"), dict)):
        return None  # our own messages, other communities' bots
    cmid = message.get("conversation_message_id")
    chat_id = str(peer_id)
    message_id = str(cmid) if cmid else None
    text = str(message.get("text") or "")
    is_group = is_group_peer(peer_id)
    if is_group:
        text = _mention_re(group_id).sub("", text, count=1)
    payload: str | None = None
    button = _payload_of(message.get("payload"))
    if button is not None:
        if isinstance(button.get("p"), str):
            payload = button["p"]
        elif button.get("command") == "start":  # VK's own «Начать» button
            text = "/start"
    update_id = event.get("event_id") or (f"{peer_id}:{cmid}" if cmid else None)
    action = message.get("action")
    if isinstance(action, dict):  # a service message: only the bot's own membership counts
        kind = {"chat_invite_user": ChatEvent.BOT_ADDED,
                "chat_kick_user": ChatEvent.BOT_REMOVED}.get(str(action.get("type")))
        if kind is None or action.get("member_id") != -group_id:
            return None
        return Incoming(platform=PLATFORM, chat_id=chat_id, user_id=str(from_id),
                        is_group=is_group, update_id=str(update_id) if update_id else None,
                        event=kind)
    reply_to, reply_text, to_bot = _reply_target(message, peer_id, group_id)
    return Incoming(
        platform=PLATFORM, chat_id=chat_id, user_id=str(from_id), text=text.strip(),
        payload=payload, reply_to_message_id=reply_to, reply_to_text=reply_text,
        reply_to_bot=to_bot, reply_to_user_id=_reply_author(message),
        attachments=attachments_of(message, chat_id, message_id or ""),
        user_name=user_name, is_group=is_group, message_id=message_id,
        update_id=str(update_id) if update_id else None,
    )


def _reply_author(message: dict[str, Any]) -> str:
    """The person whose message this one replies to ("" for a community or none)."""
    reply = message.get("reply_message")
    author = reply.get("from_id") if isinstance(reply, dict) else None
    return str(author) if isinstance(author, int) and author > 0 else ""


def incoming_from_edit(event: dict[str, Any]) -> Incoming | None:
    """A message_edit event: a person edited a message they sent (the core says, in a
    private chat, that edits are not seen)."""
    message = event.get("object") or {}
    peer_id, from_id = message.get("peer_id"), message.get("from_id")
    if (not isinstance(peer_id, int) or not isinstance(from_id, int) or from_id <= 0
            or message.get("out")):
        return None
    update_id = event.get("event_id")
    return Incoming(platform=PLATFORM, chat_id=str(peer_id), user_id=str(from_id),
                    is_group=is_group_peer(peer_id),
                    update_id=str(update_id) if update_id else None,
                    event=ChatEvent.MESSAGE_EDITED)


def incoming_from_button(event: dict[str, Any], user_name: str = "") -> Incoming | None:
    """A message_event (a callback button pressed) as the core's Incoming."""
    obj = event.get("object") or {}
    peer_id, user_id = obj.get("peer_id"), obj.get("user_id")
    if not isinstance(peer_id, int) or not isinstance(user_id, int):
        return None
    data = _payload_of(obj.get("payload")) or {}
    payload = data.get("p")
    # A payload we did not make still reaches the core, which answers "stale button".
    payload = payload if isinstance(payload, str) and payload else "?"
    cmid = obj.get("conversation_message_id")
    update_id = event.get("event_id") or (f"cb:{obj['event_id']}" if obj.get("event_id")
                                          else None)
    return Incoming(
        platform=PLATFORM, chat_id=str(peer_id), user_id=str(user_id), payload=payload,
        user_name=user_name, is_group=is_group_peer(peer_id),
        message_id=str(cmid) if cmid else None,
        update_id=str(update_id) if update_id else None,
    )
