"""The weekly report: every Monday at 09:00 (the region's time zone) each ministry operator's
chat gets the previous week's (Monday..Sunday) figures as a short text, the chart as a
picture and the dashboard's tables as an XLSX document, through the outbox like every other
message (so the delivery's retries apply).

Each chat gets a week's report once (digest_log: kind "weekly_report", target the chat, day
the Monday), also when several workers run the job or the bot restarts; a bot that was down
at 09:00 catches up on start, any time until the week ends. No operator chat: logged,
nothing sent (and nothing marked: an operator who signs up later in the week still gets it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot import texts
from bot.appeals.calendar import zone
from bot.appeals.outbox import outbox_row
from bot.clock import Clock
from bot.message import FileKind, Message, OutFile
from bot.reports.charts import weekly_png
from bot.reports.dashboard import Dashboard, build_dashboard
from bot.reports.xlsx import xlsx_bytes
from storage.records import ChatRef, OutboxKind, Role
from storage.store import Store

log = logging.getLogger(__name__)

KIND = "weekly_report"  # digest_log's kind
SEND_AT = time(9, 0)  # Monday, the region's local time
PNG = "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Week:
    first: date  # a Monday
    last: date  # the Sunday after it

    @classmethod
    def before(cls, monday: date) -> Week:
        return cls(monday - timedelta(days=7), monday - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class WeekFigures:
    received: int  # appeals filed in the week
    answered: int  # appeals answered in the week
    overdue: int  # open past their deadline, or answered late
    in_time: float | None  # the share answered within the deadline; None: nothing was due


@dataclass(frozen=True, slots=True)
class WeeklyContent:
    figures: WeekFigures
    chart_png: bytes
    workbook_xlsx: bytes


class ReportMaker(Protocol):
    """Makes a week's figures, chart and workbook (DashboardReport, below)."""

    async def make(self, week: Week, now: datetime, tz: str, /) -> WeeklyContent: ...


def figures_of(dashboard: Dashboard) -> WeekFigures:
    """The text's figures: appeals filed in the week, answers given in it and the share of
    them within the deadline, and the appeals open past their deadline now."""
    return WeekFigures(received=dashboard.filed, answered=dashboard.answer.count,
                       overdue=dashboard.overdue_count, in_time=dashboard.on_time_share)


class DashboardReport:
    """The service's ReportMaker: the week's dashboard of every institution (as the web
    console's, bot/reports/dashboard.py) read through the reader, its per-day chart
    (charts.py) and its tables as a workbook (xlsx.py), drawn off the event loop."""

    def __init__(self, db: Store) -> None:
        self.db = db

    async def make(self, week: Week, now: datetime, tz: str, /) -> WeeklyContent:
        async with self.db.read() as reader:
            dashboard = await build_dashboard(reader, scope=None, first=week.first,
                                              last=week.last, now=now, tz=zone(tz))
        chart = await asyncio.to_thread(weekly_png, dashboard)
        workbook = await asyncio.to_thread(xlsx_bytes, dashboard.tables())
        return WeeklyContent(figures_of(dashboard), chart, workbook)


def due_monday(now: datetime, tz: str) -> date | None:
    """The Monday of the week whose report is due at `now`: this week's, from Monday 09:00
    on (until Sunday ends); None before that on Monday."""
    local = now.astimezone(zone(tz))
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, SEND_AT, zone(tz)):
        return None
    return monday


def target(chat: ChatRef) -> str:
    return f"{chat.platform}:{chat.chat_id}"


def share_text(share: float | None) -> str:
    return texts.WEEKLY_NO_SHARE if share is None else texts.WEEKLY_SHARE.format(share=share)


def report_message(week: Week, content: WeeklyContent) -> Message:
    figures = content.figures
    text = texts.WEEKLY_REPORT.format(
        first=week.first, last=week.last, received=figures.received,
        answered=figures.answered, overdue=figures.overdue, in_time=share_text(figures.in_time))
    stem = f"medfront-{week.first:%Y-%m-%d}--{week.last:%Y-%m-%d}"
    return Message(text, files=(OutFile(FileKind.PHOTO, f"{stem}.png", content.chart_png, PNG),
                                OutFile(FileKind.DOCUMENT, f"{stem}.xlsx",
                                        content.workbook_xlsx, XLSX)))


class WeeklyReport:
    """The job (bot/scheduler.py runs it on Mondays at 09:00 and once at start)."""

    def __init__(self, db: Store, clock: Clock, timezone: str, maker: ReportMaker) -> None:
        self.db = db
        self.clock = clock
        self.timezone = timezone
        self.maker = maker

    async def run(self) -> int:
        """Queue the due report for every operator chat that has not had it; returns how
        many chats it was queued for."""
        now = self.clock.now()
        monday = due_monday(now, self.timezone)
        if monday is None:
            return 0
        async with self.db.read() as reader:  # the reads off the writer's lock
            operators = await reader.people.staff_chats(Role.OPERATOR)
            waiting = [chat for chat in operators
                       if not await reader.duty.was_sent(KIND, target(chat), monday)]
        if not operators:
            log.warning("weekly report of %s: no operator chats to send it to", monday)
            return 0
        if not waiting:
            return 0
        week = Week.before(monday)
        message = report_message(week, await self.maker.make(week, now, self.timezone))
        async with self.db.unit() as repos:
            rows = [outbox_row(chat.platform, chat.chat_id, message, OutboxKind.DIGEST)
                    for chat in waiting
                    if await repos.duty.digest_sent(KIND, target(chat), monday, now)]
            await repos.outbox.add_many(rows, now)
        log.info("weekly report of %s..%s queued for %d operator chats", week.first,
                 week.last, len(rows))
        return len(rows)
