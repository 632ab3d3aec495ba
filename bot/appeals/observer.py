"""What the appeals' lifecycle tells an observer (the metrics, bot/metrics.py), through a
small port: the core stays free of the metrics library. The default observes nothing.

Filings and first responses are reported by AppealService inside the caller's unit of
work (a turn that fails after it and rolls back has been counted all the same: an internal
error, rare); the reminder tick reports its rungs after its unit committed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class ReminderKind(StrEnum):
    """Which deadline a reminder rung is about (the policy's ladder targets)."""

    FIRST_RESPONSE = "first_response"
    FINAL = "final"


class AppealObserver(Protocol):
    def appeal_filed(self, platform: str) -> None:
        """A citizen filed an appeal from `platform`."""
        ...

    def first_response(self, seconds: float) -> None:
        """Staff responded to an appeal for the first time (took or answered it),
        `seconds` after it was filed."""
        ...

    def reminder_sent(self, kind: ReminderKind) -> None:
        """The tick fired a reminder rung of one appeal (before a deadline)."""
        ...

    def escalated(self) -> None:
        """The tick escalated one appeal: a deadline was missed (the operators are told)."""
        ...


class Unobserved:
    """The default observer: nothing is recorded."""

    def appeal_filed(self, platform: str) -> None:
        return None

    def first_response(self, seconds: float) -> None:
        return None

    def reminder_sent(self, kind: ReminderKind) -> None:
        return None

    def escalated(self) -> None:
        return None
