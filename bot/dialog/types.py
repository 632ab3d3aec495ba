"""Neutral message types: every transport translates to and from these."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.message import Attachment, Button, Message

# What the core answers with is the one message value; "Reply" reads better in the dialog.
Reply = Message

__all__ = ["Attachment", "Button", "ChatEvent", "Incoming", "Message", "Reply"]


class ChatEvent(StrEnum):
    """Something that happened to a chat rather than a message someone wrote."""

    BOT_ADDED = "bot_added"  # the bot was added to a group
    BOT_REMOVED = "bot_removed"  # the bot was removed from a group (or blocked in private)
    MIGRATED = "migrated"  # the group got a new id (Telegram group -> supergroup): `moved_to`
    MESSAGE_EDITED = "message_edited"  # someone edited a message they had sent


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: str  # telegram | vk | console
    chat_id: str
    user_id: str
    text: str = ""
    payload: str | None = None  # set when a button was pressed
    reply_to_message_id: str | None = None  # the message this one replies to, if any
    reply_to_bot: bool = False  # ... and that message is the bot's own
    attachments: tuple[Attachment, ...] = ()
    user_name: str = ""
    is_group: bool = False  # a group chat (a staff group), not a private chat
    message_id: str | None = None
    # The platform's id of this update (Telegram update_id, VK event_id): a redelivered
    # update with the same id is ignored, so a crash never makes it act twice.
    update_id: str | None = None
    # The text of the bot's message this one replies to, as the platform shows it: finds
    # the appeal of a card copy whose message id was never recorded (a crash duplicate).
    reply_to_text: str = ""
    event: ChatEvent | None = None
    moved_to: str = ""  # ChatEvent.MIGRATED: the chat's new id
    reply_to_user_id: str = ""  # the person (not a bot) whose message this one replies to
