"""build_app(): the one place that wires everything together."""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.appeals.calendar import BusinessCalendar
from bot.appeals.deadlines import DeadlineClock
from bot.appeals.digests import DigestService
from bot.appeals.policy import Policy
from bot.appeals.reminders import ReminderService
from bot.appeals.service import AppealService
from bot.appeals.staffing import grant_role
from bot.appeals.undeliverable import DeliveryOutcomes
from bot.clock import Clock, SystemClock
from bot.config import PROJECT_ROOT, Settings
from bot.delivery.courier import Courier
from bot.delivery.ports import Sender
from bot.delivery.retry import RetryPolicy
from bot.dialog.dialog import Dialog
from bot.dialog.flood import AbuseLimits
from bot.directory_holder import DirectoryHolder
from bot.directory_import import bootstrap_directory
from faq import FaqLimits, ReloadingFaq
from storage.db import Database

log = logging.getLogger(__name__)

SEED_FAQ = PROJECT_ROOT / "faq" / "data" / "faq.yaml"


@dataclass
class App:
    settings: Settings
    db: Database
    clock: Clock
    directory: DirectoryHolder
    faq: ReloadingFaq
    appeals: AppealService
    dialog: Dialog
    deadlines: DeadlineClock
    reminders: ReminderService
    digests: DigestService
    courier: Courier

    @property
    def senders(self) -> dict[str, Sender]:
        """The delivery's sender per platform (a transport adds its own at start)."""
        return self.courier.senders

    async def close(self) -> None:
        await self.db.close()


def ensure_faq_file(path: Path) -> None:
    """First start: the region's editable FAQ file begins as a copy of the seed."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SEED_FAQ, path)


def faq_limits(settings: Settings) -> FaqLimits:
    return FaqLimits(max_entries=settings.faq_max_entries,
                     max_answer_chars=settings.faq_max_answer_chars)


async def bootstrap_operators(db: Database, settings: Settings, clock: Clock) -> None:
    """Ministry operators named in the settings get the role (private chat id = user id)."""
    now = clock.now()
    async with db.unit() as repos:
        for platform, ids in (("telegram", settings.operators_telegram),
                              ("vk", settings.operators_vk)):
            for user_id in ids:
                await grant_role(repos, platform=platform, user_id=user_id, chat_id=user_id,
                                 role="operator", institution_id=None, now=now)


async def build_app(settings: Settings, clock: Clock | None = None) -> App:
    clock = clock or SystemClock()
    # Policy and calendar first: a wrong file stops the start before anything is touched.
    deadlines = DeadlineClock(Policy.load(settings.policy_path),
                              BusinessCalendar.from_file(settings.calendar_path))
    db = await Database.open(settings.database_path)
    try:
        loaded = await bootstrap_directory(db, settings, clock)
        if loaded is not None:
            log.info("directory loaded on first start: %s institutions, %s errors",
                     loaded.counts.added if loaded.counts else 0, len(loaded.plan.report.errors))
        await bootstrap_operators(db, settings, clock)
        directory = DirectoryHolder()
        await directory.refresh(db)
        ensure_faq_file(settings.faq_path)
        # Parsing and indexing the FAQ takes a while for a big file: off the event loop.
        faq = await asyncio.to_thread(ReloadingFaq, settings.faq_path,
                                      limits=faq_limits(settings))
    except BaseException:
        await db.close()
        raise
    appeals = AppealService(deadlines, settings.default_timezone)
    outcomes = DeliveryOutcomes(appeals)
    courier = Courier(db, clock, outcomes, poll_interval=settings.outbox_poll_interval,
                      policy=RetryPolicy(keep_trying=timedelta(
                          hours=settings.delivery_keep_trying_hours)))
    dialog = Dialog(db, directory, faq, appeals, clock, outcomes, notify=courier.wake,
                    confirm_answers_in_private=settings.confirm_answers_in_private,
                    limits=AbuseLimits(settings.flood_messages_per_minute,
                                       settings.appeals_per_day))
    return App(settings, db, clock, directory, faq, appeals, dialog, deadlines,
               ReminderService(db, clock, appeals), DigestService(db, clock, appeals), courier)
