"""The SLA state of an appeal, from the deadline code the reminders use: the deadline it
works to now (bot/appeals/digests.py current_deadline) and the reminder ladder of the
policy (bot/appeals/deadlines.py), so the colours follow the working-time deadlines and
the reminders staff get in chat.

- green: on track; amber: a reminder before the current deadline (the first response, or
  the final answer) is due already; red: that deadline is missed;
- an appeal answered or closed: done (in time) or late (answered, or closed unanswered,
  after its final deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.appeals.deadlines import DeadlineClock
from bot.appeals.digests import current_deadline
from storage.records import Appeal

State = Literal["green", "amber", "red", "done", "late"]


@dataclass(frozen=True, slots=True)
class Sla:
    state: State
    target: str  # first_response | final: the deadline worked to (or met)
    due: datetime


def sla_of(appeal: Appeal, deadlines: DeadlineClock, now: datetime) -> Sla:
    target, due = current_deadline(appeal)
    if not appeal.is_open:
        finished = appeal.answered_at or appeal.closed_at or appeal.updated_at
        return Sla("done" if finished <= appeal.due_at else "late", "final", appeal.due_at)
    if now >= due:
        return Sla("red", target, due)
    stage = deadlines.next_stage(appeal.created_at, appeal.first_response_due, appeal.due_at,
                                 after=-1, first_response_done=appeal.first_response_at is not None,
                                 now=now)
    if stage is not None and stage.at <= now:
        return Sla("amber", target, due)
    return Sla("green", target, due)
