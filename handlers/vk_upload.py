"""Files the bot made itself (the message's `files`: a chart, a workbook) as VK attachments.

A photo: photos.getMessagesUploadServer(peer_id) names an upload_url; the file is POSTed
there as the multipart field `photo`; the answer's {server, photo, hash} go to
photos.saveMessagesPhoto, whose photo is the attachment "photo{owner_id}_{id}[_{access_key}]".
A document: docs.getMessagesUploadServer(type=doc, peer_id), the file POSTed as `file`, the
answer's {file} to docs.save, whose doc is "doc{owner_id}_{id}". messages.send then names them
in `attachment`.

One message's attachments are kept until it is sent (handlers/upload_ledger.py), so a try
again (after a failure of a later upload, or of messages.send) uses them rather than
uploading again. A passing failure (the network, the upload host's 5xx, VK's 6, 9, 10)
raises the retry-class SendError, so the outbox tries again; after UPLOAD_TRIES of them, or
at once when VK refuses a file for good (its error that retrying cannot help, an upload
answer without the file), the files not uploaded are left out: the text goes with a note
naming them (texts.FILES_NOT_ATTACHED) and the failure is logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.delivery.ports import Failure, SendError
from bot.message import FileKind, OutFile
from handlers.upload_ledger import UploadLedger

log = logging.getLogger(__name__)

UPLOAD_TIMEOUT = 60.0  # seconds for one file's POST to the upload host

# An API call through the sender (paced, errors mapped): (method, params) -> response.
ApiCall = Callable[[str, dict[str, Any]], Awaitable[Any]]


class _Refused(Exception):
    """VK will not take this file (the upload host's answer has no file)."""


@dataclass(frozen=True, slots=True)
class Uploaded:
    refs: list[str]  # the attachment strings, in the files' order
    missing: tuple[OutFile, ...]  # the files left out (named in the note)


def photo_ref(saved: Any) -> str:
    """photos.saveMessagesPhoto's answer (a list of photos) as an attachment string."""
    photo = saved[0] if isinstance(saved, list) and saved else None
    if not isinstance(photo, dict) or "id" not in photo or "owner_id" not in photo:
        raise _Refused(f"saveMessagesPhoto answered {saved!r:.200}")
    key = photo.get("access_key")
    return f"photo{photo['owner_id']}_{photo['id']}" + (f"_{key}" if key else "")


def doc_ref(saved: Any) -> str:
    """docs.save's answer ({"type": "doc", "doc": {...}}) as an attachment string."""
    doc = saved.get("doc") if isinstance(saved, dict) else None
    if not isinstance(doc, dict) or "id" not in doc or "owner_id" not in doc:
        raise _Refused(f"docs.save answered {saved!r:.200}")
    return f"doc{doc['owner_id']}_{doc['id']}"


class VkUploads:
    """Uploads a message's files and keeps their attachment strings (see the module)."""

    def __init__(self, api: Any, call: ApiCall) -> None:
        self.api = api  # vkbottle's API: its http_client POSTs the file
        self.call = call
        self._ledger: UploadLedger[str] = UploadLedger(
            "VK", (Failure.CHAT_GONE, Failure.UNAUTHORIZED, Failure.MIGRATED))

    async def prepare(self, key: str, peer_id: str, files: tuple[OutFile, ...]) -> Uploaded:
        """The attachments of the files, and the files left out; raises a retry-class
        SendError on a passing failure (the uploads so far are kept for the next try)."""
        async def upload(file: OutFile) -> str | None:
            try:
                return await self._upload(peer_id, file)
            except (_Refused, _Rejected) as exc:
                log.warning("VK refused the file %s: %s", file.name, exc)
                return None

        done, missing = await self._ledger.prepare(key, files, upload)
        return Uploaded([ref for _, ref in done], missing)

    def sent(self, key: str) -> None:
        """The message is out: its attachments are needed no more."""
        self._ledger.sent(key)

    async def _upload(self, peer_id: str, file: OutFile) -> str:
        if file.kind is FileKind.PHOTO:
            server = await self._api("photos.getMessagesUploadServer", {"peer_id": peer_id})
            answer = await self._post(_upload_url(server), "photo", file)
            if not answer.get("photo") or answer.get("photo") == "[]" or "hash" not in answer:
                raise _Refused(f"the upload host answered {answer!r:.200}")
            return photo_ref(await self._api("photos.saveMessagesPhoto", {
                "photo": answer["photo"], "server": answer.get("server", ""),
                "hash": answer["hash"]}))
        server = await self._api("docs.getMessagesUploadServer",
                                 {"type": "doc", "peer_id": peer_id})
        answer = await self._post(_upload_url(server), "file", file)
        if not answer.get("file"):
            raise _Refused(f"the upload host answered {answer!r:.200}")
        return doc_ref(await self._api("docs.save", {"file": answer["file"],
                                                     "title": file.name}))

    async def _api(self, method: str, params: dict[str, Any]) -> Any:
        try:
            return await self.call(method, params)
        except SendError as exc:
            if exc.failure is Failure.REJECTED:  # bad parameters, a type VK will not take
                raise _Rejected(str(exc)) from exc
            raise

    async def _post(self, url: str, field_name: str, file: OutFile) -> dict[str, Any]:
        form = aiohttp.FormData(quote_fields=False)
        form.add_field(field_name, file.content, filename=file.name, content_type=file.mime)
        try:
            async with self.api.http_client.request(
                    url, "POST", data=form,
                    timeout=aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT)) as response:
                status, text = response.status, await response.text()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"VK upload unreachable: {type(exc).__name__}") from exc
        if status == 429:
            raise SendError("VK upload 429", retry_after=1.0)
        if status >= 500:
            raise SendError(f"VK upload error {status}")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if not 200 <= status < 300 or not isinstance(answer, dict) or answer.get("error"):
            raise _Refused(f"{status} {text[:200]}")
        return answer


class _Rejected(Exception):
    """VK refused an upload call itself (a REJECTED SendError)."""


def _upload_url(server: Any) -> str:
    url = server.get("upload_url") if isinstance(server, dict) else None
    if not isinstance(url, str) or not url:
        raise _Refused(f"no upload_url in {server!r:.200}")
    return url
