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
        # (number, target, step, is_deadline) of every rung: fixed by the policy.
        self._rungs = [
            (n, target, step, step.fraction is None and step.offset == timedelta(0))
            for n, (target, step) in enumerate(
                [("first_response", s) for s in policy.first_response_steps]
                + [("final", s) for s in policy.final_steps])
        ]

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

    def next_stage(self, created_at: datetime, first_response_due: datetime, due_at: datetime,
                   *, after: int, first_response_done: bool, now: datetime) -> Stage | None:
        """The rung to fire next: after `after`, skipping rungs that no longer apply.

        After downtime several rungs may be due at once; only the latest of them fires
        (one reminder, not a flood), and a deadline among them always does.
        """
        return self.plan(created_at, first_response_due, due_at, after=after,
                         first_response_done=first_response_done, now=now)[0]

    def plan(self, created_at: datetime, first_response_due: datetime, due_at: datetime,
             *, after: int, first_response_done: bool, now: datetime,
             ) -> tuple[Stage | None, Stage | None]:
        """(the rung to fire now or next, the rung after it): one pass for the tick."""
        candidates = [
            Stage(n, _step_time(step, created_at,
                                first_response_due if target == "first_response" else due_at),
                  target, is_deadline)
            for n, target, step, is_deadline in self._rungs
            if n > after and not (first_response_done and target == "first_response")
        ]
        if not candidates:
            return None, None
        passed = [s for s in candidates if s.at <= now]
        if not passed:
            return min(candidates, key=_order), None
        fire = next((s for s in passed if s.is_deadline), passed[-1])
        later = [s for s in candidates if s.number > fire.number]
        if not later:
            return fire, None
        # A second rung already passed waits for the next tick, which comes at once.
        return fire, next((s for s in later if s.at <= now), None) or min(later, key=_order)


def _order(stage: Stage) -> tuple[datetime, int]:
    return stage.at, stage.number


def _step_time(step: ReminderStep, start: datetime, deadline: datetime) -> datetime:
    if step.fraction is not None:
        return start + (deadline - start) * step.fraction
    assert step.offset is not None
    return max(start, deadline + step.offset)
