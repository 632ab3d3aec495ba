"""Deadlines, reminders, weekend duty and escalation, with a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.app import build_app
from bot.appeals.calendar import BusinessCalendar, CalendarError, WorkingHours
from bot.appeals.deadlines import DeadlineClock
from bot.appeals.policy import Policy, PolicyError
from bot.appeals.reminders import quiet_end
from directory.model import Institution
from tests.chat import Chat
from tests.conftest import KOTELNICH
from tests.texts_helpers import fields, filled

KIROV = ZoneInfo("Europe/Kirov")
YEKAT = ZoneInfo("Asia/Yekaterinburg")
MSK = ZoneInfo("Europe/Moscow")


def kirov(*args: int) -> datetime:
    return datetime(*args, tzinfo=KIROV).astimezone(UTC)


def of(template: str, messages: list) -> list:
    """The messages that are `template`, filled in."""
    return [m for m in messages if filled(template, m.text)]


# calendar and policy


def test_production_calendar_knows_2026_new_year_and_transfers() -> None:
    cal = BusinessCalendar()
    assert not cal.is_working_day(date(2026, 1, 1))
    assert not cal.is_working_day(date(2026, 1, 9))  # Friday, a day off moved from 3 January
    assert cal.is_working_day(date(2026, 1, 12))
    assert not cal.is_working_day(date(2026, 12, 31))  # moved from 4 January 2026
    assert cal.is_working_day(date(2025, 11, 1))  # a working Saturday (transfer)
    assert cal.is_last_working_day_before_break(date(2026, 12, 30))
    assert cal.break_after(date(2026, 12, 30)) == (date(2026, 12, 31), date(2027, 1, 10))


def test_working_hours_target_skips_the_new_year_holidays() -> None:
    cal = BusinessCalendar()
    hours = WorkingHours()
    start = datetime(2025, 12, 30, 17, 0, tzinfo=KIROV)  # one working hour left that day
    due = cal.add_working_time(start, timedelta(hours=8), "Europe/Kirov", hours)
    assert due == datetime(2026, 1, 12, 16, 0, tzinfo=KIROV)


def test_override_file_adds_days_off_and_working_days(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("days_off: [2026-06-15]\nworking_days: [2026-06-13]\n", encoding="utf-8")
    cal = BusinessCalendar.from_file(path)
    assert not cal.is_working_day(date(2026, 6, 15)) and cal.is_working_day(date(2026, 6, 13))
    path.write_text("days_off: [2026-13-01]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="неверное значение"):
        BusinessCalendar.from_file(path)


def test_policy_file_overrides_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "defaults:\n  first_response: 8h\n  first_response_clock: working\n"
        "institutions:\n  kir-crb-kotelnich:\n    working_hours: '08:00-17:00'\n",
        encoding="utf-8")
    policy = Policy.load(path)
    assert policy.defaults.first_response == timedelta(hours=8)
    assert policy.defaults.final == timedelta(days=30)  # untouched default
    assert policy.hours_of(KOTELNICH) == WorkingHours.parse("08:00-17:00")
    clock = DeadlineClock(policy, BusinessCalendar())
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=KIROV)
    due = clock.for_new_appeal(friday, "quality", "Europe/Kirov", KOTELNICH)
    assert due.first_response_due == datetime(2026, 11, 30, 15, 0, tzinfo=KIROV)  # 1h Fri + 7h Mon
    for bad, message in [("defaults:\n  final: soon\n", "defaults.final"),
                         ("defaults:\n  final_clock: lunar\n", "final_clock"),
                         ("extension:\n  max: 45d\n", "extension.max"),
                         ("reminderz: []\n", "reminderz"),
                         ("reminders:\n  final: ['+2h']\n", "reminders.final"),
                         ("working_hours: '18:00-09:00'\n", "working_hours"),
                         # issue 12, item 15: bounds
                         ("defaults:\n  final: 99999999d\n", "defaults.final"),
                         ("defaults:\n  final: 400d\n", "больше 365"),
                         ("defaults:\n  first_response: 40d\n", "длиннее final")]:
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(PolicyError, match=message.replace(".", r"\.")) as info:
            Policy.load(path)
        assert "\n" not in str(info.value)


def test_final_deadline_on_a_day_off_moves_to_next_working_day() -> None:
    clock = DeadlineClock(Policy.load(), BusinessCalendar())
    # 30 days after 1 December 2026 is 31 December, a day off; next working day 11 January
    due = clock.for_new_appeal(datetime(2026, 12, 1, 10, 0, tzinfo=KIROV), "quality",
                               "Europe/Kirov")
    assert due.due_at == datetime(2027, 1, 11, 18, 0, tzinfo=KIROV)


def test_quiet_hours() -> None:
    from datetime import time

    night = datetime(2026, 11, 28, 5, 55, tzinfo=KIROV)
    assert quiet_end(night, "Europe/Kirov", time(21), time(9)) == datetime(
        2026, 11, 28, 9, 0, tzinfo=KIROV)
    late = datetime(2026, 11, 28, 22, 0, tzinfo=KIROV)
    assert quiet_end(late, "Europe/Kirov", time(21), time(9)) == datetime(
        2026, 11, 29, 9, 0, tzinfo=KIROV)
    day = datetime(2026, 11, 28, 12, 0, tzinfo=KIROV)
    assert quiet_end(day, "Europe/Kirov", time(21), time(9)) == day


# the bot


async def _tick(app) -> None:
    await app.reminders.tick()
    await app.courier.flush()


async def _people(app, sender):
    admin = Chat(app, sender, "telegram", user_id="2001", name="Админ")
    await admin.accept_invite("admin", KOTELNICH)
    duty = Chat(app, sender, "vk", user_id="3001", name="Дежурная")
    await duty.accept_invite("duty", None)
    operator = Chat(app, sender, "telegram", user_id="9001", name="Оператор")
    await operator.accept_invite("operator", None)
    return admin, duty, operator


async def test_friday_evening_appeal_weekend_duty_and_monday_digest(app, sender, clock) -> None:
    clock.moment = kirov(2026, 11, 26, 12, 0)
    admin, duty, operator = await _people(app, sender)
    async with app.db.unit() as repos:
        duty_user = await repos.people.find_user("vk", "3001")
    await operator.say("/duty set 2026-11-28 2026-11-29 " + str(duty_user.id))
    assert texts.DUTY_SAVED.format(count=2) in operator.texts()

    clock.moment = kirov(2026, 11, 27, 17, 55)  # Friday, five minutes before the weekend
    citizen = Chat(app, sender, "telegram", user_id="1001")
    appeal_id = await citizen.file_appeal()
    assert fields(texts.APPEAL_FILED, citizen.texts())["first_due"].startswith("28.11.2026 17:55")
    number = f"2026-{appeal_id:06d}"
    await _tick(app)
    admin_seen = len(sender.to(admin.chat_id))

    # Friday 17:00 handoff digest already passed before filing; Saturday 05:55: half-time,
    # but night: the duty person gets it at 09:00, not at 05:55
    clock.moment = kirov(2026, 11, 28, 5, 55)
    await _tick(app)
    assert not of(texts.REMINDER, sender.to(duty.chat_id))
    clock.moment = kirov(2026, 11, 28, 9, 0)
    await _tick(app)
    reminders = of(texts.REMINDER, sender.to(duty.chat_id))
    assert len(reminders) == 1
    reminded = fields(texts.REMINDER, reminders[0].text)
    assert reminded["number"] == number
    assert reminded["what"] == texts.DEADLINE_NAMES["first_response"]
    assert reminded["deadline"].startswith("28.11.2026 17:55")

    clock.moment = kirov(2026, 11, 28, 15, 55)  # two hours before
    await _tick(app)
    assert len(of(texts.REMINDER, sender.to(duty.chat_id))) == 2

    clock.moment = kirov(2026, 11, 28, 17, 55)  # missed: escalation
    await _tick(app)
    assert of(texts.ESCALATION, sender.to(operator.chat_id))
    assert of(texts.OVERDUE_STAFF, sender.to(duty.chat_id))
    assert texts.CITIZEN_ESCALATED.format(number=number) in [
        m.text for m in sender.to(citizen.chat_id)]
    assert len(sender.to(admin.chat_id)) == admin_seen  # the admin was left alone all weekend

    # Monday 09:00: the institution gets its morning digest, once
    clock.moment = kirov(2026, 11, 30, 9, 5)
    await app.digests.run()
    await app.digests.run()
    await app.courier.flush()
    digests = of(texts.DIGEST_MORNING, sender.to(admin.chat_id))
    assert len(digests) == 1
    digest = fields(texts.DIGEST_MORNING, digests[0].text)
    assert (digest["new"], digest["overdue"]) == ("1", "1")
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
        kinds = [e.kind for e in await repos.appeals.events(appeal_id)]
    assert appeal.escalated_at is not None and appeal.overdue_at is None  # first response only
    assert "first_response_missed" in kinds  # reminders themselves live in the outbox


async def test_handoff_digest_on_the_last_working_day(app, sender, clock) -> None:
    clock.moment = kirov(2026, 12, 30, 10, 0)  # Wednesday before 31 Dec - 10 Jan
    admin, duty, operator = await _people(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    await citizen.file_appeal()
    clock.moment = kirov(2026, 12, 30, 16, 59)
    assert await app.digests.handoff() == 0
    clock.moment = kirov(2026, 12, 30, 17, 1)
    assert await app.digests.handoff() == 1
    assert await app.digests.handoff() == 0  # once
    await app.courier.flush()
    [digest] = of(texts.DIGEST_HANDOFF, sender.to(duty.chat_id))
    handoff = fields(texts.DIGEST_HANDOFF, digest.text)
    assert (handoff["first"], handoff["last"], handoff["due"]) == ("31.12", "10.01", "1")


async def test_institution_in_utc5_and_operator_in_utc3(app, sender, clock) -> None:
    async with app.db.unit() as repos:
        institutions = await repos.institutions.list()
        await repos.institutions.replace_all(institutions + [Institution(
            "yugra-okb", "Окружная клиническая больница", short_name="ОКБ Югры",
            city="Ханты-Мансийск", timezone="Asia/Yekaterinburg")], clock.now())
    await app.directory.refresh(app.db)
    admin = Chat(app, sender, "telegram", user_id="2002")
    await admin.accept_invite("admin", "yugra-okb")
    operator = Chat(app, sender, "telegram", user_id="9001")
    await operator.accept_invite("operator", None)

    clock.moment = datetime(2026, 11, 23, 10, 0, tzinfo=YEKAT).astimezone(UTC)  # Monday
    citizen = Chat(app, sender, "vk", user_id="1002")
    await citizen.file_appeal("окружная клиническая больница ханты-мансийск")
    assert fields(texts.APPEAL_FILED, citizen.texts())["first_due"] == "24.11.2026 10:00 (UTC+5)"

    clock.moment = datetime(2026, 11, 24, 10, 0, tzinfo=YEKAT).astimezone(UTC)  # 08:00 MSK
    await _tick(app)
    assert of(texts.OVERDUE_STAFF, sender.to(admin.chat_id))  # working time there
    assert not of(texts.ESCALATION, sender.to(operator.chat_id))  # night in Moscow
    clock.moment = datetime(2026, 11, 24, 9, 0, tzinfo=MSK).astimezone(UTC)
    await app.courier.flush()
    assert of(texts.ESCALATION, sender.to(operator.chat_id))


async def test_restart_in_a_reminder_window_sends_nothing_twice(settings, clock, sender) -> None:
    app = await build_app(settings, clock)
    app.senders.update({"telegram": sender.for_platform("telegram")})
    admin = Chat(app, sender, "telegram", user_id="2001")
    await admin.accept_invite("admin", KOTELNICH)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    await citizen.file_appeal()
    clock.advance(timedelta(hours=12, minutes=1))  # half-time rung: Monday 21:01, evening
    await _tick(app)
    await app.close()

    again = await build_app(settings, clock)  # the bot restarts inside the same window
    again.senders.update({"telegram": sender.for_platform("telegram")})
    await _tick(again)
    await _tick(again)
    assert not of(texts.REMINDER, sender.to(admin.chat_id))  # night
    clock.moment = kirov(2026, 11, 24, 9, 0)  # held for the institution's next working hour
    await _tick(again)
    reminders = of(texts.REMINDER, sender.to(admin.chat_id))
    assert len(reminders) == 1
    await again.close()


async def test_catch_up_after_downtime_fires_only_the_deadline(app, sender, clock) -> None:
    admin, duty, operator = await _people(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    await citizen.file_appeal()
    clock.advance(timedelta(hours=30))  # the bot was down through all first-response rungs
    clock.moment = max(clock.moment, kirov(2026, 11, 24, 12, 0))
    await _tick(app)
    await _tick(app)
    assert not of(texts.REMINDER, sender.messages)
    assert len(of(texts.ESCALATION, sender.to(operator.chat_id))) == 1
    assert len(of(texts.CITIZEN_ESCALATED, sender.to(citizen.chat_id))) == 1


async def test_taking_the_appeal_stops_first_response_reminders(app, sender, clock) -> None:
    admin, duty, operator = await _people(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    appeal_id = await citizen.file_appeal()
    await admin.send(payload=f"st:take:{appeal_id}")
    clock.advance(timedelta(hours=25))
    await _tick(app)
    assert not of(texts.ESCALATION, sender.messages)
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
    assert appeal.next_reminder_at == appeal.due_at - timedelta(days=3)


async def test_final_deadline_marks_overdue_and_tells_citizen_once(app, sender, clock) -> None:
    admin, duty, operator = await _people(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    appeal_id = await citizen.file_appeal()
    await admin.send(payload=f"st:take:{appeal_id}")
    async with app.db.unit() as repos:
        due = (await repos.appeals.get(appeal_id)).due_at
    for moment in (due - timedelta(days=3), due - timedelta(days=1), due):
        clock.moment = moment
        await _tick(app)
    clock.moment = due + timedelta(hours=12)
    await app.courier.flush()
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
    assert appeal.overdue_at == due and appeal.next_reminder_at is None
    assert len(of(texts.CITIZEN_ESCALATED, sender.to(citizen.chat_id))) == 1
    await admin.say("/queue")
    assert texts.OVERDUE_MARK in admin.texts()


async def test_extension_moves_the_deadline_once_and_notifies_citizen(app, sender, clock) -> None:
    admin, duty, operator = await _people(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    appeal_id = await citizen.file_appeal()
    await admin.send(payload=f"st:take:{appeal_id}")
    async with app.db.unit() as repos:
        before = (await repos.appeals.get(appeal_id)).due_at
    await admin.send(payload=f"st:ext:{appeal_id}")
    number = f"2026-{appeal_id:06d}"
    assert filled(texts.STAFF_EXTENDED, admin.texts())
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
        events = await repos.appeals.events(appeal_id)
    assert appeal.due_at == app.deadlines.extended(before, "Europe/Kirov")
    assert appeal.due_at - before >= timedelta(days=30)
    assert events[-1].kind == "extended"
    extended = fields(texts.CITIZEN_EXTENDED, sender.last_to(citizen.chat_id).text)
    assert extended["number"] == number
    assert appeal.next_reminder_at == appeal.due_at - timedelta(days=3)
    await admin.send(payload=f"st:ext:{appeal_id}")
    assert texts.ALREADY_EXTENDED.format(number=number) in admin.texts()


async def test_redirect_keeps_the_clock_and_warns_when_late(app, sender, clock) -> None:
    admin, duty, operator = await _people(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    appeal_id = await citizen.file_appeal()
    async with app.db.unit() as repos:
        before = await repos.appeals.get(appeal_id)
    clock.advance(timedelta(days=8))
    await admin.send(payload=f"st:redir:{appeal_id}")
    await admin.say("слободская црб")
    await admin.press("Слобод")
    assert texts.STAFF_REDIRECT_LATE.format(days=texts.DAYS_GENITIVE.format(count=7)) in (
        admin.texts())
    async with app.db.unit() as repos:
        after = await repos.appeals.get(appeal_id)
        events = await repos.appeals.events(appeal_id)
    assert (after.due_at, after.first_response_due) == (before.due_at, before.first_response_due)
    assert events[-1].detail.get("late") is True
    told = fields(texts.CITIZEN_REDIRECTED, sender.last_to(citizen.chat_id).text)
    assert told["institution"] == "Слободская ЦРБ"


async def test_duty_commands(app, sender, clock) -> None:
    admin, duty, operator = await _people(app, sender)
    second = Chat(app, sender, "telegram", user_id="3002", name="Второй дежурный")
    await second.accept_invite("duty", None)
    async with app.db.unit() as repos:
        ids = [(await repos.people.find_user(p, u)).id for p, u in (("vk", "3001"),
                                                                     ("telegram", "3002"))]
    await operator.say("/duty staff")
    assert texts.DUTY_STAFF_TITLE in operator.texts()
    assert "Дежурная" in operator.texts() and "Второй дежурный" in operator.texts()
    await operator.say(f"/duty rotate 2026-11-23 2026-11-26 {ids[0]},{ids[1]}")
    assert texts.DUTY_SAVED.format(count=4) in operator.texts()
    await duty.say("/duty")
    assert texts.DUTY_NOW.format(people="Дежурная") in duty.texts()
    assert texts.DUTY_NEXT.format(day="24.11.2026", people="Второй дежурный") in duty.texts()
    await operator.say("/duty set 2026-11-30 2026-11-29 5")
    assert texts.DUTY_BAD_DATES in operator.texts()
    await operator.say("/duty set 2026-11-30 2026-11-30 99999")
    assert texts.DUTY_UNKNOWN_STAFF.format(ref=99999) in operator.texts()
    await admin.say("/duty set 2026-11-30 2026-11-30 1")
    assert texts.STAFF_ONLY in admin.texts()


async def test_the_morning_digest_counts_the_whole_queue_not_its_first_rows(
        app, sender, clock) -> None:
    """250 open appeals (more than the 200 a queue page reads): the digest's figures are
    the queue's, and it lists the first few by deadline."""
    clock.moment = kirov(2026, 11, 30, 8, 0)  # Monday
    admin, _, _ = await _people(app, sender)
    now = clock.now()
    async with app.db.unit() as repos:
        citizen = await repos.people.ensure_user("telegram", "777", "777", "Гражданин", now)
        rows = []
        for n in range(250):
            overdue = n < 120  # 120 past their final deadline, 130 due at 15:00 today
            created = now - timedelta(days=40 if overdue else 1)
            rows.append({
                "number": f"2026-9{n:05d}", "citizen_id": citizen.id, "platform": "telegram",
                "chat_id": "777", "institution_id": KOTELNICH, "category": "other",
                "text": "старое обращение", "status": "new" if n % 2 else "in_progress",
                "created_at": created, "updated_at": created,
                "first_response_due": created - timedelta(days=1) if overdue else created,
                "due_at": now - timedelta(days=5) if overdue else kirov(2026, 11, 30, 15, 0),
                "next_reminder_at": None, "reminder_stage": 0})
        await repos.appeals.bulk_insert(rows)
        for appeal_id in range(1, 251):  # a first response given: the final deadline counts
            await repos.appeals.update(appeal_id, now, first_response_at=now)
    clock.moment = kirov(2026, 11, 30, 9, 5)
    assert await app.digests.morning() == 1
    await app.courier.flush()
    (digest,) = of(texts.DIGEST_MORNING, sender.to(admin.chat_id))
    figures = fields(texts.DIGEST_MORNING, digest.text)
    assert (figures["new"], figures["due_today"], figures["overdue"]) == ("125", "130", "120")
