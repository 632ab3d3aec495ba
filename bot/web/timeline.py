"""What the appeal page shows of an appeal's history: its thread (the citizen's text, the
additions, the answers), its audit trail (filed, taken by whom, redirected, extended,
escalated, closed, rated, ...), what the delivery sent for it (cards, reminders,
escalations, notices) and the internal notes, in one list by time; and its attachments,
which live in the messengers (the page notes where)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.formatting import format_time
from bot.message import Attachment, decode
from storage.records import AppealEvent, ThreadMessage
from storage.web_repo import Delivery, Note

PLATFORMS: dict[str, str] = texts.PLATFORM_NAMES


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    when: str
    kind: str  # citizen | staff | event | delivery | note: the look of the line
    title: str
    body: str = ""


def _platform(name: str) -> str:
    return PLATFORMS.get(name, name)


def _event_title(event: AppealEvent, who: str, names: dict[str, str], tz: str) -> str:
    detail = event.detail
    template = texts.WEB_EVENTS.get(event.kind)
    if template is None:
        return texts.WEB_EVENT_OTHER.format(kind=event.kind)
    due = detail.get("due_at")
    values = {
        "who": who,
        "from_institution": names.get(str(detail.get("from_institution", "")), "?"),
        "to_institution": names.get(str(detail.get("to_institution", "")), "?"),
        "due": format_time(datetime.fromisoformat(due), tz) if isinstance(due, str) else "?",
        "reason": texts.CLOSE_REASONS.get(str(detail.get("reason", "")), detail.get("reason", "")),
        "stars": detail.get("stars", "?"),
    }
    return template.format(**values)


def _message_text(payload: str) -> str:
    try:
        return decode(payload).text
    except (ValueError, KeyError, TypeError):
        return ""


def build(thread: list[ThreadMessage], events: list[AppealEvent], deliveries: list[Delivery],
          notes: list[Note], people: dict[int, str], names: dict[str, str],
          tz: str) -> list[Entry]:
    def person(user_id: int | None) -> str:
        return texts.WEB_SYSTEM if user_id is None else people.get(user_id, texts.WEB_SOMEONE)

    entries: list[Entry] = []
    for message in thread:
        if message.kind == "citizen":
            entries.append(Entry(message.created_at, format_time(message.created_at, tz),
                                 "citizen", texts.WEB_THREAD_CITIZEN, message.text))
        elif message.kind == "staff":
            entries.append(Entry(message.created_at, format_time(message.created_at, tz),
                                 "staff", texts.WEB_THREAD_STAFF, message.text))
    for event in events:
        if event.kind in ("note", "follow_up", "repeated"):  # shown as the note / the text
            continue
        entries.append(Entry(event.created_at, format_time(event.created_at, tz), "event",
                             _event_title(event, person(event.actor_id), names, tz)))
    for sent in deliveries:
        template = texts.WEB_DELIVERIES.get(sent.kind)
        if template is None:
            continue
        title = template.format(chat=sent.chat_id, platform=_platform(sent.platform))
        status = texts.WEB_DELIVERY_STATUS.get(sent.status, sent.status)
        body = _message_text(sent.payload) if sent.kind == "citizen" else ""
        entries.append(Entry(sent.created_at, format_time(sent.created_at, tz), "delivery",
                             f"{title} — {status}", body))
    for note in notes:
        entries.append(Entry(note.created_at, format_time(note.created_at, tz), "note",
                             texts.WEB_NOTE.format(who=person(note.author_id)), note.text))
    order = {"citizen": 0, "event": 1, "staff": 2, "delivery": 3, "note": 4}
    return sorted(entries, key=lambda e: (e.at, order[e.kind]))


def people_named(events: list[AppealEvent], notes: list[Note]) -> list[int]:
    return sorted({e.actor_id for e in events if e.actor_id is not None}
                  | {n.author_id for n in notes})


def institutions_named(events: list[AppealEvent]) -> list[str]:
    return sorted({str(e.detail[key]) for e in events
                   for key in ("from_institution", "to_institution") if key in e.detail})


def attachments(deliveries: list[Delivery]) -> list[Attachment]:
    """The citizen's files, as the cards and additions passed them on (each once)."""
    seen: dict[tuple[str, str], Attachment] = {}
    for sent in deliveries:
        if sent.kind not in ("card", "follow_up"):
            continue
        try:
            found = decode(sent.payload).attachments
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            continue
        for attachment in found:
            seen.setdefault((attachment.platform, attachment.ref), attachment)
    return list(seen.values())


def attachment_line(attachment: Attachment) -> str:
    return texts.WEB_ATTACHMENT_IN_MESSENGER.format(
        kind=texts.WEB_ATTACHMENT_KINDS.get(attachment.kind, texts.WEB_ATTACHMENT_KINDS["other"]),
        platform=_platform(attachment.platform))
