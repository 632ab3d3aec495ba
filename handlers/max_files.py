"""Files the bot made itself (the message's `files`: a chart, a workbook) as MAX attachments:
POST /uploads?type=image for a photo, ?type=file for any other names an upload url; the file
goes there as the multipart field `data` (handlers/max_media.py's post_upload); the answer's
token is the attachment {"type": "image"|"file", "payload": {"token": ...}}.

One message's tokens are kept until it is sent (handlers/upload_ledger.py), so a try again
(after a failed upload, or MAX's attachment.not.ready just after one) re-uses them; a file
MAX refuses is left out and named in the note under the text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.delivery.ports import Failure, SendError
from bot.message import FileKind, OutFile
from handlers.max_media import post_upload
from handlers.upload_ledger import UploadLedger

log = logging.getLogger(__name__)

# POST /uploads?type=<type> through the sender (paced, errors mapped): {"url": ...}
UploadUrl = Callable[[str], Awaitable[dict[str, Any]]]

UPLOAD_TYPES = {FileKind.PHOTO: "image", FileKind.DOCUMENT: "file"}


@dataclass(frozen=True, slots=True)
class Prepared:
    attachments: list[dict[str, Any]]  # in the files' order
    missing: tuple[OutFile, ...]  # left out: named in the note


class MaxFiles:
    def __init__(self, bot: Any, upload_url: UploadUrl) -> None:
        self.bot = bot
        self.upload_url = upload_url
        self._ledger: UploadLedger[str] = UploadLedger("MAX", (Failure.CHAT_GONE,
                                                              Failure.UNAUTHORIZED))

    async def prepare(self, key: str, files: tuple[OutFile, ...]) -> Prepared:
        done, missing = await self._ledger.prepare(key, files, self._upload)
        return Prepared([{"type": UPLOAD_TYPES[file.kind], "payload": {"token": token}}
                         for file, token in done], missing)

    def sent(self, key: str) -> None:
        self._ledger.sent(key)

    async def _upload(self, file: OutFile) -> str | None:
        try:
            found = await self.upload_url(UPLOAD_TYPES[file.kind])
        except SendError as exc:
            if exc.failure is not Failure.REJECTED:
                raise
            log.warning("MAX refused an upload url for %s: %s", file.name, exc)
            return None
        url = found.get("url")
        if not isinstance(url, str) or not url:
            log.warning("MAX: POST /uploads gave no url")
            return None
        token = await post_upload(self.bot, url, file.content, file.name, file.mime)
        if token is None:
            log.warning("MAX refused the file %s", file.name)
        return token
