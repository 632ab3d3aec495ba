"""The reminder tick: fires due rungs of each appeal's ladder, escalates missed deadlines.

State lives in the appeals table (next_reminder_at, reminder_stage): the tick reads the
appeals that are due (a partial index, so its cost follows the number due, not the
number open), writes their reminders to the outbox and moves them to their next rung in
one transaction. After downtime it catches up; a rung fires once, also across restarts.

Who is told: the institution's inbox in its working time; the duty staff on duty in
non-working time; the ministry operators when a deadline is missed: those of the
institution's region, and the duty staff of its region, where several regions share the
deployment (bot/appeals/regions.py), each region's deadlines by its own policy and
calendar (bot/appeals/region_rules.py). Nothing reaches a person during their night
(quiet hours): the outbox holds it until the morning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bot import texts
from bot.appeals.calendar import zone
from bot.appeals.cards import open_card_button
from bot.appeals.deadlines import DeadlineClock, Stage
from bot.appeals.duty import on_duty
from bot.appeals.observer import ReminderKind
from bot.appeals.outbox import citizen_row, outbox_row
from bot.appeals.regions import operator_chats
from bot.appeals.service import AppealService
from bot.clock import Clock
from bot.formatting import format_left, format_time
from bot.message import Message
from bot.payloads import Menu, MenuItem
from directory.model import Institution
from storage.records import DueReminder, NewOutboxRow, OutboxKind
from storage.repositories import Repositories
from storage.store import Store

# Appeals per tick: one unit of work holds the writer for a batch, not for every reminder
# due after a night of downtime (321 at once held it 80 ms at 1M stored appeals).
TICK_BATCH = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recipient:
    platform: str
    chat_id: str
    timezone: str  # for quiet hours


def quiet_end(moment: datetime, tz: str, start: time, end: time) -> datetime:
    """`moment` if it is not night in `tz`, else the end of that night."""
    tzinfo = zone(tz)
    local = moment.astimezone(tzinfo)
    now = local.time()
    crosses_midnight = start > end
    in_quiet = (now >= start or now < end) if crosses_midnight else (start <= now < end)
    if not in_quiet:
        return moment
    day = local.date()
    if crosses_midnight and now >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo)


class _Recipients:
    """Who receives what during one tick; looked up once per tick, not once per appeal."""

    def __init__(self, repos: Repositories, service: ReminderService, now: datetime) -> None:
        self.repos = repos
        self.service = service
        self.now = now
        self._institutions: dict[str, Institution | None] = {}
        self._inboxes: dict[str, list[Recipient]] = {}
        self._operators: dict[str, list[Recipient]] = {}  # by region key
        self._duty: dict[str, list[Recipient]] = {}
        self._staff: dict[str, tuple[list[Recipient], datetime]] = {}

    async def preload(self, institution_ids: set[str]) -> None:
        """Two queries for the whole tick instead of two per institution."""
        ids = sorted(institution_ids)
        found = await self.repos.institutions.get_many(ids)
        chats = await self.repos.people.inbox_chats_of(ids)
        for inst_id in ids:
            inst = found.get(inst_id)
            self._institutions[inst_id] = inst
            if inst is not None:
                tz = self.service.appeals.timezone_of(inst)
                self._inboxes[inst_id] = [Recipient(c.platform, c.chat_id, tz)
                                          for c in chats.get(inst_id, [])]

    async def institution(self, institution_id: str) -> Institution | None:
        if institution_id not in self._institutions:
            self._institutions[institution_id] = await self.repos.institutions.get(institution_id)
        return self._institutions[institution_id]

    async def operators(self, region: str) -> list[Recipient]:
        """The operators of the region (a key) and of none (operator_chats)."""
        if region not in self._operators:
            tz = self.service.default_tz
            self._operators[region] = [Recipient(c.platform, c.chat_id, tz)
                                       for c in await operator_chats(self.repos, region)]
        return self._operators[region]

    async def duty(self, region: str) -> list[Recipient]:
        """The duty staff on duty today (the deployment's time) for the region; everyone
        with the duty role if the roster is empty for today (bot/appeals/duty.py)."""
        if region not in self._duty:
            tz = self.service.default_tz
            today = self.now.astimezone(zone(tz)).date()
            people = await on_duty(self.repos, today, region)
            self._duty[region] = [Recipient(u.platform, u.chat_id, tz)
                                  for u in people if u.chat_id]
        return self._duty[region]

    async def inbox(self, inst: Institution, tz: str) -> list[Recipient]:
        if inst.id not in self._inboxes:
            chats = await self.repos.people.inbox_chats(inst.id)
            self._inboxes[inst.id] = [Recipient(c.platform, c.chat_id, tz) for c in chats]
        return self._inboxes[inst.id] or await self.operators(inst.region_key)

    async def staff(self, inst: Institution, tz: str) -> tuple[list[Recipient], datetime]:
        """(who, not before): the institution in its working time, else the duty staff;
        with nobody on duty, the institution at the start of its next working period."""
        if inst.id not in self._staff:
            self._staff[inst.id] = await self._staff_now(inst, tz)
        return self._staff[inst.id]

    async def _staff_now(self, inst: Institution, tz: str) -> tuple[list[Recipient], datetime]:
        clock = self.service.appeals.clock_of(inst)  # the region's calendar and hours
        calendar = clock.calendar
        hours = clock.policy.hours_of(inst.id)
        if calendar.is_working_time(self.now, tz, hours):
            return await self.inbox(inst, tz), self.now
        duty = await self.duty(inst.region_key)
        if duty:
            return duty, self.now
        return await self.inbox(inst, tz), calendar.next_working_start(self.now, tz, hours)


class ReminderService:
    def __init__(self, db: Store, clock: Clock, appeals: AppealService) -> None:
        self.db = db
        self.clock = clock
        self.appeals = appeals
        self.deadlines = appeals.deadlines
        self.policy = appeals.deadlines.policy
        self.calendar = appeals.deadlines.calendar
        self.default_tz = appeals.default_timezone

    def _not_before(self, moment: datetime, tz: str, clock: DeadlineClock) -> datetime:
        """The end of the night in `tz` by the quiet hours of the appeal's region."""
        policy = clock.policy
        if policy.night_messages:
            return moment
        return quiet_end(moment, tz, policy.quiet_start, policy.quiet_end)

    async def tick(self, limit: int = TICK_BATCH) -> int:
        """Fire the rungs due now of at most `limit` appeals, in one unit of work; returns
        how many appeals were handled (bot/scheduler.py repeats it while a batch is full)."""
        now = self.clock.now()
        async with self.db.unit() as repos:
            due = await repos.appeals.reminders_due(now, limit)
            if not due:
                return 0
            who = _Recipients(repos, self, now)
            await who.preload({a.institution_id for a in due})
            outbox: list[NewOutboxRow] = []
            states: list[tuple[Any, ...]] = []
            events: list[tuple[int, str, dict[str, Any]]] = []
            fired: list[Stage] = []  # told to the observer once the unit committed
            for appeal in due:
                inst = await who.institution(appeal.institution_id)
                clock = self.appeals.clock_of(inst)  # its region's ladder
                # The rung to fire: the stored one, or the latest one passed since (downtime).
                fire, nxt = clock.plan(
                    appeal.created_at, appeal.first_response_due, appeal.due_at,
                    after=appeal.reminder_stage - 1,
                    first_response_done=appeal.first_response_done, now=now)
                overdue = escalated = None
                if fire is not None and fire.at > now:
                    nxt = fire  # moved later (e.g. an extension): just wait for it
                elif fire is not None:
                    if inst is not None:
                        kind = await self._fire(appeal, fire, inst, clock, who, now, outbox)
                        fired.append(fire)
                        if fire.is_deadline:  # the audit trail keeps escalations; the
                            # reminders themselves are in the outbox (kind 'reminder')
                            events.append((appeal.id, kind, {"stage": fire.number}))
                            escalated = now
                            overdue = now if fire.target == "final" else None
                states.append((nxt.at if nxt else None,
                               nxt.number if nxt else appeal.reminder_stage,
                               overdue, escalated, appeal.id))
            await repos.outbox.add_many(outbox, now)
            await repos.appeals.set_reminder_states(states, now)
            await repos.appeals.add_events(events, now)
        for stage in fired:
            if stage.is_deadline:
                self.appeals.observer.escalated()
            else:
                self.appeals.observer.reminder_sent(ReminderKind(stage.target))
        return len(due)

    async def _fire(self, appeal: DueReminder, stage: Stage, inst: Institution,
                    clock: DeadlineClock, who: _Recipients, now: datetime,
                    outbox: list[NewOutboxRow]) -> str:
        tz = self.appeals.timezone_of(inst)
        deadline = appeal.first_response_due if stage.target == "first_response" else appeal.due_at
        what = texts.DEADLINE_NAMES[stage.target]
        open_card = [[open_card_button(appeal.id, appeal.number, inst.display_name)]]
        staff, not_before = await who.staff(inst, tz)
        if stage.is_deadline:
            text = texts.OVERDUE_STAFF.format(number=appeal.number, institution=inst.display_name,
                                              what=what, deadline=format_time(deadline, tz))
            for r in await who.operators(inst.region_key):
                outbox.append(outbox_row(r.platform, r.chat_id, Message(texts.ESCALATION.format(
                    number=appeal.number, institution=inst.display_name, what=what,
                    deadline=format_time(deadline, tz)), open_card), OutboxKind.ESCALATION,
                    appeal_id=appeal.id, not_before=self._not_before(now, r.timezone, clock)))
            if not appeal.escalated:
                outbox.append(citizen_row(
                    appeal, texts.CITIZEN_ESCALATED.format(number=appeal.number),
                    [[Menu(MenuItem.MY).button(texts.BTN_MY)]],
                    not_before=self._not_before(now, tz, clock)))
            kind = "overdue" if stage.target == "final" else "first_response_missed"
        else:
            text = texts.REMINDER.format(number=appeal.number, institution=inst.display_name,
                                         what=what, deadline=format_time(deadline, tz),
                                         left=format_left(deadline - now))
            kind = "reminder"
        operators = {(r.platform, r.chat_id) for r in await who.operators(inst.region_key)}
        for r in staff:
            if stage.is_deadline and (r.platform, r.chat_id) in operators:
                continue  # operators already got the escalation
            outbox.append(outbox_row(
                r.platform, r.chat_id, Message(text, open_card), OutboxKind.REMINDER,
                appeal_id=appeal.id,
                not_before=max(not_before, self._not_before(not_before, r.timezone, clock))))
        return kind
