"""Telegram update -> the core's Incoming (pure translation, no I/O)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from bot.dialog.types import Attachment, ChatEvent, Incoming

PLATFORM = "telegram"
GROUP_TYPES = ("group", "supergroup")
# Media a citizen or an admin may attach (voice messages and video notes too; contacts and
# locations as well); copyMessage passes any of them on as they are.
OTHER_MEDIA = ("video", "audio", "voice", "video_note", "animation")


def is_group(chat_type: str) -> bool:
    return chat_type in GROUP_TYPES


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    chat, mid = str(message.chat.id), str(message.message_id)
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return (Attachment("photo", largest.file_id, chat, mid, PLATFORM),)
    if message.document:
        return (Attachment("document", message.document.file_id, chat, mid, PLATFORM),)
    for kind in OTHER_MEDIA:
        media = getattr(message, kind, None)
        if media is not None:
            return (Attachment("other", media.file_id, chat, mid, PLATFORM),)
    if message.contact or message.location:  # no file: passed on by copyMessage alone
        return (Attachment("other", "", chat, mid, PLATFORM),)
    return ()


def is_service(message: Message) -> bool:
    """A join, a pinned message, a title change...: nothing a person said to the bot."""
    return not (message.text or message.caption or message.photo or message.document
                or message.sticker or message.contact or message.location
                or any(getattr(message, kind, None) for kind in OTHER_MEDIA))


def from_message(message: Message, update_id: int) -> Incoming | None:
    if message.migrate_to_chat_id:  # the group became a supergroup with a new id
        return _event(message.chat.id, message.chat.type, update_id, ChatEvent.MIGRATED,
                      moved_to=str(message.migrate_to_chat_id))
    user = message.from_user
    if user is None or user.is_bot:
        # Channel posts, other bots, anonymous group admins (one shared id for all of them:
        # it could never be trusted with a staff role).
        return None
    group = is_group(message.chat.type)
    if is_service(message):
        return None
    replied = message.reply_to_message
    reply_to = replied.message_id if replied else None
    replied_text = (replied.text or replied.caption or "") if replied else ""
    author = replied.from_user if replied else None
    to_bot = author is not None and author.is_bot and (
        message.bot is None or author.id == message.bot.id)
    return Incoming(
        platform=PLATFORM,
        chat_id=str(message.chat.id),
        user_id=str(user.id),
        text=message.text or message.caption or "",
        reply_to_message_id=str(reply_to) if reply_to is not None else None,
        reply_to_bot=to_bot,
        attachments=attachments_of(message),
        user_name=user.full_name,
        is_group=group,
        message_id=str(message.message_id),
        update_id=str(update_id),
        reply_to_text=replied_text[:4096],
        reply_to_user_id=str(author.id) if author is not None and not author.is_bot else "",
    )


def from_callback(query: CallbackQuery, update_id: int) -> Incoming | None:
    if not query.data:
        return None  # a game button or an inline-mode message: not ours
    chat = query.message.chat if query.message is not None else None
    return Incoming(
        platform=PLATFORM,
        chat_id=str(chat.id) if chat is not None else str(query.from_user.id),
        user_id=str(query.from_user.id),
        payload=query.data,
        user_name=query.from_user.full_name,
        is_group=chat is not None and is_group(chat.type),
        message_id=str(query.message.message_id) if query.message is not None else None,
        update_id=str(update_id),
    )


def _event(chat_id: int, chat_type: str, update_id: int, event: ChatEvent, user_id: int = 0,
           moved_to: str = "") -> Incoming:
    return Incoming(platform=PLATFORM, chat_id=str(chat_id), user_id=str(user_id),
                    is_group=is_group(chat_type), update_id=str(update_id), event=event,
                    moved_to=moved_to)


def from_membership(event: ChatMemberUpdated, update_id: int) -> Incoming | None:
    """The bot's own membership changed: added to or removed from a group, blocked."""
    old, new = event.old_chat_member.status, event.new_chat_member.status
    if old in ("left", "kicked") and new in ("member", "administrator", "restricted"):
        kind = ChatEvent.BOT_ADDED
    elif new in ("left", "kicked") and old not in ("left", "kicked"):
        kind = ChatEvent.BOT_REMOVED
    else:
        return None
    return _event(event.chat.id, event.chat.type, update_id, kind, event.from_user.id)


def from_edit(message: Message, update_id: int) -> Incoming | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return _event(message.chat.id, message.chat.type, update_id, ChatEvent.MESSAGE_EDITED,
                  user.id)


def incoming_of(update: Update) -> Incoming | None:
    """The core's view of an update, or None for updates the core has no use for."""
    if update.message is not None:
        return from_message(update.message, update.update_id)
    if update.callback_query is not None:
        return from_callback(update.callback_query, update.update_id)
    if update.my_chat_member is not None:
        return from_membership(update.my_chat_member, update.update_id)
    if update.edited_message is not None:
        return from_edit(update.edited_message, update.update_id)
    return None
