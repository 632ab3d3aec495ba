"""Sending to Telegram: plain core texts as escaped HTML, split at Telegram's limits, inline
keyboards from the message's buttons, attachments passed on with copyMessage, files the bot
made uploaded (handlers/telegram_files.py); aiogram's errors mapped once, here, to the
delivery's failure classes.
"""

from __future__ import annotations

import html
import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

from bot.delivery.pacing import RateLimiter, Timer
from bot.delivery.ports import Failure, Limits, SendError
from bot.message import Attachment, Button, Message
from handlers.common import foreign_attachments_note, split_text
from handlers.telegram_files import FileSender

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TEXT_LIMIT = 4096
# About 30 messages a second overall, 1 a second into one private chat, 20 a minute into
# one group: a little under each, so the limits are never hit. Overall: 30 in 1.05 s, evenly.
WINDOW = 1.05
LIMITS = Limits(overall_per_s=30 / WINDOW, private_interval=1.05, group_interval=3.1)


def escape(text: str) -> str:
    """Core texts are plain: every character the HTML parse mode would read is escaped."""
    return html.escape(text, quote=False)


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(text=b.text, callback_data=b.payload) for b in row]
            for row in buttons if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _is_not_modified(exc: TelegramAPIError) -> bool:
    return "message is not modified" in exc.message.lower()


def _is_chat_gone(exc: TelegramAPIError) -> bool:
    text = exc.message.lower()
    return any(part in text for part in (
        "chat not found", "user not found", "bot was blocked", "user is deactivated",
        "bot was kicked", "not enough rights", "have no rights", "chat_write_forbidden",
        "group chat was upgraded", "peer_id_invalid",
    ))


def send_error(exc: BaseException) -> SendError:
    """What the delivery should do about a failed Bot API call."""
    if isinstance(exc, TelegramRetryAfter):
        return SendError(exc.message, retry_after=float(exc.retry_after))
    if isinstance(exc, TelegramMigrateToChat):
        return SendError(f"group moved to {exc.migrate_to_chat_id}", Failure.MIGRATED,
                         moved_to=str(exc.migrate_to_chat_id))
    if isinstance(exc, TelegramUnauthorizedError):
        return SendError(exc.message, Failure.UNAUTHORIZED)
    if isinstance(exc, TelegramForbiddenError):
        return SendError(exc.message, Failure.CHAT_GONE)
    if isinstance(exc, TelegramBadRequest):
        # A lost chat, or a malformed request: neither gets better by retrying.
        return SendError(exc.message, Failure.CHAT_GONE if _is_chat_gone(exc)
                         else Failure.REJECTED)
    if isinstance(exc, TelegramAPIError):
        return SendError(exc.message)  # network errors, 5xx, 404 of a wrong server: later
    return SendError(repr(exc))  # aiohttp/timeouts outside aiogram's wrapping


class TelegramSender:
    """The delivery's Sender for Telegram."""

    platform = PLATFORM

    def __init__(self, bot: Bot, timer: Timer | None = None,
                 per_second: float = LIMITS.overall_per_s) -> None:
        self.bot = bot
        self.limits = Limits(per_second, LIMITS.private_interval, LIMITS.group_interval)
        self.limiter = RateLimiter(per_second, timer)
        self.files = FileSender(bot, lambda: self.limiter.acquire())

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        text = message.text
        native = tuple(a for a in message.attachments if a.platform in ("", PLATFORM))
        foreign = tuple(a for a in message.attachments if a.platform not in ("", PLATFORM))
        if foreign:
            text = (text + "\n\n" if text else "") + foreign_attachments_note(
                foreign, foreign[0].platform)
        try:
            if message.files:
                message_id = await self.files.send(
                    chat_id, text, message.files, keyboard(message.buttons),
                    lambda: self._send_text(chat_id, text, message.buttons), key)
            else:
                message_id = await self._send_text(chat_id, text, message.buttons)
        except Exception as exc:
            raise send_error(exc) from exc
        await self._pass_on(chat_id, native, reply_to=message_id)
        return message_id

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        text = message.text
        if len(text) > TEXT_LIMIT:  # an edit cannot split: keep the head, the status is there
            text = text[:TEXT_LIMIT - 1] + "…"
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id, message_id=int(message_id), text=escape(text),
                reply_markup=keyboard(message.buttons))
        except TelegramBadRequest as exc:
            if _is_not_modified(exc):
                return  # already shows this: that is success
            raise send_error(exc) from exc
        except Exception as exc:
            raise send_error(exc) from exc

    # internals

    async def _send_text(self, chat_id: str, text: str, buttons: list[list[Button]]) -> str:
        """Pieces of at most 4096 characters; the buttons go under the last one."""
        pieces = split_text(text or "…", TEXT_LIMIT)
        message_id = ""
        for number, piece in enumerate(pieces, start=1):
            markup = keyboard(buttons) if number == len(pieces) else None
            sent = await self.bot.send_message(chat_id=chat_id, text=escape(piece),
                                               reply_markup=markup)
            message_id = str(sent.message_id)
        return message_id

    async def _pass_on(self, chat_id: str, attachments: tuple[Attachment, ...],
                       reply_to: str) -> None:
        """Attachments sent in Telegram reach another Telegram chat as copies, under the
        message they belong to. A failure is logged, not raised: the text is delivered and
        sending it again would be a duplicate."""
        copied: set[tuple[str, str]] = set()
        for att in attachments:
            source = (att.source_chat_id, att.source_message_id)
            if source in copied:
                continue
            copied.add(source)
            await self.limiter.acquire()
            try:
                await self._pass_one(chat_id, att, reply_to)
            except Exception as exc:
                log.warning("attachment %s for %s not passed on: %r", att.ref, chat_id, exc)
    async def _pass_one(self, chat_id: str, att: Attachment, reply_to: str) -> None:
        reply = (ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True)
                 if reply_to else None)
        if att.source_chat_id and att.source_message_id:
            try:
                await self.bot.copy_message(
                    chat_id=chat_id, from_chat_id=att.source_chat_id,
                    message_id=int(att.source_message_id), reply_parameters=reply)
                return
            except TelegramBadRequest as exc:  # the original was deleted: send the file itself
                if not att.ref:
                    raise
                log.info("copyMessage failed (%s), sending file %s", exc.message, att.ref)
        if att.kind == "photo":
            await self.bot.send_photo(chat_id=chat_id, photo=att.ref, reply_parameters=reply)
        else:
            await self.bot.send_document(chat_id=chat_id, document=att.ref,
                                         reply_parameters=reply)
