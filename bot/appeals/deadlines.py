"""When an appeal is due, and when to remind about it: the policy applied with the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.appeals.calendar import BusinessCalendar, WorkingHours, zone
from bot.appeals.policy import Policy, ReminderStep


@dataclass(frozen=True, slots=True)
class Deadlines:
    first_response_due: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Stage:
    """One rung of the reminder ladder. Stages are numbered first-response rungs first."""

    number: int
    at: datetime
    target: str  # first_response | final
    is_deadline: bool


class DeadlineClock:
    def __init__(self, policy: Policy, calendar: BusinessCalendar) -> None:
        self.policy = policy
        self.calendar = calendar

    def _add(self, start: datetime, amount: timedelta, clock: str, tz: str,
             hours: WorkingHours) -> datetime:
        if clock == "calendar":
            return start + amount
        if amount >= timedelta(days=1) and amount % timedelta(days=1) == timedelta(0):
            # N working days: the same time of day, N working days later.
            local = start.astimezone(zone(tz))
            day, left = local.date(), amount.days
            while left:
                day += timedelta(days=1)
                if self.calendar.is_working_day(day):
                    left -= 1
            return datetime.combine(day, local.timetz())
        return self.calendar.add_working_time(start, amount, tz, hours)

    def for_new_appeal(self, registered_at: datetime, category: str, timezone: str,
                       institution_id: str = "") -> Deadlines:
        rules = self.policy.rules(category)
        hours = self.policy.hours_of(institution_id)
        first = self._add(registered_at, rules.first_response, rules.first_response_clock,
                          timezone, hours)
        final = self._add(registered_at, rules.final, rules.final_clock, timezone, hours)
        if rules.roll_final_to_working_day:
            final = self.calendar.roll_to_working_day(final, timezone, hours)
        return Deadlines(min(first, final), final)

    def extended(self, due_at: datetime, timezone: str, institution_id: str = "") -> datetime:
        """The final deadline after the one extension the law allows."""
        moved = due_at + self.policy.extension_max
        return self.calendar.roll_to_working_day(moved, timezone,
                                                 self.policy.hours_of(institution_id))

    def redirect_deadline(self, registered_at: datetime) -> datetime:
        return registered_at + self.policy.redirect_within

    # the reminder ladder

    def stages(self, created_at: datetime, first_response_due: datetime,
               due_at: datetime) -> list[Stage]:
        first = self.policy.first_response_steps
        final = self.policy.final_steps
        out = [Stage(i, _step_time(s, created_at, first_response_due), "first_response",
                     s.fraction is None and s.offset == timedelta(0))
               for i, s in enumerate(first)]
        out += [Stage(len(first) + i, _step_time(s, created_at, due_at), "final",
                      s.fraction is None and s.offset == timedelta(0))
                for i, s in enumerate(final)]
        return out

    def next_stage(self, created_at: datetime, first_response_due: datetime, due_at: datetime,
                   *, after: int, first_response_done: bool, now: datetime) -> Stage | None:
        """The rung to fire next: after `after`, skipping rungs that no longer apply.

        After downtime several rungs may be due at once; only the latest of them fires
        (one reminder, not a flood), and a deadline among them always does.
        """
        candidates = [
            s for s in self.stages(created_at, first_response_due, due_at)
            if s.number > after and not (first_response_done and s.target == "first_response")
        ]
        if not candidates:
            return None
        passed = [s for s in candidates if s.at <= now]
        if passed:
            deadlines = [s for s in passed if s.is_deadline]
            return deadlines[0] if deadlines else passed[-1]
        return min(candidates, key=lambda s: (s.at, s.number))


def _step_time(step: ReminderStep, start: datetime, deadline: datetime) -> datetime:
    if step.fraction is not None:
        return start + (deadline - start) * step.fraction
    assert step.offset is not None
    return max(start, deadline + step.offset)
