"""VK side of sending: keyboards that fit VK's limits, messages.send / messages.edit, errors.

Message ids: the bot remembers the `conversation_message_id` of what it sends (VK gives it
in private chats and in group conversations alike, where the plain message id is 0 for a
community). `messages.edit` is called with it, and a staff member's reply to a card is
matched by the `conversation_message_id` of the replied message.

Keyboards are inline keyboards of callback buttons; a button's payload is
`{"p": "<core payload>"}`. VK allows an inline keyboard at most 6 rows, 5 buttons a row and
10 buttons in all, and a label at most 40 characters:
- a longer label is cut to 39 characters and "…";
- more than 6 rows: adjacent rows are merged from the top (7 categories + «Отменить»
  become two pairs and four single rows; the 10 buttons of /queue become 4 pairs and 2
  single rows), keeping «Отменить» alone at the bottom when it was;
- more than 10 buttons (the core makes none today): the first 10 stay on the message and
  the rest follow in messages of their own, 10 buttons each, under texts.VK_MORE_BUTTONS.

Files the bot made (the message's `files`) are uploaded first (handlers/vk_upload.py) and
go as attachments of the message's last piece; those VK would not take are named in a note.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot import texts
from bot.delivery.pacing import RateLimiter, Timer
from bot.delivery.ports import Failure, Limits, SendError
from bot.message import Attachment, Button, Message
from handlers.common import foreign_attachments_note, split_text
from handlers.vk_upload import VkUploads

log = logging.getLogger(__name__)

PLATFORM = "vk"
MAX_TEXT = 4096
MAX_ROWS = 6
MAX_PER_ROW = 5
MAX_BUTTONS = 10
MAX_LABEL = 40
MAX_ATTACHMENTS = 10
CHAT_PEER_BASE = 2_000_000_000

# A community token may make 20 calls a second, API reads included: 20 in 1.05 s, evenly.
WINDOW = 1.05
LIMITS = Limits(overall_per_s=20 / WINDOW, private_interval=0.05, group_interval=0.05)

# VK error codes. The chat is unreachable: retrying cannot help.
CHAT_GONE_ERRORS = {
    7,    # permission denied
    15,   # access denied
    18,   # user deleted or banned
    900,  # the user blacklisted the community
    901,  # the user has not allowed messages from the community
    902,  # the user's privacy settings
    917,  # no access to the conversation (the community was removed from the chat)
    936,  # contact not found
    945,  # chat disabled
    946,  # chat not supported
}
# This message is refused as it is (bad parameters, keyboard, too long; for an edit: the
# message is gone or too old).
REJECTED_ERRORS = {100, 911, 912, 913, 914}
REJECTED_EDIT_ERRORS = REJECTED_ERRORS | {909, 920}
UNAUTHORIZED_ERRORS = {5, 27, 28}  # the token is wrong or revoked
RETRY_AFTER = {6: 1.0, 9: 30.0, 29: 300.0}  # too many per second, flood control, quota
TOO_MANY_PER_SECOND = 6

# "photo-1_2_key", "doc123_45": the attachment strings messages.send accepts.
_VK_REF = re.compile(r"^(photo|doc|video|audio|audio_message|wall|market|poll|graffiti)"
                     r"-?\d+_\d+(_[A-Za-z0-9]+)?$")


def is_group_peer(peer_id: int | str) -> bool:
    return int(peer_id) >= CHAT_PEER_BASE


def vk_label(text: str) -> str:
    """A button label as VK shows it: at most 40 characters."""
    text = text.strip() or "·"
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


def _merge_rows(rows: list[list[Button]], max_rows: int) -> list[list[Button]]:
    """Merge adjacent rows until there are at most max_rows: each time the pair with the
    fewest buttons, topmost first, leaving the last row (usually «Отменить») alone while
    others can merge. Empty when it cannot be done within MAX_PER_ROW."""
    rows = [list(r) for r in rows]
    while len(rows) > max_rows:
        pairs = [(len(rows[i]) + len(rows[i + 1]), i == len(rows) - 2, i)
                 for i in range(len(rows) - 1)]
        size, _, i = min(pairs, key=lambda p: (p[1], p[0], p[2]) if p[1] else (0, p[0], p[2]))
        if size > MAX_PER_ROW:
            ok = [p for p in pairs if p[0] <= MAX_PER_ROW]
            if not ok:
                return []
            size, _, i = min(ok, key=lambda p: (p[1], p[0], p[2]))
        rows[i:i + 2] = [rows[i] + rows[i + 1]]
    return rows


def fit_keyboard(buttons: list[list[Button]]) -> list[list[list[Button]]]:
    """The core's rows as VK inline keyboards: one per message, each within VK's limits."""
    rows = [row[i:i + MAX_PER_ROW] for row in buttons if row
            for i in range(0, len(row), MAX_PER_ROW)]
    total = sum(len(r) for r in rows)
    if total == 0:
        return []
    if total <= MAX_BUTTONS:
        fitted = rows if len(rows) <= MAX_ROWS else _merge_rows(rows, MAX_ROWS)
        if fitted:
            return [fitted]
    # Too many buttons: pages of 10, 2 to a row.
    flat = [b for r in rows for b in r]
    pages = []
    for start in range(0, len(flat), MAX_BUTTONS):
        page = flat[start:start + MAX_BUTTONS]
        pages.append([page[i:i + 2] for i in range(0, len(page), 2)])
    return pages


def keyboard_json(rows: list[list[Button]]) -> str:
    """An inline keyboard of callback buttons; empty rows give an empty keyboard (removes it)."""
    return json.dumps({
        "inline": True,
        "buttons": [[{"action": {
            "type": "callback",
            "label": vk_label(b.text),
            "payload": json.dumps({"p": b.payload}, ensure_ascii=False),
        }} for b in row] for row in rows],
    }, ensure_ascii=False)


EMPTY_KEYBOARD = json.dumps({"inline": True, "buttons": []})


def random_id_for(key: str, chat_id: str, piece: int) -> int:
    """VK drops a second message with the same random_id to the same peer (for about an
    hour): derived from the message's own key (a random UUID, never reused, also not after
    a backup is restored), a resend after a crash is not shown twice."""
    digest = hashlib.blake2b(f"{key}|{chat_id}|{piece}".encode(), digest_size=4).digest()
    return (int.from_bytes(digest, "big") & 0x7FFFFFFF) or 1


def send_error(exc: BaseException, *, editing: bool = False) -> SendError:
    """A VK API or network failure as the delivery understands it."""
    code = getattr(exc, "code", None)
    if isinstance(code, int):
        message = f"VK error {code}: {exc}"
        if code in CHAT_GONE_ERRORS:
            return SendError(message, Failure.CHAT_GONE)
        if code in (REJECTED_EDIT_ERRORS if editing else REJECTED_ERRORS):
            return SendError(message, Failure.REJECTED)
        if code in UNAUTHORIZED_ERRORS:
            return SendError(message, Failure.UNAUTHORIZED)
        if code in RETRY_AFTER:
            return SendError(message, retry_after=RETRY_AFTER[code])
        return SendError(message)  # 10 (internal server error) and the unknown: later
    return SendError(f"VK unreachable: {exc!r}")


def vk_attachment_refs(attachments: Sequence[Attachment]) -> list[str]:
    return [a.ref for a in attachments if _VK_REF.match(a.ref)][:MAX_ATTACHMENTS]


class VkSender:
    """Sends and edits messages through a vkbottle API (the delivery's Sender for VK); the
    transport's own API reads go through `call` too, so they share the token's pace."""

    platform = PLATFORM
    limits = LIMITS

    def __init__(self, api: Any, timer: Timer | None = None) -> None:
        self.api = api
        self.limiter = RateLimiter(LIMITS.overall_per_s, timer)
        self.uploads = VkUploads(api, self.call)

    def is_group(self, chat_id: str) -> bool:
        return is_group_peer(chat_id)

    async def call(self, method: str, params: dict[str, Any], *, editing: bool = False,
                   paced: bool = True) -> Any:
        """One API call within the token's rate; errors mapped to SendError."""
        if paced:
            await self.limiter.acquire()
        try:
            response = await self.api.request(method, params)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise send_error(exc) from exc
        except Exception as exc:
            if isinstance(getattr(exc, "code", None), int):  # vkbottle's VKAPIError[code]
                error = send_error(exc, editing=editing)
                if getattr(exc, "code", None) == TOO_MANY_PER_SECOND:
                    self.limiter.pause(1.0)  # the whole token went too fast
                raise error from exc
            raise
        return response.get("response") if isinstance(response, dict) else None

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        """Send (split at 4096 characters); returns the conversation_message_id of the
        last piece, the one that carries the buttons. The first call is paced by the
        delivery; the further pieces here."""
        text = message.text
        native = tuple(a for a in message.attachments if a.platform in ("", PLATFORM))
        refs = vk_attachment_refs(native)
        if len(refs) < len(message.attachments):
            foreign = tuple(a for a in message.attachments if a.ref not in refs)
            source = next((a.platform for a in foreign if a.platform not in ("", PLATFORM)), "")
            note = foreign_attachments_note(foreign, source)
            text = f"{text}\n\n{note}" if text else note
        uploaded = await self.uploads.prepare(key, chat_id, message.files)
        if uploaded.missing:
            note = texts.FILES_NOT_ATTACHED.format(
                platform=texts.PLATFORM_NAMES_IN[PLATFORM],
                names=", ".join(f"«{f.name}»" for f in uploaded.missing))
            text = f"{text}\n\n{note}" if text else note
        refs = (refs + uploaded.refs)[:MAX_ATTACHMENTS]
        pieces = split_text(text, MAX_TEXT) if text else [""]
        keyboards = fit_keyboard(message.buttons)
        sends: list[dict[str, Any]] = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            params: dict[str, Any] = {"message": piece}
            if last and refs:
                params["attachment"] = ",".join(refs)
            if last and keyboards:
                params["keyboard"] = keyboard_json(keyboards[0])
            sends.append(params)
        for page in keyboards[1:]:
            sends.append({"message": texts.VK_MORE_BUTTONS, "keyboard": keyboard_json(page)})
        message_id = ""
        for index, params in enumerate(sends):
            if not params["message"] and "attachment" not in params:
                params["message"] = "·"  # VK refuses an empty message
            params.update(peer_ids=str(chat_id), disable_mentions=1,
                          random_id=random_id_for(key, chat_id, index))
            # uploads took the delivery's pace: the first message then waits for its own
            paced = index > 0 or bool(message.files)
            cmid = self._sent_id(await self.call("messages.send", params, paced=paced))
            if index < len(pieces):
                message_id = cmid or message_id
        self.uploads.sent(key)
        return message_id

    @staticmethod
    def _sent_id(response: Any) -> str:
        """messages.send with peer_ids answers [{peer_id, message_id,
        conversation_message_id} or {peer_id, error}]."""
        if isinstance(response, list) and response:
            item = response[0]
            if isinstance(item, dict):
                error = item.get("error")
                if isinstance(error, dict):
                    code = error.get("code", error.get("error_code"))
                    exc = _ItemError(code, str(error.get("description", error.get("error_msg"))))
                    raise send_error(exc)
                cmid = item.get("conversation_message_id")
                if cmid:
                    return str(cmid)
                log.warning("messages.send answered without conversation_message_id: %r", item)
                return ""
        log.warning("unexpected messages.send answer: %r", response)
        return ""

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        keyboards = fit_keyboard(message.buttons)
        text = message.text
        await self.call("messages.edit", {
            "peer_id": str(chat_id),
            "conversation_message_id": str(message_id),
            "message": split_text(text, MAX_TEXT)[0] if text else "·",
            "keyboard": keyboard_json(keyboards[0]) if keyboards else EMPTY_KEYBOARD,
            "disable_mentions": 1,
            "keep_forward_messages": 1,
            "keep_snippets": 1,
        }, editing=True, paced=False)


class _ItemError(Exception):
    def __init__(self, code: object, message: str) -> None:
        super().__init__(message)
        self.code = code if isinstance(code, int) else -1
