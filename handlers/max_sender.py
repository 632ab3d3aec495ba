"""MAX side of sending: keyboards within MAX's limits, POST /messages, PUT /messages,
POST /answers, and MAX's errors mapped once, here, into the delivery's failure classes.

The HTTP client is maxapi's `Bot` (the token in the `Authorization` header, the API base,
the Минцифры CA bundle, its session), called through `Bot.request` with the JSON bodies
built here rather than through `send_message` / `edit_message`, because maxapi 1.2.3's
`edit_message` sends `"attachments": []` (which removes a card's buttons) and both refuse a
text of exactly 4000 characters, which MAX takes. Its client retries only 502-504; it is
made with no retries at all (the outbox retries, and a blind resend after a dropped
connection could show a message twice: MAX has no idempotency key).

Chat ids: a private dialog is named by the person's user id (as in Telegram and VK) and
sent to with `user_id=`; a group chat by its (negative) chat_id, sent to with `chat_id=`.
Message ids are MAX's mids ("mid.…"); an edit needs only the mid.

Keyboards: an `inline_keyboard` attachment of callback buttons (payload = the core's
payload), at most 7 a row, 30 rows and 210 buttons; longer rows are wrapped, and a
keyboard over 30 rows or 210 buttons is split: the first part stays on the message, the
rest follow in messages of their own under texts.MAX_MORE_BUTTONS. Texts are split at 4000
characters (the buttons under the last piece); attachments sent in MAX are passed on in a
message of their own after the text (so editing a card never removes them), photos from
another messenger too once uploaded (handlers/max_media.py), the rest named in a note; files
the bot made (the message's `files`) are uploaded as images and files (handlers/max_files.py)
and go in those messages too.
A message is sent as several when it must be: those already out are remembered by the
delivery's key, so a try again after a failure in between (attachment.not.ready just after an
upload) sends only the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import aiohttp
from maxapi.enums.http_method import HTTPMethod
from maxapi.exceptions.max import InvalidToken, MaxApiError, MaxConnection

from bot import texts
from bot.delivery.pacing import RateLimiter, Timer
from bot.delivery.ports import Failure, Limits, SendError
from bot.message import Attachment, Button, Message
from handlers.common import foreign_attachments_note, split_text
from handlers.max_files import MaxFiles
from handlers.max_media import MaxMedia
from handlers.ports import MediaSource

log = logging.getLogger(__name__)

PLATFORM = "max"
MAX_TEXT = 4000
MAX_ROWS = 30
MAX_PER_ROW = 7
MAX_BUTTONS = 210
MAX_LABEL = 128
MAX_ATTACHMENTS = 12
MEDIA_TYPES = ("image", "video", "audio", "file")

# About 30 requests a second per bot (the long poll's too), at most 2 messages a second into
# one chat: 30 in 1.05 s overall, a message every 0.55 s into one chat.
WINDOW = 1.05
LIMITS = Limits(overall_per_s=30 / WINDOW, private_interval=0.55, group_interval=0.55)
ANSWER_INTERVAL = 0.55  # at most 2 answers a second into one chat
RETRY_AFTER_S = 1.0  # MAX's 429 says no time: try again after a second
KEPT = 1000  # messages partly sent, remembered for the try again

# Error bodies carry a `code` (since 2026-11): mapped by it, never by the message text.
CHAT_GONE_CODES = {"chat.denied", "chat.not.found", "user.not.found", "dialog.suspended"}
UNAUTHORIZED_CODES = {"verify.token", "access.denied"}
RETRY_CODES = {"too.many.requests"}
TRANSIENT_CODES = {"internal.error", "service.unavailable", "attachment.not.ready"}


def is_group_chat(chat_id: str) -> bool:
    """Group chats and channels have negative ids; a dialog is named by its user id."""
    return chat_id.startswith("-")


def label(text: str) -> str:
    text = text.strip() or "·"
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


def fit_keyboard(buttons: list[list[Button]]) -> list[list[list[Button]]]:
    """The core's rows as MAX keyboards, one per message, each within MAX's limits."""
    rows = [row[i:i + MAX_PER_ROW] for row in buttons if row
            for i in range(0, len(row), MAX_PER_ROW)]
    pages: list[list[list[Button]]] = []
    page: list[list[Button]] = []
    count = 0
    for row in rows:
        if page and (len(page) == MAX_ROWS or count + len(row) > MAX_BUTTONS):
            pages.append(page)
            page, count = [], 0
        page.append(row)
        count += len(row)
    if page:
        pages.append(page)
    return pages


def keyboard_attachment(rows: list[list[Button]]) -> dict[str, Any]:
    return {"type": "inline_keyboard", "payload": {"buttons": [
        [{"type": "callback", "text": label(b.text), "payload": b.payload} for b in row]
        for row in rows]}}


def media_attachment(attachment: Attachment) -> dict[str, Any] | None:
    """An attachment received in MAX ("image:<token>") as MAX takes it back."""
    kind, _, token = attachment.ref.partition(":")
    if kind not in MEDIA_TYPES or not token:
        return None
    return {"type": kind, "payload": {"token": token}}


def error_code(exc: MaxApiError) -> str:
    raw = exc.raw
    code = raw.get("code") if isinstance(raw, dict) else None
    return str(code) if code else ""


def send_error(exc: BaseException) -> SendError:
    """A failed MAX call as the delivery understands it."""
    if isinstance(exc, InvalidToken):
        return SendError(f"MAX: {exc}", Failure.UNAUTHORIZED)
    if isinstance(exc, MaxApiError):
        code, status = error_code(exc), exc.code
        message = f"MAX error {status} {code or '?'}"
        if code in UNAUTHORIZED_CODES or status == 401:
            return SendError(message, Failure.UNAUTHORIZED)
        if code in RETRY_CODES or status == 429:
            return SendError(message, retry_after=RETRY_AFTER_S)
        if code in CHAT_GONE_CODES or (status == 403 and not code):
            return SendError(message, Failure.CHAT_GONE)
        if code in TRANSIENT_CODES or status >= 500:
            return SendError(message)
        # proto.payload, not.found (for an edit: the message is gone) and other refusals
        return SendError(message, Failure.REJECTED)
    if isinstance(exc, MaxConnection | TimeoutError | aiohttp.ClientError | OSError):
        return SendError(f"MAX unreachable: {type(exc).__name__}")
    return SendError(f"MAX call failed: {type(exc).__name__}")


def chat_params(chat_id: str) -> dict[str, str]:
    return {"chat_id": chat_id} if is_group_chat(chat_id) else {"user_id": chat_id}


# The core picks some texts by platform and knows only Telegram's and VK's: MAX's own are
# put in their place here, at the edge (see texts.MAX_CHAT_HELLO).
EDGE_TEXTS = ((texts.TELEGRAM_GROUP_HELLO, texts.MAX_CHAT_HELLO),
              (texts.GROUP_HEARS, texts.MAX_CHAT_HEARS))


def for_max(text: str) -> str:
    for core, own in EDGE_TEXTS:
        if core in text:
            text = text.replace(core, own)
    return text


class MaxSender:
    """Sends, edits and answers through maxapi's Bot (the delivery's Sender for MAX); the
    transport's own API calls go through `call` too, so they share the bot's pace."""

    platform = PLATFORM
    limits = LIMITS

    def __init__(self, bot: Any, timer: Timer | None = None,
                 media: MediaSource | None = None) -> None:
        self.bot = bot
        self.limiter = RateLimiter(LIMITS.overall_per_s, timer)
        self.answer_interval = ANSWER_INTERVAL
        self.media = MaxMedia(bot, media, self._upload_url)
        self.files = MaxFiles(bot, self._upload_url_of)
        self._answered: dict[str, float] = {}
        self._progress: dict[str, tuple[int, str]] = {}  # key -> (parts sent, carrier mid)

    def is_group(self, chat_id: str) -> bool:
        return is_group_chat(chat_id)

    async def call(self, method: HTTPMethod, path: str, *, params: dict[str, Any] | None = None,
                   body: dict[str, Any] | None = None, paced: bool = True,
                   within: float | None = None) -> dict[str, Any]:
        """One API call within the bot's rate; errors mapped to SendError."""
        if paced:
            await self.limiter.acquire()
        extra: dict[str, Any] = {}
        if body is not None:
            extra["json"] = body
        if within is not None:
            extra["timeout"] = aiohttp.ClientTimeout(total=within)
        try:
            result = await self.bot.request(method, path, is_return_raw=True,
                                            params=params or {}, **extra)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = send_error(exc)
            if error.failure is Failure.RETRY_AFTER:
                self.limiter.pause(error.retry_after or RETRY_AFTER_S)
            raise error from exc
        return result if isinstance(result, dict) else {}

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        """Send (split at 4000 characters); returns the mid of the last piece, the one that
        carries the buttons. The first call is paced by the delivery, the further ones here."""
        text = for_max(message.text)
        native = [m for m in (media_attachment(a) for a in message.attachments
                              if a.platform in ("", PLATFORM)) if m is not None]
        foreign = tuple(a for a in message.attachments if a.platform not in ("", PLATFORM))
        prepared = await self.media.prepare(key, foreign)
        if prepared.noted:
            note = foreign_attachments_note(prepared.noted, prepared.noted[0].platform)
            text = f"{text}\n\n{note}" if text else note
        made = await self.files.prepare(key, message.files)
        if made.missing:
            note = texts.FILES_NOT_ATTACHED.format(
                platform=texts.PLATFORM_NAMES_IN[PLATFORM],
                names=", ".join(f"«{f.name}»" for f in made.missing))
            text = f"{text}\n\n{note}" if text else note
        media = native + prepared.images + made.attachments
        keyboards = fit_keyboard(message.buttons)
        pieces = split_text(text, MAX_TEXT) if text else ([] if media else ["·"])
        bodies: list[dict[str, Any]] = []
        for index, piece in enumerate(pieces):
            body: dict[str, Any] = {"text": piece}
            if index == len(pieces) - 1 and keyboards:
                body["attachments"] = [keyboard_attachment(keyboards[0])]
            bodies.append(body)
        carrier = len(bodies) - 1
        for start in range(0, len(media), MAX_ATTACHMENTS):
            bodies.append({"attachments": media[start:start + MAX_ATTACHMENTS]})
        for page in keyboards[1:]:
            bodies.append({"text": texts.MAX_MORE_BUTTONS,
                           "attachments": [keyboard_attachment(page)]})
        done, message_id = self._progress.get(key, (0, ""))
        for index, body in enumerate(bodies[done:], start=done):
            # uploads took the delivery's pace: the first message then waits for its own
            response = await self.call(HTTPMethod.POST, "/messages", params=chat_params(chat_id),
                                       body=body, paced=index > done or bool(
                                           prepared.images or made.attachments))
            mid = str(((response.get("message") or {}).get("body") or {}).get("mid") or "")
            if index == carrier or (carrier < 0 and index == 0):
                message_id = mid
            if index < len(bodies) - 1:
                self._sent_part(key, index + 1, message_id)
        self._progress.pop(key, None)
        self.media.sent(key)
        self.files.sent(key)
        return message_id

    def _sent_part(self, key: str, count: int, message_id: str) -> None:
        self._progress[key] = (count, message_id)
        while len(self._progress) > KEPT:
            del self._progress[next(iter(self._progress))]

    async def _upload_url(self) -> dict[str, Any]:
        return await self._upload_url_of("image")

    async def _upload_url_of(self, kind: str) -> dict[str, Any]:
        return await self.call(HTTPMethod.POST, "/uploads", params={"type": kind})

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Text and keyboard in place; the keyboard is always sent again (an edit without it
        would keep the old buttons, one with [] removes them: exactly when there are none)."""
        text = for_max(message.text)
        if len(text) > MAX_TEXT:  # an edit cannot split: keep the head, the status is there
            text = text[:MAX_TEXT - 1] + "…"
        keyboards = fit_keyboard(message.buttons)
        await self.call(HTTPMethod.PUT, "/messages", params={"message_id": message_id},
                        body={"text": text or "·", "attachments": (
                            [keyboard_attachment(keyboards[0])] if keyboards else [])},
                        paced=False)

    async def answer(self, chat_id: str, callback_id: str,
                     notification: str = texts.MAX_PRESS_NOTED) -> None:
        """POST /answers for a press (at most 2 a second into one chat)."""
        now = time.monotonic()
        wait = self._answered.get(chat_id, float("-inf")) + self.answer_interval - now
        self._answered[chat_id] = now + max(wait, 0.0)
        if len(self._answered) > 10_000:
            self._answered = {k: v for k, v in self._answered.items() if v > now - 1}
        if wait > 0:
            await asyncio.sleep(wait)
        await self.call(HTTPMethod.POST, "/answers", params={"callback_id": callback_id},
                        body={"notification": notification})

    async def updates(self, marker: int | None, wait_s: int,
                      types: Sequence[str] = ()) -> dict[str, Any]:
        """GET /updates: the events from `marker` on (MAX keeps them until a call passes a
        marker past them), waiting up to `wait_s` seconds."""
        params: dict[str, Any] = {"timeout": wait_s, "limit": 100}
        if marker is not None:
            params["marker"] = marker
        if types:
            params["types"] = ",".join(types)
        return await self.call(HTTPMethod.GET, "/updates", params=params, within=wait_s + 15)
