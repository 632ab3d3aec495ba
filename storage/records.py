"""Rows as typed records. Times are timezone-aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple, overload


@overload
def to_db(moment: datetime) -> str: ...
@overload
def to_db(moment: datetime | None) -> str | None: ...
def to_db(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@overload
def from_db(value: str) -> datetime: ...
@overload
def from_db(value: str | None) -> datetime | None: ...
def from_db(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# Closed vocabularies. A StrEnum member equals its string: rows, payloads and the
# transports keep their plain values.


class Platform(StrEnum):
    TELEGRAM = "telegram"
    VK = "vk"
    MAX = "max"
    CONSOLE = "console"


class Role(StrEnum):
    """A staff role (the staff table); membership of a staff group is not one."""

    ADMIN = "admin"  # an institution's: its inbox chat
    DUTY = "duty"  # on the roster for non-working time
    OPERATOR = "operator"  # the ministry's: escalations, every institution


class AppealStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


OPEN_STATUSES = (AppealStatus.NEW, AppealStatus.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    platform: str
    platform_user_id: str
    chat_id: str
    display_name: str = ""
    region: str = ""  # a citizen's: the region of the institution they last filed with


@dataclass(frozen=True, slots=True)
class StaffRole:
    role: Role
    institution_id: str | None  # None: region-wide
    region: str = ""  # the region key it is bound to (directory/regions.py); '': every one


@dataclass(frozen=True, slots=True)
class ChatRef:
    platform: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: Role
    institution_id: str | None
    expires_at: datetime
    used_at: datetime | None
    region: str = ""  # the region key the role is bound to ('': none)


@dataclass(frozen=True, slots=True)
class Appeal:
    id: int
    number: str
    citizen_id: int
    platform: str
    chat_id: str
    institution_id: str
    category: str
    text: str
    status: AppealStatus
    assignee_id: int | None
    rating: int | None
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    due_at: datetime
    first_response_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    next_reminder_at: datetime | None = None
    reminder_stage: int = 0
    overdue_at: datetime | None = None
    escalated_at: datetime | None = None
    extended_at: datetime | None = None
    # The last message to the citizen could not be delivered (blocked the bot, ...).
    undelivered_at: datetime | None = None
    undelivered_reason: str | None = None
    # Messages to the citizen with «Вопрос не решён» (answers, closings) and reopens made:
    # each such message reopens the appeal once.
    answers_given: int = 0
    reopens: int = 0
    abuse: str = ""  # 59-FZ art. 11 marks of the text: "obscene,threat"
    anonymised_at: datetime | None = None
    # Routing (issue 18): the institution the bot suggested from the text, the citizen's
    # own choice before it, and what they did with the suggestion (None: none shown).
    suggested_institution_id: str | None = None
    first_choice_id: str | None = None
    suggestion: SuggestionOutcome | None = None
    repeats: int = 0  # near-identical appeals of the citizen linked to this one

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class DueReminder(NamedTuple):
    """The few columns the reminder tick needs: a tuple, cheap to build a thousand of."""

    id: int
    number: str
    platform: str
    chat_id: str
    institution_id: str
    created_at: datetime
    first_response_due: datetime
    due_at: datetime
    first_response_done: bool
    escalated: bool
    reminder_stage: int


@dataclass(frozen=True, slots=True)
class AppealEvent:
    id: int
    appeal_id: int
    actor_id: int | None
    kind: str
    detail: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    id: int
    appeal_id: int
    kind: str  # citizen | staff | card | notice
    platform: str
    chat_id: str
    message_id: str | None
    text: str
    created_at: datetime


class SuggestionOutcome(StrEnum):
    """What a citizen did with the institution the bot suggested from their text."""

    ACCEPTED = "accepted"
    KEPT = "kept"  # kept their own choice


@dataclass(frozen=True, slots=True)
class Routing:
    """What the appeal form learnt about where an appeal should go (stored with it)."""

    suggested: str = ""  # the institution the bot suggested from the text, or ""
    first_choice: str = ""  # the citizen's own choice when a suggestion was shown
    outcome: SuggestionOutcome | None = None


class OutboxKind(StrEnum):
    REPLY = "reply"  # an answer in the chat that wrote
    CARD = "card"  # an appeal card for an institution's inbox (or the operators)
    CARD_EDIT = "card_edit"  # new text and buttons for every copy of an appeal's card
    CITIZEN = "citizen"  # a notice or the answer to the citizen who filed the appeal
    FOLLOW_UP = "follow_up"  # a citizen's addition to an appeal, for its inbox
    REMINDER = "reminder"
    ESCALATION = "escalation"
    DIGEST = "digest"
    ALERT = "alert"  # to operators: an inbox is unreachable, a platform paused, ...
    MESSAGE = "message"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by the running delivery (in its per-chat queue or in flight)
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    key: str  # unique for ever: the platforms' idempotency key
    platform: str
    chat_id: str
    payload: str  # the encoded Message (bot.message)
    appeal_id: int | None
    institution_id: str | None
    kind: OutboxKind
    status: OutboxStatus
    attempts: int
    not_before: datetime
    created_at: datetime
    message_id: str | None = None
    error: str | None = None
    failure: str | None = None


class NewOutboxRow(NamedTuple):
    platform: str
    chat_id: str
    payload: str
    kind: OutboxKind
    appeal_id: int | None = None
    institution_id: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class InboxChat:
    institution_id: str
    platform: str
    chat_id: str
    is_group: bool
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class DialogState:
    state: str = "idle"  # a bot.dialog.states.Step
    data: dict[str, Any] = field(default_factory=dict)
