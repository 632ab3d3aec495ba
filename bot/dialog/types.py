"""Neutral message types: every transport translates to and from these."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo | document | other
    ref: str  # the platform's reference (Telegram file_id, VK "photo-1_2"), opaque to the core
    source_chat_id: str = ""  # where it was sent, for copyMessage-style forwarding
    source_message_id: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    payload: str  # <= 64 bytes: Telegram's callback_data limit

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > 64:
            raise ValueError(f"button payload over 64 bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: str  # telegram | vk | console
    chat_id: str
    user_id: str
    text: str = ""
    payload: str | None = None  # set when a button was pressed
    reply_to_message_id: str | None = None  # the message this one replies to, if any
    attachments: tuple[Attachment, ...] = ()
    user_name: str = ""
    is_group: bool = False  # a group chat (a staff group), not a private chat
    message_id: str | None = None
    # The platform's id of this update (Telegram update_id, VK event_id): a redelivered
    # update with the same id is ignored, so a crash never makes it act twice.
    update_id: str | None = None


@dataclass(slots=True)
class Reply:
    """A message the core wants shown in the chat it is answering."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachments: tuple[Attachment, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. {"appeal_card": 12}


def button_rows(buttons: list[Button], per_row: int = 1) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def replies_to_json(replies: list[Reply]) -> str:
    return json.dumps([{"text": r.text, "buttons": [[asdict(b) for b in row] for row in r.buttons],
                        "attachments": [asdict(a) for a in r.attachments], "meta": r.meta}
                       for r in replies], ensure_ascii=False)


def replies_from_json(data: str) -> list[Reply]:
    return [Reply(r["text"], [[Button(**b) for b in row] for row in r["buttons"]],
                  tuple(Attachment(**a) for a in r["attachments"]), r["meta"])
            for r in json.loads(data)]
