"""Telegram as a MediaSource: the bytes of a photo a citizen sent in Telegram, for a messenger
that takes images only as uploads (MAX). getFile names the file's path, the download
(/file/bot<token>/<path>) streams it into memory, at most `max_bytes` of it.

Only photos: a document may be large, and is named in a note instead. A file Telegram no
longer has (or will not give: over its 20 MB for bots) is None; the network or Telegram's
5xx raise, so the sender tries again later.
"""

from __future__ import annotations

import io
import logging

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound

from bot.message import Attachment

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_BYTES = 10 * 1024 * 1024  # a Telegram photo is well under this; MAX takes far more
DOWNLOAD_TIMEOUT = 30  # seconds, for the whole file
GONE_STATUSES = (400, 403, 404)  # the download's answers for a path that is not there


class TooBig(Exception):
    """The file grew past the cap while it was downloaded."""


class CappedBuffer(io.BytesIO):
    """An in-memory file that refuses to grow past `cap` bytes."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.cap:
            raise TooBig(f"over {self.cap} bytes")
        return super().write(data)


class TelegramMedia:
    """Photos sent in Telegram, fetched through the Telegram transport's Bot."""

    def __init__(self, bot: Bot, max_bytes: int = MAX_BYTES) -> None:
        self.bot = bot
        self.max_bytes = max_bytes

    async def fetch(self, attachment: Attachment, /) -> bytes | None:
        if attachment.platform != PLATFORM or attachment.kind != "photo" or not attachment.ref:
            return None
        try:
            found = await self.bot.get_file(attachment.ref)
        except (TelegramBadRequest, TelegramNotFound) as exc:  # gone, or too big for bots
            log.info("Telegram photo not fetched: %s", exc.message)
            return None
        if not found.file_path or (found.file_size or 0) > self.max_bytes:
            log.info("Telegram photo not fetched: %s bytes, no path: %s", found.file_size,
                     not found.file_path)
            return None
        buffer = CappedBuffer(self.max_bytes)
        try:
            await self.bot.download_file(found.file_path, destination=buffer,
                                         timeout=DOWNLOAD_TIMEOUT)
        except TooBig:
            log.info("Telegram photo not fetched: over %s bytes", self.max_bytes)
            return None
        except aiohttp.ClientResponseError as exc:
            if exc.status not in GONE_STATUSES:
                raise
            log.info("Telegram photo not fetched: download answered %s", exc.status)
            return None
        return buffer.getvalue()
