"""When an appeal is due. A first, calendar-time version of the deadline policy.

59-FZ: the final answer within 30 days of registration. Social-network appeals get a
first response target (24 hours by default). Working hours and the production calendar
come with the deadlines issue; this keeps the interface they will implement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Deadlines:
    first_response_due: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    first_response: timedelta = timedelta(hours=24)
    final: timedelta = timedelta(days=30)

    def for_new_appeal(self, registered_at: datetime, category: str, timezone: str) -> Deadlines:
        del category, timezone  # used by the calendar-aware policy
        return Deadlines(registered_at + self.first_response, registered_at + self.final)
