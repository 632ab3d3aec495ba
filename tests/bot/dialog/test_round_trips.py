"""Issue 15: a turn costs few round trips to the database (storage/session.py): the opening
reads in one batch, the writes in another, and the COMMIT its group shares
(storage/group_commit.py): a turn alone has one of its own (below, one turn at a time: two
trips and the COMMIT), twenty turns at once share one."""

from __future__ import annotations

import asyncio
from itertools import count

import pytest

from bot.app import App
from bot.dialog.types import Incoming
from tests.db_helpers import rows

_updates = count(1)


async def trips_of(app: App, text: str = "", payload: str = "", *, user: str = "501",
                   chat: str = "501", is_group: bool = False, name: str = "") -> int:
    before = app.db.trips
    await app.dialog.handle(Incoming("telegram", chat, user, text=text, payload=payload,
                                     is_group=is_group, update_id=str(next(_updates)),
                                     user_name=name))
    return app.db.trips - before


# aiosqlite's thread hops, which the SQLite session pipelines; on PostgreSQL every
# statement is a round trip to the server of its own
SQLITE_TRIPS = pytest.mark.parametrize("backend", ["sqlite"])
COMMIT = 1  # a turn alone commits its group of one


@SQLITE_TRIPS
async def test_a_question_and_the_form_steps_cost_two_trips_each(app: App) -> None:
    assert await trips_of(app, "/start") <= 4  # first contact: the user is inserted
    assert await trips_of(app, "как записаться к врачу") == 2 + COMMIT
    assert await trips_of(app, "/appeal") == 2 + COMMIT
    assert await trips_of(app, "котельничская црб") == 2 + COMMIT
    assert await trips_of(app, "В регистратуре не берут трубку третий день") == 2 + COMMIT
    assert await trips_of(app, payload="cat:registry") == 2 + COMMIT


@SQLITE_TRIPS
async def test_turns_at_once_share_their_commit(app: App) -> None:
    """Twenty citizens asking at the same moment: two trips each and one COMMIT for all."""
    for n in range(20):  # first contact done, as for the one-at-a-time figures
        await trips_of(app, "/start", user=str(600 + n), chat=str(600 + n))
    before, commits = app.db.trips, app.db.commits
    await asyncio.gather(*(trips_of(app, "как записаться к врачу", user=str(600 + n),
                                    chat=str(600 + n)) for n in range(20)))
    assert app.db.commits - commits <= 2
    assert app.db.trips - before <= 20 * 2 + 2


@SQLITE_TRIPS
async def test_filing_writes_the_appeal_and_its_card_in_a_few_trips(app: App) -> None:
    for step in ("/start", "/appeal", "котельничская црб"):
        await trips_of(app, step)
    await trips_of(app, "В регистратуре не берут трубку третий день")
    await trips_of(app, payload="cat:registry")
    await trips_of(app, payload="consent:yes")
    filing = await trips_of(app, payload="confirm:send")
    # opening (with the citizen, their ban and the institution primed), the daily limit
    # with the citizen's open appeals there (a repeat is linked, issue 18), the insert, the
    # events with the inbox chats, the operators (no inbox here), the card and replies
    # with the commit
    assert filing <= 6 + COMMIT


@SQLITE_TRIPS
async def test_the_steps_that_show_the_chosen_institution_cost_two_trips(app: App) -> None:
    for step in ("/start", "/appeal", "котельничская црб"):
        await trips_of(app, step)
    assert await trips_of(app, "В регистратуре не берут трубку третий день") == 2 + COMMIT
    assert await trips_of(app, payload="cat:registry") == 2 + COMMIT
    assert await trips_of(app, payload="consent:yes") == 2 + COMMIT


async def test_a_primed_row_the_turn_changes_is_read_again(app: App) -> None:
    """The opening primes the writer's row; the name they changed in this very update is
    written first and the card shows it, not the primed one."""
    async with app.db.unit() as repos:
        await repos.people.bind_inbox("kir-crb-kotelnich", "telegram", "9000", False,
                                      app.clock.now())
    for step in ("/start", "/appeal", "котельничская црб"):
        await trips_of(app, step, name="Иван Старое")
    await trips_of(app, "В регистратуре не берут трубку третий день", name="Иван Старое")
    await trips_of(app, payload="cat:registry", name="Иван Старое")
    await trips_of(app, payload="consent:yes", name="Иван Старое")
    await trips_of(app, payload="confirm:send", name="Иван Новое")
    ((card,),) = rows(app, "SELECT payload FROM outbox WHERE kind = 'card'")
    assert "Иван Новое" in card and "Иван Старое" not in card


@SQLITE_TRIPS
async def test_a_redelivered_update_costs_two_trips_and_does_nothing(app: App) -> None:
    inc = Incoming("telegram", "777", "777", text="/start", update_id="dup-1")
    await app.dialog.handle(inc)
    before = app.db.trips
    assert await app.dialog.handle(inc) == []
    assert app.db.trips - before == 1 + COMMIT  # the dedupe row, seen: nothing else
