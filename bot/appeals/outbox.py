"""Writing to the outbox: the one way the core asks for a message to be delivered."""

from __future__ import annotations

from datetime import datetime

from bot.message import Attachment, Button, Message, encode
from storage.records import Appeal, DueReminder, NewOutboxRow, OutboxKind


def outbox_row(platform: str, chat_id: str, message: Message, kind: OutboxKind, *,
               appeal_id: int | None = None, institution_id: str | None = None,
               not_before: datetime | None = None) -> NewOutboxRow:
    return NewOutboxRow(platform, chat_id, encode(message), kind, appeal_id, institution_id,
                        not_before)


def citizen_row(appeal: Appeal | DueReminder, text: str,
                buttons: list[list[Button]] | None = None,
                attachments: tuple[Attachment, ...] = (), *,
                not_before: datetime | None = None) -> NewOutboxRow:
    """A notice (or the answer) about an appeal, to the chat and platform its citizen wrote
    from."""
    return outbox_row(appeal.platform, appeal.chat_id,
                      Message(text, buttons or [], attachments, appeal_id=appeal.id),
                      OutboxKind.CITIZEN, appeal_id=appeal.id, not_before=not_before)
