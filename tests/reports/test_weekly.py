"""The weekly report: on Monday at 09:00 (the region's time, Europe/Kirov in the tests) each
operator chat gets the previous week's figures, chart and workbook through the outbox, once
a week whatever runs the job (restarts, several workers); a bot down at 09:00 catches up
later in the week; no operator: nothing sent, nothing broken."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from openpyxl import load_workbook

from bot import texts
from bot.app import App
from bot.appeals.retention import Housekeeping, run_retention
from bot.appeals.staff_power import grant_role
from bot.clock import FixedClock
from bot.message import FileKind, Message, decode
from bot.reports.weekly import Week, WeekFigures, WeeklyContent, WeeklyReport
from bot.scheduler import build_scheduler, weekly_report_job
from storage.db import Database
from storage.records import ChatRef, OutboxItem, OutboxKind
from tests.conftest import KOTELNICH
from tests.fake_telegram import FakeTelegram

# The clock fixture: Monday 23 November 2026, 09:00 in Kirov (UTC+3).
MONDAY_9 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
LAST_WEEK = Week(date(2026, 11, 16), date(2026, 11, 22))
CHART = b"\x89PNG\r\n\x1a\n" + b"chart" * 100
BOOK = b"PK\x03\x04" + b"book" * 100


class Maker:
    """A ReportMaker double: known figures and bytes; records the weeks asked for."""

    def __init__(self) -> None:
        self.weeks: list[tuple[Week, datetime, str]] = []

    async def make(self, week: Week, now: datetime, tz: str, /) -> WeeklyContent:
        self.weeks.append((week, now, tz))
        return WeeklyContent(WeekFigures(received=12, answered=9, overdue=2, in_time=0.75),
                             CHART, BOOK)


async def operator(app: App, platform: str, user_id: str) -> None:
    async with app.db.unit() as repos:
        await grant_role(repos, platform=platform, user_id=user_id, chat_id=user_id,
                         role="operator", institution_id=None, now=app.clock.now())


async def reports(app: App) -> list[tuple[OutboxItem, Message]]:
    async with app.db.unit() as repos:
        rows = await repos.outbox.unsent_of_chat("telegram", "9001") + \
            await repos.outbox.unsent_of_chat("vk", "9002")
    return [(row, decode(row.payload)) for row in rows if decode(row.payload).files]


def job(app: App, maker: Maker, db: Database | None = None) -> WeeklyReport:
    return WeeklyReport(db or app.db, app.clock, app.settings.default_timezone, maker)


@pytest.fixture
async def operators(app: App) -> None:
    await operator(app, "telegram", "9001")
    await operator(app, "vk", "9002")


async def test_monday_at_nine_each_operator_chat_gets_one_picture_and_one_workbook(
        app: App, operators: None) -> None:
    maker = Maker()
    assert await job(app, maker).run() == 2
    assert maker.weeks == [(LAST_WEEK, MONDAY_9, "Europe/Kirov")]
    sent = await reports(app)
    assert sorted((row.platform, row.chat_id) for row, _ in sent) == [("telegram", "9001"),
                                                                    ("vk", "9002")]
    for row, message in sent:
        assert row.kind is OutboxKind.DIGEST
        photo, document = message.files
        assert (photo.kind, photo.content, photo.mime) == (FileKind.PHOTO, CHART, "image/png")
        assert document.kind is FileKind.DOCUMENT and document.content == BOOK
        assert photo.name.endswith(".png") and document.name.endswith(".xlsx")
        assert "2026-11-16" in document.name
        assert message.text == texts.WEEKLY_REPORT.format(
            first=date(2026, 11, 16), last=date(2026, 11, 22), received=12, answered=9,
            overdue=2, in_time="75%")
        assert "16.11.2026 – 22.11.2026" in message.text


async def test_a_second_run_the_same_week_sends_nothing(app: App, clock: FixedClock,
                                                        operators: None) -> None:
    maker = Maker()
    assert await job(app, maker).run() == 2
    assert await job(app, maker).run() == 0  # a restart at once
    clock.advance(timedelta(days=2))  # Wednesday
    assert await job(app, maker).run() == 0
    assert len(await reports(app)) == 2 and len(maker.weeks) == 1  # not even built again


async def test_before_nine_on_monday_it_waits_and_a_missed_monday_is_caught_up_once(
        app: App, clock: FixedClock, operators: None) -> None:
    maker = Maker()
    clock.moment = MONDAY_9 - timedelta(minutes=1)
    assert await job(app, maker).run() == 0 and maker.weeks == []
    clock.moment = MONDAY_9 + timedelta(days=1, hours=5)  # the bot was down: Tuesday 14:00
    assert await job(app, maker).run() == 2
    assert await job(app, maker).run() == 0
    assert [w for w, _, _ in maker.weeks] == [LAST_WEEK]  # last week's, not this one's
    clock.moment = MONDAY_9 + timedelta(days=7)  # the next Monday: the next week's report
    assert await job(app, maker).run() == 2
    assert [w for w, _, _ in maker.weeks][-1] == Week(date(2026, 11, 23), date(2026, 11, 29))


async def test_sunday_night_in_kirov_is_still_the_same_week(app: App, clock: FixedClock,
                                                            operators: None) -> None:
    maker = Maker()
    # Sunday 29 November 23:30 in Kirov is Sunday 20:30 UTC: this week's report is still due
    clock.moment = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)
    assert await job(app, maker).run() == 2
    assert maker.weeks[0][0] == LAST_WEEK
    # Monday 00:30 in Kirov (Sunday 21:30 UTC): a new week, its report not before 09:00
    clock.moment = datetime(2026, 11, 29, 21, 30, tzinfo=UTC)
    assert await job(app, maker).run() == 0


async def test_no_operator_sends_nothing_and_one_who_comes_later_gets_it(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    maker = Maker()
    with caplog.at_level(logging.WARNING):
        assert await job(app, maker).run() == 0
    assert "no operator chats" in caplog.text and maker.weeks == []
    async with app.db.unit() as repos:
        assert await repos.outbox.count_by_status() == {}
    await operator(app, "telegram", "9001")  # signed up on Tuesday
    assert await job(app, maker).run() == 1


async def test_two_workers_at_once_queue_it_once(app: App, operators: None) -> None:
    other = await Database.open(app.settings.database_path)  # a second process's database
    try:
        counts = await asyncio.gather(job(app, Maker()).run(), job(app, Maker(), other).run())
    finally:
        await other.close()
    assert sorted(counts) == [0, 2]
    assert len(await reports(app)) == 2


async def test_sent_reports_and_their_files_go_with_the_retention_of_sent_messages(
        app: App, clock: FixedClock, operators: None) -> None:
    await job(app, Maker()).run()
    sent = await reports(app)
    async with app.db.unit() as repos:
        for row, _ in sent:
            await repos.outbox.mark_sent(row.id, "1", clock.now())
    keep = Housekeeping()
    await run_retention(app.db, app.appeals.deadlines.policy.retention, keep,
                        clock.now() + keep.sent_messages - timedelta(hours=1))
    async with app.db.unit() as repos:
        assert (await repos.outbox.count_by_status()).get("sent") == 2  # kept their term
    await run_retention(app.db, app.appeals.deadlines.policy.retention, keep,
                        clock.now() + keep.sent_messages + timedelta(hours=1))
    async with app.db.unit() as repos:
        assert all([await repos.outbox.get(row.id) is None for row, _ in sent])


def test_the_job_runs_on_mondays_at_nine_kirov_time_and_at_start(app: App) -> None:
    job_ = build_scheduler(app).get_job("weekly_report")
    assert job_ is not None and isinstance(job_.trigger, CronTrigger)
    assert str(job_.trigger.timezone) == "Europe/Kirov"
    # after Sunday 29 November 2026, 12:00 UTC: Monday 30 November, 09:00 in Kirov = 06:00 UTC
    after = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert job_.trigger.get_next_fire_time(None, after) == datetime(2026, 11, 30, 6, 0,
                                                                    tzinfo=UTC)
    assert job_.next_run_time == app.clock.now()  # once at start: the catch-up


async def file_and_answer(app: App, clock: FixedClock) -> None:
    """Last week: three appeals filed, one answered on Thursday; this Monday one more."""
    async with app.db.unit() as repos:
        inst = await repos.institutions.get(KOTELNICH)
        assert inst is not None
        citizen = await repos.people.ensure_user("telegram", "1001", "1001", "", clock.now())
        staff = await repos.people.ensure_user("telegram", "2001", "2001", "", clock.now())
        filed = []
        for day, hour in ((17, 8), (18, 11), (20, 13), (23, 5)):  # UTC; the 23rd: this week
            moment = datetime(2026, 11, day, hour, 0, tzinfo=UTC)
            filed.append(await app.appeals.file(repos, citizen, ChatRef("telegram", "1001"),
                                                inst, "registry", f"Обращение {day}", [],
                                                moment))
        await app.appeals.answer(repos, filed[0], staff, "Ответ", [], ChatRef("telegram", "2001"),
                                 datetime(2026, 11, 19, 9, 0, tzinfo=UTC))


async def test_the_real_report_of_a_week_reaches_telegram_as_photo_and_workbook(
        app: App, clock: FixedClock, tg, fake: FakeTelegram) -> None:
    await operator(app, "telegram", "9001")
    await file_and_answer(app, clock)
    assert await weekly_report_job(app) == 1
    await app.courier.flush()
    photo, document = [m for m in fake.to(9001) if m.file is not None]
    assert photo.method == "sendPhoto" and photo.uploaded().data.startswith(b"\x89PNG\r\n\x1a\n")
    lines = photo.text.splitlines()
    assert lines[0] == "📊 Еженедельный отчёт за 16.11.2026 – 22.11.2026"
    assert "Поступило обращений: 3" in lines and "Дано ответов: 1" in lines
    assert "Отвечено в срок: 100%" in lines
    assert document.method == "sendDocument" and document.uploaded().filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(document.uploaded().data), read_only=True)
    summary = book[book.sheetnames[0]]
    header, first_row = list(summary.iter_rows(min_row=1, max_row=2, values_only=True))
    values = dict(zip(header, first_row, strict=False))
    assert values[texts.DASH_SUMMARY_COLUMNS["filed"]] == 3
    assert values[texts.DASH_SUMMARY_COLUMNS["answers"]] == 1
    assert await weekly_report_job(app) == 0  # sent: not again


async def test_a_failing_report_is_logged_and_breaks_nothing(
        app: App, operators: None, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(app.db, "read", broken)
    assert await weekly_report_job(app) == 0
    assert "weekly report failed" in caplog.text
