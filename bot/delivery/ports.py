"""The one port a platform implements to deliver messages, and how its failures read.

A transport's sender maps every platform error once, at its edge, into a `SendError` of
one `Failure` class; the delivery path decides what to do with each class.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.delivery.pacing import RateLimiter
from bot.message import Message


class Failure(StrEnum):
    TRANSIENT = "transient"  # network, 5xx, timeouts: try again with backoff
    RETRY_AFTER = "retry_after"  # the platform said when: wait that long
    UNAUTHORIZED = "unauthorized"  # the token is revoked or wrong: pause the platform
    CHAT_GONE = "chat_gone"  # blocked, kicked, chat deleted: this chat is unreachable
    MIGRATED = "migrated"  # the chat has a new id (`moved_to`): send there
    REJECTED = "rejected"  # the platform refuses this message itself: retrying cannot help

    @property
    def permanent(self) -> bool:
        return self in (Failure.CHAT_GONE, Failure.MIGRATED, Failure.REJECTED)


class SendError(Exception):
    """A failed platform call, mapped at the transport's edge."""

    def __init__(self, message: str, failure: Failure = Failure.TRANSIENT, *,
                 retry_after: float | None = None, moved_to: str = "") -> None:
        super().__init__(message)
        if retry_after is not None and failure is Failure.TRANSIENT:
            failure = Failure.RETRY_AFTER
        self.failure = failure
        self.retry_after = retry_after
        self.moved_to = moved_to

    @property
    def permanent(self) -> bool:
        return self.failure.permanent


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's sending limits, as intervals between two sends."""

    overall_per_s: float  # all calls of one token
    private_interval: float  # seconds between two messages to one private chat
    group_interval: float  # seconds between two messages to one group chat


class Sender(Protocol):
    """One platform's way to deliver: implemented by each transport."""

    platform: str
    limits: Limits
    # Paces every call of the token (sends, edits and the transport's own API reads).
    limiter: RateLimiter

    def is_group(self, chat_id: str) -> bool: ...

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        """Deliver; return the platform message id of the part carrying the buttons.
        `key` is unique to this message for ever (idempotency where the platform has it)."""
        ...

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Show `message` in place of an earlier one (text and buttons)."""
        ...


class DeliveryObserver(Protocol):
    """What the delivery tells an observer (the metrics, bot/metrics.py): every failed
    attempt, by its class (RETRY_AFTER: the platform said "too many requests": a 429, VK's
    error 6/9/29)."""

    def send_failed(self, platform: str, failure: Failure) -> None: ...


class Unobserved:
    """The default delivery observer: nothing is recorded."""

    def send_failed(self, platform: str, failure: Failure) -> None:
        return None
