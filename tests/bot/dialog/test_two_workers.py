"""Two bot workers on one PostgreSQL database (issue 16, item 2, what is built so far):
a redelivered update handled once whichever worker gets each copy, citizens filing
through both at once, a citizen whose steps reach different workers, and no card sent
twice when both deliver at once. Skipped, with the reason, where no PostgreSQL server is
reachable."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import build_app
from bot.dialog.types import Incoming
from tests.chat import Chat, RecordingSender
from tests.db_helpers import rows

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
async def second(app, settings, clock, sender: RecordingSender):
    other = await build_app(settings, clock)  # the second worker: its own pool, its own turn lock
    other.senders.update(app.senders)
    yield other
    await other.close()


async def test_one_update_reaching_both_workers_is_handled_once(app, second) -> None:
    update = Incoming("telegram", "777", "777", text="/start", update_id="dup-1")
    first, again = await asyncio.gather(app.dialog.handle(update), second.dialog.handle(update))
    assert sorted([bool(first), bool(again)]) == [False, True]
    assert rows(app, "SELECT COUNT(*) FROM seen_updates WHERE update_key = 'dup-1'") == [(1,)]


async def test_citizens_filing_through_both_workers_at_once(app, second, admin: Chat,
                                                           sender: RecordingSender) -> None:
    citizens = [Chat(app if n % 2 else second, sender, "telegram", user_id=str(3000 + n),
                     name=f"Житель {n}") for n in range(12)]
    ids = await asyncio.gather(*(c.file_appeal() for c in citizens))
    assert len(set(ids)) == 12
    numbers = [n for (n,) in rows(app, "SELECT number FROM appeals")]
    assert len(numbers) == len(set(numbers)) == 12
    await asyncio.gather(app.courier.flush(), second.courier.flush())
    to_admin = [d.text for d in sender.to(admin.chat_id)]
    assert {number: sum(number in text for text in to_admin) for number in numbers} == {
        number: 1 for number in numbers}  # each card sent once, by one of the workers


async def test_a_citizen_whose_steps_reach_different_workers_files_one_appeal(
        app, second, sender: RecordingSender) -> None:
    citizen = Chat(app, sender, "telegram", user_id="4001", name="Мария")
    await citizen.fill_appeal()
    citizen.app = second  # the next update arrives at the other worker
    await citizen.press("Согласен")
    citizen.app = app
    await citizen.press("Отправить")
    assert "зарегистрировано" in citizen.texts()
    assert rows(app, "SELECT COUNT(*) FROM appeals") == [(1,)]
