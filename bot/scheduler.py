"""Periodic jobs on APScheduler 3 (AsyncIOScheduler): the reminder tick, digests, retention,
picking up `import-directory` runs made while the bot is running, and the weekly report
(Mondays at 09:00 in the region's time zone, and once at start to catch up).

The jobs keep no state of their own: everything they need is in the database, so a
restart (or a missed run) only delays them; coalescing runs one catch-up, not a burst.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.appeals.calendar import zone
from bot.appeals.reminders import TICK_BATCH
from bot.appeals.retention import Housekeeping, RetentionRun, run_retention
from bot.heap import settle
from bot.reports.weekly import SEND_AT, DashboardReport, WeeklyReport

log = logging.getLogger(__name__)

REMINDER_EVERY = timedelta(seconds=30)
DIGEST_EVERY = timedelta(minutes=5)
RETENTION_EVERY = timedelta(hours=6)
DIRECTORY_EVERY = timedelta(seconds=30)


async def reminder_job(app: App) -> None:
    # A tick handles one batch; after downtime, batch after batch until caught up, the
    # citizens' turns getting the writer in between.
    while True:
        if await app.reminders.tick() < TICK_BATCH:
            break
        await asyncio.sleep(0)
    app.courier.wake()


async def digest_job(app: App) -> None:
    await app.digests.run()
    app.courier.wake()


async def retention_job(app: App) -> RetentionRun:
    """In short batches (bot/appeals/retention.py): citizens never wait behind it."""
    run = await run_retention(app.db, app.appeals.deadlines.policy.retention,
                              Housekeeping.of(app.settings), app.clock.now())
    if run.total:
        log.info("retention: %s in %d batches", run.changed, run.batches)
    return run


async def directory_job(app: App) -> None:
    """The directory is rebuilt (off the event loop) only if the institutions changed; the
    new index is then frozen out of the collector's walks (bot/heap.py)."""
    try:
        if await app.directory.refresh(app.db):
            settle()
    except Exception:
        log.exception("directory refresh failed")


async def weekly_report_job(app: App) -> int:
    """The week's report to the operators, once (bot/reports/weekly.py); a failure is
    logged, and the next start or Monday tries again."""
    report = WeeklyReport(app.db, app.clock, app.appeals.default_timezone,
                          DashboardReport(app.db))
    try:
        queued = await report.run()
    except Exception:
        log.exception("weekly report failed")
        return 0
    if queued:
        app.courier.wake()
    return queued


def weekly_trigger(tz: str) -> CronTrigger:
    return CronTrigger(day_of_week="mon", hour=SEND_AT.hour, minute=SEND_AT.minute,
                       timezone=zone(tz))


def build_scheduler(app: App, *, led: bool = True, worker: bool = True) -> AsyncIOScheduler:
    """`led`: the jobs of the worker holding the lease (bot/leadership.py: reminders,
    digests, retention, the weekly report); `worker`: what every worker runs for itself
    (its in-memory directory index)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    now = app.clock.now()
    options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    if worker:
        scheduler.add_job(directory_job, IntervalTrigger(seconds=DIRECTORY_EVERY.total_seconds()),
                          args=[app], id="directory", **options)
    if not led:
        return scheduler
    scheduler.add_job(reminder_job, IntervalTrigger(seconds=REMINDER_EVERY.total_seconds()),
                      args=[app], id="reminders", next_run_time=now, **options)
    scheduler.add_job(digest_job, IntervalTrigger(seconds=DIGEST_EVERY.total_seconds()),
                      args=[app], id="digests", next_run_time=now, **options)
    scheduler.add_job(retention_job, IntervalTrigger(seconds=RETENTION_EVERY.total_seconds()),
                      args=[app], id="retention", **options)
    # at start too: a bot down on Monday at 09:00 sends the week's report when it is back
    scheduler.add_job(weekly_report_job, weekly_trigger(app.appeals.default_timezone),
                      args=[app], id="weekly_report", next_run_time=now, **options)
    return scheduler
