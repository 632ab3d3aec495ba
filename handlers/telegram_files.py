"""Files the bot made itself (a chart, a workbook: the message's `files`) sent to Telegram as
uploads: sendPhoto / sendDocument of the bytes (aiogram's BufferedInputFile, multipart).

The text rides on the first file as its caption when it fits (a photo or document first,
the text at most 1024 characters); otherwise it goes first as a message of its own (split at
4096 as any text), and the files follow. The buttons are on the part that carries the text.
A photo Telegram refuses as a photo (its size or sides) is sent as a document instead.

Such a message goes out in several calls: the parts already out are remembered by the
delivery's key, so a try again after a failure in between (a 429 after the photo, before the
document) sends only the rest. Errors are raised as aiogram raises them: the sender maps
them, once, at its edge.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.message import FileKind, OutFile

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
KEPT = 1000  # messages partly sent, remembered for the try again

# Sends one part (the sender's text path is one too); returns its message id.
Part = Callable[[], Awaitable[str]]


class FileSender:
    """A message with files, part by part (see the module)."""

    def __init__(self, bot: Bot, pace: Callable[[], Awaitable[None]]) -> None:
        self.bot = bot
        self.pace = pace  # the token's overall rate (the sender's limiter)
        self._progress: dict[str, tuple[int, str]] = {}  # key -> (parts sent, carrier id)

    async def send(self, chat_id: str, text: str, files: Sequence[OutFile],
                   markup: InlineKeyboardMarkup | None, send_text: Part, key: str) -> str:
        """`text` is the core's plain text, `send_text` sends it on its own (with the
        buttons); returns the id of the part that carries the text and the buttons."""
        parts: list[Part] = []
        if text and len(text) <= CAPTION_LIMIT:  # Telegram counts the text, not the HTML
            first, rest = files[0], files[1:]
            caption = html.escape(text, quote=False)  # as the sender's escape()
            parts.append(lambda: self.upload(chat_id, first, caption, markup))
        else:
            if text:
                parts.append(send_text)
            rest = files
        for file in rest:
            carries = not parts  # no text at all: the first file has the buttons
            parts.append(self._part(chat_id, file, markup if carries else None))
        done, carrier = self._progress.get(key, (0, ""))
        for index in range(done, len(parts)):
            if index > done:  # the first call of a try was paced by the delivery
                await self.pace()
            message_id = await parts[index]()
            if index == 0:
                carrier = message_id
            self._sent_part(key, index + 1, carrier)
        self._progress.pop(key, None)
        return carrier

    def _part(self, chat_id: str, file: OutFile,
              markup: InlineKeyboardMarkup | None) -> Part:
        return lambda: self.upload(chat_id, file, "", markup)

    def _sent_part(self, key: str, count: int, carrier: str) -> None:
        self._progress[key] = (count, carrier)
        while len(self._progress) > KEPT:
            del self._progress[next(iter(self._progress))]

    async def upload(self, chat_id: str, file: OutFile, caption: str,
                     markup: InlineKeyboardMarkup | None) -> str:
        """One file: a photo with sendPhoto (refused as a photo: as a document), any other
        with sendDocument."""
        if file.kind is FileKind.PHOTO:
            try:
                sent = await self.bot.send_photo(
                    chat_id=chat_id, photo=BufferedInputFile(file.content, file.name),
                    caption=caption or None, reply_markup=markup)
                return str(sent.message_id)
            except TelegramBadRequest as exc:  # a lost chat fails the document too: raised
                log.info("photo %s refused (%s): sent as a document", file.name, exc.message)
        sent = await self.bot.send_document(
            chat_id=chat_id, document=BufferedInputFile(file.content, file.name),
            caption=caption or None, reply_markup=markup)
        return str(sent.message_id)
