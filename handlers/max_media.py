"""Photos sent in another messenger, shown in MAX as images: MAX takes an image only as an
upload (a link to Telegram's file would carry the bot's token). The bytes come from the
messenger they were sent in (a MediaSource, handlers/ports.py); POST /uploads?type=image
names an upload url, the file is POSTed there as the multipart field `data`, and the answer
carries the token the message's attachment {"type": "image", "payload": {"token": ...}} names.

One message's tokens (by the delivery's key) are kept until it is sent, so a try again (after
a failed upload, or MAX's attachment.not.ready just after one) re-uses them rather than
uploading again. A photo that cannot be had (the source's None, MAX refusing the file) is
named in the note, as before. A passing failure (the network, a timeout, 5xx, 429) raises the
retry-class SendError, so the outbox tries again; after MEDIA_TRIES of them for one message
its photos not yet uploaded are noted instead, and the text goes out without them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.delivery.ports import Failure, SendError
from bot.message import Attachment
from handlers.ports import MediaSource

log = logging.getLogger(__name__)

UPLOAD_TIMEOUT = 30.0  # seconds for one file's POST to the upload url
UPLOAD_RETRY_AFTER_S = 1.0  # a 429 of the upload host says no time either
MEDIA_TRIES = 3  # passing failures of one message's photos before they are noted instead
KEPT = 1000  # messages whose tokens are remembered while they wait for a try again

# POST /uploads?type=image through the sender (paced, errors mapped): {"url": ...}
UploadUrl = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class _Pending:
    """One message's photos so far: index among its foreign attachments -> token."""

    tokens: dict[int, str] = field(default_factory=dict)
    noted: set[int] = field(default_factory=set)  # cannot be had: named in the note
    failures: int = 0


@dataclass(frozen=True, slots=True)
class Prepared:
    images: list[dict[str, Any]]  # the attachments of the uploaded photos, in their order
    noted: tuple[Attachment, ...]  # the foreign attachments the note names


def image_attachment(token: str) -> dict[str, Any]:
    return {"type": "image", "payload": {"token": token}}


def file_name(data: bytes) -> tuple[str, str]:
    """A name and content type for the upload (Telegram's photos are JPEG)."""
    if data.startswith(b"\x89PNG"):
        return "photo.png", "image/png"
    return "photo.jpg", "image/jpeg"


def token_of(answer: str) -> str | None:
    """The upload host's answer for an image: {"photos": {<id>: {"token": ...}}}; a plain
    {"token": ...} is taken too."""
    try:
        found = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    photos = found.get("photos")
    if isinstance(photos, dict):
        for photo in photos.values():
            if isinstance(photo, dict) and isinstance(photo.get("token"), str) and photo["token"]:
                return str(photo["token"])
    token = found.get("token")
    return token if isinstance(token, str) and token else None


class MaxMedia:
    """Foreign photos of a message fetched, uploaded and attached (see the module)."""

    def __init__(self, bot: Any, source: MediaSource | None, upload_url: UploadUrl) -> None:
        self.bot = bot
        self.source = source
        self.upload_url = upload_url
        self._pending: dict[str, _Pending] = {}

    async def prepare(self, key: str, foreign: tuple[Attachment, ...]) -> Prepared:
        """The images to attach and the attachments left to the note; raises a retry-class
        SendError on a passing failure (the tokens got so far are kept for the next try)."""
        if self.source is None or not any(a.kind == "photo" for a in foreign):
            return Prepared([], foreign)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending()
            while len(self._pending) > KEPT:
                del self._pending[next(iter(self._pending))]
        if pending.failures < MEDIA_TRIES:
            try:
                for index, attachment in enumerate(foreign):
                    if (attachment.kind == "photo" and index not in pending.tokens
                            and index not in pending.noted):
                        token = await self._upload(attachment)
                        if token is None:
                            pending.noted.add(index)
                        else:
                            pending.tokens[index] = token
            except SendError as exc:
                pending.failures += 1
                if pending.failures < MEDIA_TRIES:
                    raise
                log.warning("MAX: photos not uploaded after %s tries, noted instead: %s",
                            pending.failures, exc)
        return Prepared([image_attachment(pending.tokens[i]) for i in sorted(pending.tokens)],
                        tuple(a for i, a in enumerate(foreign) if i not in pending.tokens))

    def sent(self, key: str) -> None:
        """The message is out: its tokens are needed no more."""
        self._pending.pop(key, None)

    async def _upload(self, attachment: Attachment) -> str | None:
        assert self.source is not None
        try:
            data = await self.source.fetch(attachment)
        except Exception as exc:  # the source's network or 5xx: try again later
            raise SendError(f"{attachment.platform} photo not fetched: "
                            f"{type(exc).__name__}") from exc
        if not data:
            return None
        try:
            found = await self.upload_url()
        except SendError as exc:
            if exc.failure is not Failure.REJECTED:
                raise
            log.warning("MAX refused an upload url: %s", exc)
            return None
        url = found.get("url")
        if not isinstance(url, str) or not url:
            log.warning("MAX: POST /uploads gave no url")
            return None
        return await self._post(url, data)

    async def _post(self, url: str, data: bytes) -> str | None:
        name, content_type = file_name(data)
        return await post_upload(self.bot, url, data, name, content_type)


async def post_upload(bot: Any, url: str, data: bytes, name: str,
                      content_type: str) -> str | None:
    """POST one file to MAX's upload url (the multipart field `data`); the token of the
    answer, None when MAX refused the file; a passing failure raises a retry-class
    SendError."""
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("data", data, filename=name, content_type=content_type)
    session = await bot.ensure_session()
    try:
        async with session.post(url, data=form,
                                timeout=aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT)) as answer:
            status, text = answer.status, await answer.text()
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise SendError(f"MAX upload unreachable: {type(exc).__name__}") from exc
    if status == 429:
        raise SendError("MAX upload 429", retry_after=UPLOAD_RETRY_AFTER_S)
    if status >= 500:
        raise SendError(f"MAX upload error {status}")
    token = token_of(text) if 200 <= status < 300 else None
    if token is None:
        log.warning("MAX upload refused (%s): %s", status, text[:200])
    return token
