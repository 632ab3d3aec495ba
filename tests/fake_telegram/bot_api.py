"""FakeTelegram: the Bot API methods the bot calls, on the fake's state (getUpdates with
offset semantics, messages numbered per chat as Telegram does)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import time
from collections.abc import Callable
from typing import Any

from tests.fake_telegram.records import (
    BOT_USER,
    SENDING,
    ApiError,
    Call,
    FileUpload,
    Sent,
    decode_params,
)
from tests.fake_telegram.users import Users

FILE_LIMIT = 20 * 1024 * 1024  # getFile gives bots files of at most 20 MB
# A bot uploads a photo of at most 10 MB, a document of at most 50 MB; a caption is at most
# 1024 characters (after the HTML is parsed).
UPLOAD_LIMITS = {"photo": 10 * 1024 * 1024, "document": 50 * 1024 * 1024}
CAPTION_LIMIT = 1024


class FakeTelegram(Users):
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(now)
        self.waiting_polls = 0
        self.most_polls = 0  # getUpdates open at once (Telegram answers a second with 409)
        self.confirmed_offset = 0

    def times_delivered(self, update_id: int) -> int:
        """How many getUpdates answers carried this update."""
        return sum(1 for c in self.calls_of("getUpdates")
                   for u in (c.result or []) if u["update_id"] == update_id)

    # the Bot API

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        params = decode_params(params)
        call = Call(method, params)
        try:
            chat_id = None
            if method in SENDING and str(params.get("chat_id", "")).lstrip("-").isdigit():
                chat_id = int(params["chat_id"])
                await self._wait_hung(chat_id)  # as if stuck on the way; the rest is after
            if self.token_revoked:
                self.unauthorized.append((self.now(), method))
                raise ApiError(401, "Unauthorized")
            errors = self.fail.get(method)
            if errors:
                raise errors.pop(0)
            now = self.now()
            for end, code, description, methods in self._fail_windows:
                if now < end and method in methods:
                    raise ApiError(code, description)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            if chat_id is not None:
                self._check_chat(method, chat_id)
            call.result = await handler(params)
            if chat_id is not None:
                self._accept(chat_id)
            return call.result
        finally:
            if method != "getUpdates":  # polls are recorded as they arrive, in api_getUpdates
                self.calls.append(call)
            await self._notify()

    async def api_getMe(self, p: dict[str, Any]) -> Any:
        return BOT_USER

    async def api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        return True

    async def api_setWebhook(self, p: dict[str, Any]) -> Any:
        return True

    async def api_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True

    async def api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True

    async def api_getFile(self, p: dict[str, Any]) -> Any:
        file_id = str(p.get("file_id") or "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily "
                                "unavailable")
        path, data = self.files[file_id]
        if len(data) > FILE_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(data),
                "file_path": path}

    def download(self, file_path: str) -> bytes | None:
        """GET /file/bot<token>/<file_path>: the bytes, None for a path Telegram has not."""
        self.downloads.append(file_path)
        return self.file_content(file_path)

    async def api_getUpdates(self, p: dict[str, Any]) -> Any:
        call = Call("getUpdates", p)
        self.calls.append(call)
        offset = int(p.get("offset") or 0)
        if self._hold_confirming is not None and offset > self._hold_confirming:
            await self._polls_open.wait()  # as if this request never reached Telegram
            return []
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        self.waiting_polls += 1
        self.most_polls = max(self.most_polls, self.waiting_polls)
        await self._notify()
        try:
            async with self._changed:
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                    left = deadline - time.monotonic()
                    if ready or left <= 0:
                        call.result = ready[:limit]
                        return call.result
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), left)
        finally:
            self.waiting_polls -= 1

    def _store(self, method: str, chat_id: int, text: str, p: dict[str, Any],
               extra: dict[str, Any] | None = None,
               file: FileUpload | None = None) -> dict[str, Any]:
        if chat_id in self.chat_types and self.chat_types[chat_id] == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = self._next_message_id(chat_id)
        markup = p.get("reply_markup") or {}
        reply = (p.get("reply_parameters") or {}).get("message_id")
        self.sent.append(Sent(chat_id, message_id, method, html.unescape(text), text,
                              markup.get("inline_keyboard", []),
                              int(reply) if reply is not None else None, file=file))
        msg = {"message_id": message_id, "date": int(time.time()),
               "chat": self._chat(chat_id), "from": BOT_USER, **(extra or {})}
        if markup:
            msg["reply_markup"] = markup
        return msg

    def _chat_id(self, p: dict[str, Any]) -> int:
        chat_id = int(p["chat_id"])
        if chat_id == 404:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    async def api_sendMessage(self, p: dict[str, Any]) -> Any:
        text = p.get("text", "")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(html.unescape(text)) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._store("sendMessage", self._chat_id(p), text, p, {"text": text})

    def _file(self, p: dict[str, Any], field: str) -> tuple[str, FileUpload | None]:
        """The file_id a sendPhoto / sendDocument names, or of the bytes it uploaded (kept
        under a new file_id, as Telegram does: getFile gives them back)."""
        caption = p.get("caption", "")
        if len(html.unescape(caption)) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        value = p.get(field)
        if not isinstance(value, FileUpload):
            if not value:
                raise ApiError(400, f"Bad Request: there is no {field} in the request")
            return str(value), None
        if not value.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(value.data) > UPLOAD_LIMITS[field]:
            raise ApiError(413, "Request Entity Too Large")
        file_id = f"{field}-upload-{len(self.files) + 1}"
        self.files[file_id] = (f"{field}s/{len(self.files) + 1}-{value.filename}", value.data)
        return file_id, value

    async def api_sendPhoto(self, p: dict[str, Any]) -> Any:
        file_id, upload = self._file(p, "photo")
        photo = [{"file_id": file_id, "file_unique_id": "u", "width": 1, "height": 1}]
        return self._store("sendPhoto", self._chat_id(p), p.get("caption", ""), p,
                           {"photo": photo}, file=upload)

    async def api_sendDocument(self, p: dict[str, Any]) -> Any:
        file_id, upload = self._file(p, "document")
        document = {"file_id": file_id, "file_unique_id": "u"}
        if upload is not None:
            document["file_name"] = upload.filename
        return self._store("sendDocument", self._chat_id(p), p.get("caption", ""), p,
                           {"document": document}, file=upload)

    async def api_copyMessage(self, p: dict[str, Any]) -> Any:
        from_chat, mid = int(p["from_chat_id"]), int(p["message_id"])
        if mid <= 0:
            raise ApiError(400, "Bad Request: message to copy not found")
        msg = self._store("copyMessage", self._chat_id(p), f"copy of {from_chat}/{mid}", p)
        return {"message_id": msg["message_id"]}

    def _find(self, p: dict[str, Any]) -> Sent:
        chat_id, mid = int(p["chat_id"]), int(p["message_id"])
        for m in self.sent:
            if m.chat_id == chat_id and m.message_id == mid:
                return m
        raise ApiError(400, "Bad Request: message to edit not found")

    async def api_editMessageText(self, p: dict[str, Any]) -> Any:
        m = self._find(p)
        markup = (p.get("reply_markup") or {}).get("inline_keyboard", [])
        if p["text"] == m.html and markup == m.buttons:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same")
        m.html, m.text, m.buttons = p["text"], html.unescape(p["text"]), markup
        m.edits.append(m.text)
        return {"message_id": m.message_id, "date": int(time.time()),
                "chat": self._chat(m.chat_id), "text": m.html}

    async def api_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        m = self._find(p)
        m.buttons = (p.get("reply_markup") or {}).get("inline_keyboard", [])
        return {"message_id": m.message_id, "date": int(time.time()),
                "chat": self._chat(m.chat_id), "text": m.html}
