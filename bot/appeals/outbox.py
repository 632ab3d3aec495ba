"""Writing to the outbox: the one way the core asks for a message to be delivered."""

from __future__ import annotations

from datetime import datetime

from bot.message import Message, encode
from storage.records import NewOutboxRow, OutboxKind


def outbox_row(platform: str, chat_id: str, message: Message, kind: OutboxKind, *,
               appeal_id: int | None = None, institution_id: str | None = None,
               not_before: datetime | None = None) -> NewOutboxRow:
    return NewOutboxRow(platform, chat_id, encode(message), kind, appeal_id, institution_id,
                        not_before)
