"""The one message value: what the core wants shown to someone, on any platform.

A `Message` is text, button rows and attachments (each naming the platform it came
from), files the bot made itself (`files`: a chart, a workbook, uploaded by each transport
as the platform allows), plus what it is about: `card_of` marks the card of an appeal (its platform message
id is recorded, so a reply to it finds the appeal and status edits reach it). Direct
replies, outbox rows and kept copies all use this value and its one JSON codec.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

# Telegram's callback_data limit: every platform's buttons keep within it.
PAYLOAD_MAX_BYTES = 64


class PayloadTooLong(ValueError):
    """A button payload over PAYLOAD_MAX_BYTES."""


def payload_fits(payload: str) -> bool:
    """The one check of the limit (bot/payloads.py packs through it, Button checks it)."""
    return len(payload.encode()) <= PAYLOAD_MAX_BYTES


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo | document | other
    ref: str  # the platform's reference (Telegram file_id, VK "photo-1_2"), opaque to the core
    source_chat_id: str = ""  # where it was sent, for copyMessage-style forwarding
    source_message_id: str = ""
    platform: str = ""  # the platform `ref` means something on ("": the receiving one)


def stamped(attachments: tuple[Attachment, ...] | list[Attachment],
            platform: str) -> tuple[Attachment, ...]:
    """The attachments, each naming the platform it came from (`platform` where unnamed)."""
    return tuple(a if a.platform else replace(a, platform=platform) for a in attachments)


class FileKind(StrEnum):
    PHOTO = "photo"  # shown as a picture (Telegram sendPhoto, VK photo, MAX image)
    DOCUMENT = "document"  # a file to download (sendDocument, VK doc, MAX file)


# Telegram's limits for a bot's uploads (the strictest of the platforms'); our reports are
# some 100 KB.
FILE_MAX_BYTES = {FileKind.PHOTO: 10 * 1024 * 1024, FileKind.DOCUMENT: 50 * 1024 * 1024}


class FileTooBig(ValueError):
    """An OutFile over FILE_MAX_BYTES of its kind."""


@dataclass(frozen=True, slots=True)
class OutFile:
    """A file the bot made (not one a platform holds: that is an Attachment)."""

    kind: FileKind
    name: str  # the file name people see ("Отчёт 2026-11-16.xlsx")
    content: bytes = field(repr=False)
    mime: str = "application/octet-stream"

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a file needs a name")
        limit = FILE_MAX_BYTES[self.kind]
        if len(self.content) > limit:
            raise FileTooBig(f"{self.name}: {len(self.content)} bytes, a {self.kind} at most "
                             f"{limit}")


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    payload: str  # packed by bot/payloads.py; at most PAYLOAD_MAX_BYTES

    def __post_init__(self) -> None:
        if not payload_fits(self.payload):
            raise PayloadTooLong(f"button payload over {PAYLOAD_MAX_BYTES} bytes: "
                                 f"{self.payload!r}")


@dataclass(slots=True)
class Message:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachments: tuple[Attachment, ...] = ()
    card_of: int | None = None  # the card of this appeal
    appeal_id: int | None = None  # the appeal it is about (a notice, a filing receipt)
    faq_entry: str | None = None  # the FAQ answer it shows
    files: tuple[OutFile, ...] = ()  # sent after the text (a photo may carry it as caption)


# The codec: compact, stable keys; absent fields are left out.


def message_to_dict(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"t": message.text}
    if message.buttons:
        out["b"] = [[[b.text, b.payload] for b in row] for row in message.buttons]
    if message.attachments:
        out["a"] = [[a.kind, a.ref, a.source_chat_id, a.source_message_id, a.platform]
                    for a in message.attachments]
    if message.files:
        out["f"] = [[f.kind.value, f.name, f.mime, base64.b64encode(f.content).decode("ascii")]
                    for f in message.files]
    for key, value in (("card", message.card_of), ("appeal", message.appeal_id),
                       ("faq", message.faq_entry)):
        if value is not None:
            out[key] = value
    return out


def message_from_dict(data: dict[str, Any]) -> Message:
    if "t" not in data and "text" in data:
        return _legacy(data)
    return Message(
        text=str(data.get("t", "")),
        buttons=[[Button(str(text), str(payload)) for text, payload in row]
                 for row in data.get("b", [])],
        attachments=tuple(Attachment(*(str(part) for part in a)) for a in data.get("a", [])),
        card_of=data.get("card"), appeal_id=data.get("appeal"), faq_entry=data.get("faq"),
        files=tuple(OutFile(FileKind(kind), str(name), base64.b64decode(content, validate=True),
                            str(mime)) for kind, name, mime, content in data.get("f", [])),
    )


def _legacy(data: dict[str, Any]) -> Message:
    """An outbox payload written before the one codec (a database restored from then)."""
    return Message(
        text=str(data.get("text", "")),
        buttons=[[Button(str(b["text"]), str(b["payload"])) for b in row]
                 for row in data.get("buttons", [])],
        attachments=tuple(Attachment(str(a.get("kind", "other")), str(a.get("ref", "")),
                                     str(a.get("source_chat_id", "")),
                                     str(a.get("source_message_id", "")),
                                     str(a.get("platform", "")))
                          for a in data.get("attachments", [])),
        card_of=data.get("edit_card_of"),
    )


def encode(message: Message) -> str:
    return json.dumps(message_to_dict(message), ensure_ascii=False, separators=(",", ":"))


def decode(data: str) -> Message:
    return message_from_dict(json.loads(data))
