"""Digests: each working morning to every institution (new, due today, overdue; by its
region's calendar and hours), and to the operators the open appeals of institutions no
inbox receives (each operator those of their regions: bot/appeals/regions.py); on the
last working day before days off, the handoff to the duty staff. Each goes out once a day
(digest_log), also if the bot was down at the usual time and catches up later."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot import texts
from bot.appeals.calendar import zone
from bot.appeals.duty import on_duty_during
from bot.appeals.outbox import outbox_row
from bot.appeals.regions import of_region
from bot.appeals.service import AppealService
from bot.clock import Clock
from bot.formatting import format_time
from bot.message import Message
from storage.records import Appeal, ChatRef, OutboxKind, Role
from storage.store import Store

MAX_LINES = 10


def current_deadline(appeal: Appeal) -> tuple[str, datetime]:
    """The deadline the institution is working against now."""
    if appeal.first_response_at is None and appeal.first_response_due < appeal.due_at:
        return "first_response", appeal.first_response_due
    return "final", appeal.due_at


class DigestService:
    def __init__(self, db: Store, clock: Clock, appeals: AppealService) -> None:
        self.db = db
        self.clock = clock
        self.appeals = appeals
        self.policy = appeals.deadlines.policy
        self.calendar = appeals.deadlines.calendar

    async def run(self) -> int:
        return await self.morning() + await self.unreceived() + await self.handoff()

    async def unreceived(self) -> int:
        """Each working morning, to the operators: open appeals of institutions that no
        working inbox chat receives (their cards went to the operators, or to no one)."""
        now = self.clock.now()
        tz = self.appeals.default_timezone
        local = now.astimezone(zone(tz))
        if (not self.calendar.is_working_day(local.date())
                or not self.policy.morning_digest <= local.time()
                < self.policy.working_hours.end):
            return 0
        async with self.db.read() as reader:  # the reads off the writer's lock
            if await reader.duty.was_sent("unreceived", "", local.date()):
                return 0
            operators = await reader.people.staff_regions(Role.OPERATOR)
            if not operators:
                return 0
            sizes = await reader.appeals.queue_sizes()  # the whole queue, counted
            received = await reader.people.inbox_chats_of(sorted(sizes))
            unheard = sorted(inst for inst in sizes if inst not in received)
            if not sum(sizes[inst] for inst in unheard):
                return 0
            found = await reader.institutions.get_many(unheard)
            theirs: dict[ChatRef, list[str]] = {}  # each operator: the institutions of theirs
            for inst_id in unheard:
                inst = found.get(inst_id)
                for chat in of_region(operators, inst.region_key if inst else ""):
                    theirs.setdefault(chat, []).append(inst_id)
            messages: dict[tuple[str, ...], Message] = {}  # one per set of institutions
            for ids in {tuple(ids) for ids in theirs.values()}:
                orphans = await reader.appeals.open_queue(list(ids), limit=MAX_LINES)
                lines = [self._line(a, found[a.institution_id].display_name
                                    if a.institution_id in found else a.institution_id, tz)
                         for a in orphans]
                count = sum(sizes[inst] for inst in ids)
                messages[ids] = Message("\n".join([texts.DIGEST_NO_INBOX.format(count=count),
                                                   "", *lines]))
        rows = [outbox_row(c.platform, c.chat_id, messages[tuple(ids)], OutboxKind.DIGEST)
                for c, ids in theirs.items() if sum(sizes[inst] for inst in ids)]
        async with self.db.unit() as repos:
            if not await repos.duty.digest_sent("unreceived", "", local.date(), now):
                return 0
            await repos.outbox.add_many(rows, now)
        return len(rows)

    def _line(self, appeal: Appeal, name: str, tz: str) -> str:
        target, deadline = current_deadline(appeal)
        return texts.DIGEST_LINE.format(number=appeal.number, institution=name,
                                        what=texts.DEADLINE_NAMES[target],
                                        deadline=format_time(deadline, tz))

    async def morning(self) -> int:
        now = self.clock.now()
        due: list[tuple[str, date, list[ChatRef], Message]] = []
        async with self.db.read() as reader:  # the reads off the writer's lock
            for inst_id in await reader.people.institutions_with_inbox():
                inst = await reader.institutions.get(inst_id)
                if inst is None:
                    continue
                tz = self.appeals.timezone_of(inst)
                local = now.astimezone(zone(tz))
                clock = self.appeals.clock_of(inst)  # its region's calendar and hours
                hours = clock.policy.hours_of(inst.id)
                if (not clock.calendar.is_working_day(local.date())
                        or not clock.policy.morning_digest <= local.time() < hours.end):
                    continue
                if await reader.duty.was_sent("morning", inst.id, local.date()):
                    continue  # already sent today
                day_end = datetime.combine(local.date() + timedelta(days=1), time(),
                                           tzinfo=zone(tz))
                queued, new, due_today, overdue = await reader.appeals.queue_counts(
                    inst.id, now, day_end)
                if not queued:  # nothing to tell today: marked sent, nothing goes
                    due.append((inst.id, local.date(), [], Message("")))
                    continue
                text = texts.DIGEST_MORNING.format(institution=inst.display_name, new=new,
                                                   due_today=due_today, overdue=overdue)
                first = await reader.appeals.open_of_institution(inst.id, MAX_LINES)
                lines = [self._line(a, inst.display_name, tz) for a in first]
                due.append((inst.id, local.date(), await reader.people.inbox_chats(inst.id),
                            Message("\n".join([text, "", *lines]))))
        sent = 0
        async with self.db.unit() as repos:
            for inst_id, day, chats, message in due:
                if not await repos.duty.digest_sent("morning", inst_id, day, now):
                    continue  # sent meanwhile
                await repos.outbox.add_many([outbox_row(c.platform, c.chat_id, message,
                                                        OutboxKind.DIGEST) for c in chats], now)
                sent += len(chats)
        return sent

    async def handoff(self) -> int:
        now = self.clock.now()
        tz = self.appeals.default_timezone
        local = now.astimezone(zone(tz))
        day = local.date()
        if (not self.calendar.is_last_working_day_before_break(day)
                or local.time() < self.policy.handoff_digest):
            return 0
        first, last = self.calendar.break_after(day)
        async with self.db.read() as reader:  # the reads off the writer's lock
            if await reader.duty.was_sent("handoff", "", day):
                return 0
            people = await on_duty_during(reader, first, last)
            back_at = self.calendar.next_working_start(
                datetime.combine(last, self.policy.working_hours.end, zone(tz)), tz,
                self.policy.working_hours)
            # the whole queue counted; only the lines shown are read
            queued, _, due_meanwhile, overdue = await reader.appeals.queue_counts(
                None, now, back_at)
            falling_due = await reader.appeals.falling_due(back_at, MAX_LINES)
            names: dict[str, str] = {}
            lines = []
            for appeal in falling_due:
                if appeal.institution_id not in names:
                    inst = await reader.institutions.get(appeal.institution_id)
                    names[appeal.institution_id] = inst.display_name if inst else appeal.institution_id
                lines.append(self._line(appeal, names[appeal.institution_id], tz))
        text = texts.DIGEST_HANDOFF.format(first=f"{first:%d.%m}", last=f"{last:%d.%m}",
                                           open=queued, due=due_meanwhile + overdue)
        message = Message("\n".join([text, "", *lines]))
        chats = [u for u in people if u.chat_id]
        async with self.db.unit() as repos:
            if not await repos.duty.digest_sent("handoff", "", day, now):
                return 0
            await repos.outbox.add_many([outbox_row(u.platform, u.chat_id, message,
                                                    OutboxKind.DIGEST) for u in chats], now)
        return len(chats)
