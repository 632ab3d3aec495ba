"""The fake MAX API's uploads, and what it checks of the media a message names.

POST /uploads?type=image|video|audio|file -> {"url"} ({"url", "token"} for video and audio,
as MAX answers); one file goes to that url (another host at MAX: no Authorization checked),
as the multipart field `data`; a second POST there, or one without `data`, is refused. The
answer names the token: {"photos": {<id>: {"token"}}} for an image, {"token"} otherwise.
Faults: fail_window(n, status, methods=["POST /upload"]) for the upload url ("POST /uploads"
for the call that names it).

A message's image, video, audio or file attachment must name a token of an upload of its
type, or of media the bot received (message(attachments=...)); an image may name a url
instead. A video or audio token whose file is not uploaded yet is attachment.not.ready; an
unknown token, or one of another type, is 400 proto.payload.

Recorded: `uploaded` (token -> Upload: kind, bytes, file name, content type), and
images_to(chat_id): the uploads the images of the bot's messages into a chat name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fake_max.events import EventsMixin
from tests.fake_max.model import MEDIA_TYPES, UPLOAD_TYPES, MaxError, bad

UPLOAD_METHOD = "POST /upload"  # the upload url, for fail_window()


@dataclass
class Upload:
    """A file the bot uploaded: what a token names."""

    token: str
    kind: str  # image | video | audio | file
    data: bytes
    filename: str
    content_type: str


class UploadsMixin(EventsMixin):
    base_url: str

    def _init_uploads(self) -> None:
        self.uploads: dict[str, str] = {}  # upload url key -> type, while the url is unused
        self.uploaded: dict[str, Upload] = {}  # token -> the file
        self._awaited: dict[str, str] = {}  # video/audio token given before its file came

    def images_to(self, chat_id: int) -> list[Upload]:
        """The uploaded images the bot's messages into the chat carry, in order."""
        return [self.uploaded[a["payload"]["token"]] for m in self.sent if m.chat_id == chat_id
                for a in m.attachments
                if a.get("type") == "image" and (a.get("payload") or {}).get("token")
                in self.uploaded]

    # ---- the API ------------------------------------------------------------------------

    async def _upload_url(self, req: Any) -> Any:
        kind = req.query.get("type")
        if kind == "photo":
            raise bad("type=photo is no longer supported: use type=image")
        if kind not in UPLOAD_TYPES:
            raise bad("type: one of image, video, audio, file")
        key = secrets.token_hex(8)
        self.uploads[key] = kind
        found = {"url": f"{self.base_url}/upload/{key}"}
        if kind in ("video", "audio"):
            found["token"] = f"{kind}-{key}"
            self._awaited[found["token"]] = kind
        return found

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload url: takes one file, the multipart `data`."""
        try:
            self._check_window(UPLOAD_METHOD)
            key = request.match_info["key"]
            kind = self.uploads.pop(key, None)
            if kind is None:
                raise MaxError(404, "not.found", "Upload url unknown or already used")
            form = await request.post()
            field = form.get("data")
            if not isinstance(field, web.FileField):
                self.uploads[key] = kind  # nothing was taken: the url stays usable
                raise bad("Multipart field 'data' with the file is required")
            data = field.file.read()
            if not data:
                self.uploads[key] = kind
                raise bad("The file is empty")
        except MaxError as exc:
            await self._notify()
            return web.json_response(exc.body(), status=exc.status)
        token = f"{kind}-{key}"
        self._awaited.pop(token, None)
        self.uploaded[token] = Upload(token, kind, data, field.filename or "",
                                      field.content_type or "")
        await self._notify()
        if kind == "image":
            return web.json_response({"photos": {key: {"token": token}}})
        return web.json_response({"token": token})

    def _check_media(self, attachments: list[dict[str, Any]] | None) -> None:
        """Every media attachment names an upload (or received media) of its type."""
        for attachment in attachments or []:
            kind = attachment["type"]
            if kind not in MEDIA_TYPES:
                continue
            payload = attachment.get("payload")
            if not isinstance(payload, dict):
                raise bad(f"{kind}: payload is required")
            token = payload.get("token")
            if not token:
                if kind == "image" and isinstance(payload.get("url"), str) and payload["url"]:
                    continue  # MAX takes an image by a link too
                raise bad(f"{kind}: payload.token is required")
            if token in self._awaited:
                raise MaxError(400, "attachment.not.ready",
                               "Key: errors.process.attachment.file.not.processed")
            known = (self.uploaded[token].kind if token in self.uploaded
                     else self.received_media.get(token))
            if known is None:
                raise bad(f"{kind}: invalid token {str(token)[:24]}")
            if known != kind:
                raise bad(f"{kind}: the token is of a {known}")
