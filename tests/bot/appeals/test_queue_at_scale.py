"""A big queue: the operators' and the duty staff's digests count all of it, not the first
rows they used to read (a thousand), and reminders due at once go out batch after batch,
each its own unit of work (a citizen's turn gets the writer in between)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.appeals.reminders import TICK_BATCH
from bot.scheduler import reminder_job
from tests.chat import Chat
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.texts_helpers import fields, filled

KIROV = ZoneInfo("Europe/Kirov")
QUEUED = 1_050  # more than the 1,000 rows the digests read before


def kirov(*args: int) -> datetime:
    return datetime(*args, tzinfo=KIROV).astimezone(UTC)


def _of(template: str, messages: list) -> list:
    return [m for m in messages if filled(template, m.text)]


async def _queue(app, institution: str, due: list[datetime]) -> None:
    """Open appeals of one institution, a first response given (the final deadline counts)."""
    now = app.clock.now()
    async with app.db.unit() as repos:
        citizen = await repos.people.ensure_user("telegram", "777", "777", "Гражданин", now)
        await repos.appeals.bulk_insert([{
            "number": f"2026-{institution[-4:]}{n:05d}", "citizen_id": citizen.id,
            "platform": "telegram", "chat_id": "777", "institution_id": institution,
            "category": "other", "text": "обращение", "status": "in_progress",
            "created_at": now - timedelta(days=2), "updated_at": now,
            "first_response_due": now - timedelta(days=1), "due_at": at,
            "next_reminder_at": None, "reminder_stage": 0} for n, at in enumerate(due)])
        rows = await repos.appeals.open_queue([institution], limit=10_000)
        for appeal in rows:
            await repos.appeals.update(appeal.id, now, first_response_at=now)


async def test_the_operators_hear_of_every_appeal_no_chat_receives(app, sender, clock) -> None:
    clock.moment = kirov(2026, 11, 30, 10, 0)  # Monday
    operator = Chat(app, sender, "telegram", user_id="9001", name="Оператор")
    await operator.accept_invite("operator", None)
    admin = Chat(app, sender, "telegram", user_id="2001", name="Админ")
    await admin.accept_invite("admin", KOTELNICH)  # Kotelnich has its inbox: not listed
    soon = clock.now() + timedelta(days=3)
    await _queue(app, KOTELNICH, [soon - timedelta(days=2)] * 40)  # earlier than the rest
    await _queue(app, SLOBODSKOY, [soon + timedelta(minutes=n) for n in range(QUEUED)])
    assert await app.digests.unreceived() == 1
    await app.courier.flush()
    (digest,) = _of(texts.DIGEST_NO_INBOX, sender.to(operator.chat_id))
    assert texts.DIGEST_NO_INBOX.format(count=QUEUED) in digest.text
    lines = [line for line in digest.text.splitlines() if "№ " in line]
    assert len(lines) == 10 and all("Слободская ЦРБ" in line for line in lines)
    assert lines[0].startswith("№ 2026-skoy00000 ")  # the earliest deadline first


async def test_the_handoff_counts_the_whole_queue_and_what_falls_due(app, sender, clock) -> None:
    clock.moment = kirov(2026, 12, 30, 10, 0)  # Wednesday before 31 Dec - 10 Jan
    duty = Chat(app, sender, "vk", user_id="3001", name="Дежурная")
    await duty.accept_invite("duty", None)
    during = kirov(2027, 1, 5, 12, 0)  # within the days off
    after = kirov(2027, 1, 20, 12, 0)  # after the staff are back
    await _queue(app, SLOBODSKOY, [during] * 600 + [after] * (QUEUED - 600))
    clock.moment = kirov(2026, 12, 30, 17, 1)
    assert await app.digests.handoff() == 1
    await app.courier.flush()
    (digest,) = _of(texts.DIGEST_HANDOFF, sender.to(duty.chat_id))
    handoff = fields(texts.DIGEST_HANDOFF, digest.text)
    assert (handoff["open"], handoff["due"]) == (str(QUEUED), "600")
    lines = [line for line in digest.text.splitlines() if "№ " in line]
    assert len(lines) == 10 and all("05.01.2027" in line for line in lines)


async def test_reminders_due_at_once_go_out_in_batches(app, clock) -> None:
    clock.moment = kirov(2026, 11, 30, 10, 0)
    now = clock.now()
    await _queue(app, SLOBODSKOY, [now + timedelta(days=1)] * 250)
    async with app.db.unit() as repos:  # a night of downtime: every rung due now
        for appeal in await repos.appeals.open_queue(None, limit=1000):
            await repos.appeals.update(appeal.id, now, next_reminder_at=now - timedelta(hours=1),
                                       reminder_stage=0)
    assert await app.reminders.tick() == TICK_BATCH == 100  # one unit: one batch
    job = asyncio.create_task(reminder_job(app))
    await asyncio.sleep(0)
    async with app.db.unit() as repos:  # a citizen's unit between two batches
        assert await repos.dialog.first_time("telegram", "citizen-1", now)
    assert not job.done()
    await job
    async with app.db.unit() as repos:
        assert await repos.appeals.reminders_due(now, 1000) == []
