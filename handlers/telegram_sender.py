"""Sending to Telegram: plain core texts as escaped HTML, split at Telegram's limits, inline
keyboards from Reply.buttons, attachments passed on with copyMessage; aiogram's errors
mapped to the outbox's SendError (permanent, retry_after or transient).
"""

from __future__ import annotations

import asyncio
import html
import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

from bot.delivery.outbox_worker import Outgoing, SendError
from bot.dialog.types import Attachment, Button, Reply
from handlers.common import foreign_attachments_note, split_text

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TEXT_LIMIT = 4096
# Telegram allows about 30 messages a second overall (1 a second per chat).
MIN_INTERVAL = 1 / 25
# How long a direct reply may wait for a 429 before it is given up (the update is done).
MAX_INLINE_RETRY_AFTER = 10.0


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


def send_error(exc: Exception) -> SendError:
    """What the outbox should do about a failed Bot API call."""
    if isinstance(exc, TelegramRetryAfter):
        return SendError(exc.message, retry_after=float(exc.retry_after))
    if isinstance(exc, TelegramMigrateToChat):
        return SendError(f"group moved to {exc.migrate_to_chat_id}: {exc.message}",
                         permanent=True)
    if isinstance(exc, TelegramForbiddenError | TelegramNotFound):
        return SendError(exc.message, permanent=True)
    if isinstance(exc, TelegramBadRequest):
        # A malformed request does not get better by retrying it; neither does a lost chat.
        return SendError(exc.message, permanent=True)
    if isinstance(exc, TelegramUnauthorizedError):
        return SendError(exc.message)  # a revoked token: keep the rows until it is fixed
    if isinstance(exc, TelegramAPIError):
        return SendError(exc.message)  # network errors, 5xx: try again later
    return SendError(repr(exc))  # aiohttp/timeouts outside aiogram's wrapping


class TelegramSender:
    """The outbox's Sender for Telegram, also used to render direct replies."""

    platform = PLATFORM
    min_interval = MIN_INTERVAL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    # the Sender protocol

    async def send(self, message: Outgoing) -> str:
        text = message.text
        attachments = message.attachments
        if attachments and message.source_platform not in ("", PLATFORM):
            text = (text + "\n\n" if text else "") + foreign_attachments_note(
                attachments, message.source_platform)
            attachments = ()
        try:
            message_id = await self._send_text(message.chat_id, text, message.buttons)
        except Exception as exc:
            raise send_error(exc) from exc
        await self._pass_on(message.chat_id, attachments, reply_to=message_id)
        return message_id

    async def edit(self, chat_id: str, message_id: str, text: str,
                   buttons: list[list[Button]]) -> None:
        if len(text) > TEXT_LIMIT:  # an edit cannot split: keep the head, the status is there
            text = text[:TEXT_LIMIT - 1] + "…"
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id, message_id=int(message_id), text=escape(text),
                reply_markup=keyboard(buttons))
        except TelegramBadRequest as exc:
            if _is_not_modified(exc):
                return  # already shows this: that is success
            raise send_error(exc) from exc
        except Exception as exc:
            raise send_error(exc) from exc

    # direct replies (the chat that wrote)

    async def reply(self, chat_id: str, reply: Reply) -> str | None:
        """Show one Reply in a chat; returns the id of the message that carries its buttons.
        Never raises: a failed reply is logged (the update itself is already handled)."""
        for attempt in (1, 2):
            try:
                message_id = await self._send_text(chat_id, reply.text, reply.buttons)
                break
            except TelegramRetryAfter as exc:
                if attempt == 2 or exc.retry_after > MAX_INLINE_RETRY_AFTER:
                    log.warning("reply to %s dropped: %s", chat_id, exc)
                    return None
                await asyncio.sleep(exc.retry_after)
            except Exception as exc:
                log.warning("reply to %s failed: %r", chat_id, exc)
                return None
        if reply.attachments:
            source = str(reply.meta.get("attachments_platform", PLATFORM))
            if source == PLATFORM:
                await self._pass_on(chat_id, reply.attachments, reply_to=message_id)
            else:
                await self._send_text(chat_id, foreign_attachments_note(reply.attachments,
                                                                        source), [])
        return message_id

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
        message they belong to. Failures are logged, not raised: the text is delivered and
        sending it again would be a duplicate."""
        copied: set[tuple[str, str]] = set()
        for att in attachments:
            source = (att.source_chat_id, att.source_message_id)
            if source in copied:
                continue
            copied.add(source)
            for attempt in (1, 2):
                try:
                    await self._pass_one(chat_id, att, reply_to)
                    break
                except TelegramRetryAfter as exc:
                    if attempt == 2 or exc.retry_after > MAX_INLINE_RETRY_AFTER:
                        log.warning("attachment for %s dropped: %s", chat_id, exc)
                        break
                    await asyncio.sleep(exc.retry_after)
                except Exception as exc:
                    log.warning("attachment %s for %s not passed on: %r", att.ref, chat_id, exc)
                    break

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
