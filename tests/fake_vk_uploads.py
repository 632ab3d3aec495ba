"""The fake VK API's uploads of files into messages (a mixin of FakeVk), as VK documents them:

- photos.getMessagesUploadServer(peer_id) -> {upload_url, album_id, group_id}; a POST there
  with the multipart field `photo` -> {server, photo, hash} (photo "[]" when the field is
  missing, as VK answers); photos.saveMessagesPhoto(photo, server, hash) -> [photo] with
  id, owner_id (-group id), access_key: the attachment "photo{owner_id}_{id}_{access_key}";
- docs.getMessagesUploadServer(type=doc|audio_message|graffiti, peer_id) -> {upload_url}; a
  POST with the field `file` -> {file} ({"error": ...} without it); docs.save(file, title) ->
  {"type": "doc", "doc": {...}}: the attachment "doc{owner_id}_{id}".

An upload url takes one POST; saving an upload twice, or one never made, is VK's error 100.
The upload host is on the fake's server too (127.0.0.1, /upload/<kind>/<key>), without the
access_token (VK's upload hosts take none). Faults: `upload_statuses` (HTTP statuses the
next upload POSTs answer, in order), and fail_next()/error_window() for the API methods.

Recorded: `uploaded` (attachment string -> VkUpload: kind, file name, bytes, content type,
peer) and files_of(message): the uploads a sent message's `attachment` names.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

UPLOAD_ROUTE = "/upload/{kind}/{key}"
DOC_TYPES = ("doc", "audio_message", "graffiti")


@dataclass
class VkUpload:
    kind: str  # photo | doc
    filename: str
    data: bytes = field(repr=False)
    content_type: str
    peer_id: int


class VkUploadsMixin:
    base_url: str
    group_id: int

    def _init_uploads(self) -> None:
        self.upload_urls: dict[str, tuple[str, int]] = {}  # key -> (kind, peer), unused yet
        self.upload_statuses: list[int] = []
        self.upload_posts = 0
        self._received: dict[str, VkUpload] = {}  # upload answer token -> the file, unsaved
        self.uploaded: dict[str, VkUpload] = {}  # attachment string -> the file

    def files_of(self, message: Any) -> list[VkUpload]:
        return [self.uploaded[ref] for ref in message.attachment.split(",")
                if ref in self.uploaded]

    def _new_url(self, kind: str, params: dict[str, str]) -> str:
        raw = params.get("peer_id", "")
        if not raw.lstrip("-").isdigit():
            raise self._error(100, "One of the parameters specified was missing or invalid: "
                                   "peer_id")
        key = secrets.token_hex(8)
        self.upload_urls[key] = (kind, int(raw))
        return f"{self.base_url}/upload/{kind}/{key}"

    def _error(self, code: int, message: str) -> Exception:
        from tests.fake_vk import VkApiError  # the module that builds on this one

        return VkApiError(code, message)

    # ---- API methods --------------------------------------------------------------------

    def _m_photos_getMessagesUploadServer(self, params: dict[str, str]) -> Any:
        return {"upload_url": self._new_url("photo", params), "album_id": -3,
                "group_id": self.group_id}

    def _m_docs_getMessagesUploadServer(self, params: dict[str, str]) -> Any:
        if params.get("type", "doc") not in DOC_TYPES:
            raise self._error(100, "One of the parameters specified was missing or invalid: "
                                   "type")
        return {"upload_url": self._new_url("doc", params)}

    def _m_photos_saveMessagesPhoto(self, params: dict[str, str]) -> Any:
        token = params.get("photo", "")
        upload = self._received.get(token)
        if upload is None or upload.kind != "photo" or params.get("hash") != _hash(token):
            raise self._error(100, "One of the parameters specified was missing or invalid: "
                                   "photo")
        del self._received[token]
        photo_id = len(self.uploaded) + 1
        access_key = secrets.token_hex(6)
        self.uploaded[f"photo-{self.group_id}_{photo_id}_{access_key}"] = upload
        return [{"id": photo_id, "owner_id": -self.group_id, "album_id": -3,
                 "access_key": access_key, "date": 0, "text": "",
                 "sizes": [{"type": "x", "width": 604, "height": 400,
                            "url": "https://example.invalid/photo.png"}]}]

    def _m_docs_save(self, params: dict[str, str]) -> Any:
        token = params.get("file", "")
        upload = self._received.get(token)
        if upload is None or upload.kind != "doc":
            raise self._error(100, "One of the parameters specified was missing or invalid: "
                                   "file")
        del self._received[token]
        doc_id = len(self.uploaded) + 1
        title = params.get("title") or upload.filename
        self.uploaded[f"doc-{self.group_id}_{doc_id}"] = upload
        return {"type": "doc", "doc": {"id": doc_id, "owner_id": -self.group_id,
                                       "title": title, "size": len(upload.data),
                                       "ext": title.rpartition(".")[2], "date": 0, "type": 8,
                                       "url": "https://example.invalid/doc"}}

    # ---- the upload host ----------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        self.upload_posts += 1
        if self.upload_statuses:
            status = self.upload_statuses.pop(0)
            return web.Response(status=status, content_type="text/html",
                                text=f"<html><body><h1>{status}</h1></body></html>")
        kind, key = request.match_info["kind"], request.match_info["key"]
        found = self.upload_urls.pop(key, None)
        if found is None or found[0] != kind:
            return web.json_response({"error": "invalid upload url"})
        form = await request.post()
        part = form.get("photo" if kind == "photo" else "file")
        token = secrets.token_hex(10)
        if not isinstance(part, web.FileField) or not (data := part.file.read()):
            if kind == "photo":
                return web.json_response({"server": 1, "photo": "[]", "hash": _hash("")})
            return web.json_response({"error": "no file"})
        self._received[token] = VkUpload(kind, part.filename or "", data,
                                         part.content_type or "", found[1])
        if kind == "photo":
            return web.json_response({"server": 1, "photo": token, "hash": _hash(token)})
        return web.json_response({"file": token})


def _hash(token: str) -> str:
    return f"h{len(token)}{token[:4]}"
