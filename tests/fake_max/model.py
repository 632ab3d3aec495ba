"""What the fake MAX Bot API keeps and checks: error bodies, recorded messages and answers,
MAX's JSON shapes (User, Message, Chat) and the NewMessageBody / keyboard limits."""

from __future__ import annotations

import copy
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

TEXT_LIMIT = 4000  # NewMessageBody.text maxLength (a text of 4000 is accepted, 4001 is not)
MAX_ATTACHMENTS = 12
MAX_ROWS, MAX_PER_ROW, MAX_PER_WIDE_ROW, MAX_BUTTONS = 30, 7, 3, 210
WIDE_BUTTONS = frozenset({"link", "open_app", "request_geo_location", "request_contact"})
BUTTON_TYPES = frozenset({"callback", "link", "request_geo_location", "request_contact",
                          "message", "open_app", "clipboard"})
BUTTON_TEXT_LIMIT, PAYLOAD_LIMIT, URL_LIMIT, APP_PAYLOAD_LIMIT = 128, 1024, 2048, 512
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,128}")  # deep-link start payloads MAX passes on
SECRET = re.compile(r"[A-Za-z0-9_-]{5,256}")  # webhook secret
APP_PAYLOAD = re.compile(r"[A-Za-z0-9_-]*")
TEXT_FORMATS = frozenset({"markdown", "html"})
LINK_TYPES = frozenset({"reply", "forward"})
UPLOAD_TYPES = frozenset({"image", "video", "audio", "file"})
MEDIA_TYPES = frozenset({"image", "video", "audio", "file"})
DIALOG_OFFSET = 9_000_000_000  # a dialog's chat_id in the fake: the user's id + this
FIRST_GROUP_ID = -70_000_000_000_001  # group chats and channels count down from here
SENDING = frozenset({"POST /messages", "PUT /messages", "DELETE /messages", "POST /answers"})

# The error code sent for an HTTP status when a test does not name one.
DEFAULT_CODES = {400: "proto.payload", 401: "verify.token", 403: "chat.denied", 404: "not.found",
                 405: "method.not.allowed", 429: "too.many.requests", 500: "internal.error",
                 502: "service.unavailable", 503: "service.unavailable",
                 504: "service.unavailable"}


def now_ms() -> int:
    return int(time.time() * 1000)


def new_mid() -> str:
    return "mid." + secrets.token_hex(16)


class MaxError(Exception):
    """An API refusal: HTTP `status` with MAX's body {"code": ..., "message": ...}."""

    def __init__(self, status: int, code: str | None = None, message: str = "") -> None:
        self.status = status
        self.code = code or DEFAULT_CODES.get(status, "internal.error")
        self.message = message or self.code
        super().__init__(f"{status} {self.code}: {self.message}")

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def bad(message: str) -> MaxError:
    return MaxError(400, "proto.payload", message)


@dataclass
class Edit:
    """A message's content after one edit (PUT /messages, or an answer that carried a message)."""

    text: str | None
    buttons: list[list[dict[str, Any]]]
    via: str = "edit"  # "edit" or "answer"


@dataclass
class SentMessage:
    """A message the bot sent (POST /messages); edits change it in place and are kept."""

    mid: str
    seq: int
    chat_id: int
    chat_type: str  # "dialog" | "chat" | "channel"
    user_id: int | None  # the dialog's user; None in group chats and channels
    text: str | None
    format: str | None = None
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)  # as sent, by rows
    attachments: list[dict[str, Any]] = field(default_factory=list)  # all but the keyboard
    link: dict[str, Any] | None = None  # {"type": "reply"|"forward", "mid": ...} as sent
    notify: bool = True
    timestamp: int = field(default_factory=now_ms)
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False

    @property
    def rows(self) -> list[list[dict[str, Any]]]:
        """The keyboard as rows of {type, text, payload} (a link button's payload is its url)."""
        return [[{"type": b["type"], "text": b["text"], "payload": b.get("payload", b.get("url"))}
                 for b in row] for row in self.buttons]

    @property
    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def button(self, label: str) -> dict[str, Any]:
        """The button labelled `label` (exactly, else the first whose label contains it)."""
        flat = [b for row in self.buttons for b in row]
        for candidate in [b for b in flat if b["text"] == label] + [
                b for b in flat if label in b["text"]]:
            return candidate
        raise AssertionError(f"no button {label!r} in {self.labels} of {self.text!r}")

    def payload(self, label: str) -> str:
        return self.button(label).get("payload") or ""


@dataclass
class Answer:
    """An answer to a button press (POST /answers)."""

    callback_id: str
    chat_id: int
    user_id: int
    mid: str  # the message whose button was pressed
    notification: str | None
    message: dict[str, Any] | None  # the NewMessageBody sent with the answer, if any


@dataclass
class Delivery:
    """One webhook POST of an update: the status the bot's endpoint answered (None: no answer)."""

    url: str
    update: dict[str, Any]
    status: int | None
    secret: str | None = None  # the X-Max-Bot-Api-Secret header sent
    error: str = ""
    retried: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200  # MAX counts any other answer as a failed delivery


@dataclass
class Subscription:
    url: str
    time: int
    update_types: list[str] | None
    secret: str | None


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class ChatInfo:
    chat_id: int
    type: str  # "dialog" | "chat" | "channel"
    title: str | None = None
    user_id: int | None = None  # a dialog's user
    members: set[int] = field(default_factory=set)
    last_event_time: int = field(default_factory=now_ms)


def user_json(user_id: int, first_name: str, last_name: str | None = None,
              username: str | None = None, is_bot: bool = False) -> dict[str, Any]:
    """A User as MAX sends it (fields it would leave out are left out, as MAX does)."""
    user: dict[str, Any] = {"user_id": user_id, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    user.update(is_bot=is_bot, last_activity_time=now_ms(),
                name=" ".join(p for p in (first_name, last_name) if p))
    return user


def keyboard_attachment(rows: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"type": "inline_keyboard", "payload": {"buttons": copy.deepcopy(rows)}}


def body_json(sent: SentMessage) -> dict[str, Any]:
    attachments = [copy.deepcopy(a) for a in sent.attachments]
    if sent.buttons:
        attachments.append(keyboard_attachment(sent.buttons))
    body: dict[str, Any] = {"mid": sent.mid, "seq": sent.seq}
    if sent.text is not None:
        body["text"] = sent.text
    body.update(attachments=attachments, markup=[])
    return body


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
        kind = button.get("type") if isinstance(button, dict) else button
        raise bad(f"Unknown button type: {kind!r}")
    text = button.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= BUTTON_TEXT_LIMIT:
        raise bad(f"button.text: size must be between 1 and {BUTTON_TEXT_LIMIT}")
    kind = button["type"]
    if kind in ("callback", "clipboard"):
        payload = button.get("payload")
        if not isinstance(payload, str) or len(payload) > PAYLOAD_LIMIT:
            raise bad(f"button.payload: required, at most {PAYLOAD_LIMIT} characters")
    if kind == "link":
        url = button.get("url")
        if not isinstance(url, str) or not url or len(url) > URL_LIMIT:
            raise bad(f"button.url: required, at most {URL_LIMIT} characters")
    if kind == "open_app":
        if not button.get("web_app"):
            raise bad("Field 'webApp' cannot be null")
        payload = button.get("payload")
        if payload is not None and (len(payload) > APP_PAYLOAD_LIMIT
                                    or not APP_PAYLOAD.fullmatch(payload)):
            raise bad("open_app payload: at most 512 characters of A-Z, a-z, 0-9, _ and -")


def check_keyboard(payload: Any) -> list[list[dict[str, Any]]]:
    """An inline_keyboard payload's rows, or the refusal MAX gives for it."""
    rows = payload.get("buttons") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise bad("inline_keyboard: buttons must be a non-empty array of rows")
    if len(rows) > MAX_ROWS:
        raise bad(f"inline_keyboard: at most {MAX_ROWS} rows, got {len(rows)}")
    total = 0
    for row in rows:
        if not row:
            raise bad("inline_keyboard: empty row")
        wide = any(isinstance(b, dict) and b.get("type") in WIDE_BUTTONS for b in row)
        limit = MAX_PER_WIDE_ROW if wide else MAX_PER_ROW
        if len(row) > limit:
            raise bad(f"inline_keyboard: at most {limit} buttons in a row, got {len(row)}")
        for button in row:
            _check_button(button)
        total += len(row)
    if total > MAX_BUTTONS:
        raise bad(f"inline_keyboard: at most {MAX_BUTTONS} buttons, got {total}")
    return copy.deepcopy(rows)


def parse_body(body: Any, *, edit: bool) -> dict[str, Any]:
    """A NewMessageBody checked against MAX's limits. `attachments` is None when it was left
    out or null (an edit then keeps the message's attachments) and a list otherwise (an empty
    list removes them all); `buttons` is the keyboard found among them, if any."""
    if not isinstance(body, dict):
        raise bad("Request body must be a JSON object (NewMessageBody)")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise bad("text: must be a string")
    if text is not None and len(text) > TEXT_LIMIT:
        raise bad(f"text: size must be between 0 and {TEXT_LIMIT}, got {len(text)}")
    fmt = body.get("format")
    if fmt is not None and fmt not in TEXT_FORMATS:
        raise bad(f"format: must be one of markdown, html, got {fmt!r}")
    raw = body.get("attachments")
    buttons: list[list[dict[str, Any]]] = []
    others: list[dict[str, Any]] | None = None
    if raw is not None:
        if not isinstance(raw, list) or len(raw) > MAX_ATTACHMENTS:
            raise bad(f"attachments: an array of at most {MAX_ATTACHMENTS} attachments")
        others = []
        keyboards = 0
        for attachment in raw:
            if not isinstance(attachment, dict) or not isinstance(attachment.get("type"), str):
                raise bad("attachments: every attachment needs a type")
            if attachment["type"] == "inline_keyboard":
                keyboards += 1
                buttons = check_keyboard(attachment.get("payload"))
            else:
                others.append(copy.deepcopy(attachment))
        if keyboards > 1:
            raise bad("attachments: at most one inline_keyboard")
    link = body.get("link")
    if link is not None and (not isinstance(link, dict) or link.get("type") not in LINK_TYPES
                             or not isinstance(link.get("mid"), str) or not link["mid"]):
        raise bad("link: needs type (reply or forward) and mid")
    notify = body.get("notify", True)
    if not edit and not text and not raw:
        raise bad("Message is empty: give text or attachments")
    return {"text": text, "format": fmt, "attachments": others, "buttons": buttons,
            "has_attachments": raw is not None, "link": link,
            "notify": True if notify is None else bool(notify)}
