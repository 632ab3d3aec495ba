"""build_app(): the one place that wires everything together."""

from __future__ import annotations

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
from bot.directory_holder import DirectoryHolder
from directory.importer import ImportReport, parse_csv
from faq import ReloadingFaq
from storage.db import Database
from storage.institutions_repo import ImportCounts

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


async def import_directory(db: Database, csv_path: Path, clock: Clock) -> tuple[ImportReport,
                                                                                ImportCounts]:
    """Validate a CSV and make the institutions table match its good rows, in one transaction."""
    report = parse_csv(csv_path)
    async with db.unit() as repos:
        counts = await repos.institutions.replace_all(report.institutions, clock.now())
    return report, counts


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
        async with db.unit() as repos:
            empty = await repos.institutions.count() == 0
        if empty:
            report, counts = await import_directory(db, settings.directory_csv, clock)
            log.info("demo directory loaded: %s institutions, %s bad rows",
                     counts.added, len(report.errors))
        await bootstrap_operators(db, settings, clock)
        directory = DirectoryHolder()
        await directory.refresh(db)
        ensure_faq_file(settings.faq_path)
        faq = ReloadingFaq(settings.faq_path)
    except BaseException:
        await db.close()
        raise
    appeals = AppealService(deadlines, settings.default_timezone)
    outcomes = DeliveryOutcomes(appeals)
    courier = Courier(db, clock, outcomes, poll_interval=settings.outbox_poll_interval,
                      policy=RetryPolicy(keep_trying=timedelta(
                          hours=settings.delivery_keep_trying_hours)))
    dialog = Dialog(db, directory, faq, appeals, clock, outcomes, notify=courier.wake,
                    confirm_answers_in_private=settings.confirm_answers_in_private)
    return App(settings, db, clock, directory, faq, appeals, dialog, deadlines,
               ReminderService(db, clock, appeals), DigestService(db, clock, appeals), courier)
