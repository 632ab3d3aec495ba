"""The fake Bot API's records: what the bot called and sent, and the errors it answers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

BOT_USER = {"id": 123, "is_bot": True, "first_name": "medfront", "username": "medfront_test_bot"}
# the methods that count against the rate limits and meet the chat faults
SENDING = frozenset({"sendMessage", "copyMessage", "sendPhoto", "sendDocument",
                     "editMessageText", "editMessageReplyMarkup"})


class ApiError(Exception):
    def __init__(self, code: int, description: str,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass(frozen=True)
class FileUpload:
    """A file the bot uploaded in a multipart request (sendPhoto / sendDocument of bytes)."""

    filename: str
    data: bytes = field(repr=False)
    content_type: str = ""


def attach(params: dict[str, Any], files: dict[str, FileUpload]) -> dict[str, Any]:
    """The multipart's file parts in place of the `attach://<name>` values that name them
    (aiogram sends an InputFile so); a part named by the parameter itself is taken too."""
    out = dict(params)
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name not in files:
                raise ApiError(400, f"Bad Request: file {name} not found in the request")
            out[key] = files[name]
    for name, upload in files.items():
        if name in ("photo", "document") and name not in out:
            out[name] = upload
    return out


@dataclass
class Sent:
    """A message the bot sent (or copied) into a chat."""

    chat_id: int
    message_id: int
    method: str
    text: str  # as a user sees it (HTML unescaped)
    html: str  # as sent
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_to: int | None = None
    edits: list[str] = field(default_factory=list)
    file: FileUpload | None = None  # the uploaded bytes of a sendPhoto / sendDocument

    def uploaded(self) -> FileUpload:
        """The file this message uploaded (a message without one fails the test)."""
        if self.file is None:
            raise AssertionError(f"{self.method} to {self.chat_id} uploaded no file")
        return self.file

    def payloads(self) -> list[str]:
        return [b.get("callback_data", "") for row in self.buttons for b in row]

    def payload(self, prefix: str) -> str:
        for p in self.payloads():
            if p.startswith(prefix):
                return p
        raise AssertionError(f"no button {prefix!r} in {self.payloads()} of {self.text!r}")


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    """Form values arrive as strings; JSON ones (markup, scope, ...) are decoded."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


class Hang(asyncio.Event):
    aborted = False  # released by a server stop: the call fails instead of going on


def window_wait(times: list[float], now: float, window: float, limit: int) -> float:
    """0 if one more call fits `limit` per `window` seconds, else seconds until it does."""
    recent = [t for t in times if t > now - window]
    if len(recent) < limit:
        return 0.0
    return recent[len(recent) - limit] + window - now if limit > 0 else window

