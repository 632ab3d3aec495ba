"""Several regions in one deployment (issue 16, item 5): once a citizen has filed an appeal
in a region, their directory searches prefer its institutions (the others are still
found); before that, and for everyone else, the search is as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.dialog.states import Step
from tests.chat import Chat
from tests.regions_helpers import MARI_REGION, RODNIK_KIROV, RODNIK_MARI, invited, regions_csv

RODNIK = "центр реабилитации родник"  # one name in Kirov oblast and in Mari El


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"directory_csv": regions_csv(tmp_path)})


async def _first_found(app, chat: Chat) -> str:
    """The institution the search put first: the one shown, or the first one offered."""
    async with app.db.unit() as repos:
        state = await repos.dialog.get(chat.platform, chat.chat_id, chat.user_id)
    if state.state == Step.INST_SHOWN:
        return str(state.data["institution_id"])
    assert state.state == Step.FIND_PICK, state
    return str(state.data["candidates"][0])


async def test_a_citizen_who_filed_in_a_region_finds_its_institution_first(
        app, sender, citizen: Chat) -> None:
    await invited(app, sender, "operator", "", "9000")
    await citizen.say(f"/find {RODNIK}")
    assert await _first_found(app, citizen) == RODNIK_KIROV  # no region known: as before

    await citizen.file_appeal("сернурская црб")  # an institution of Mari El
    async with app.db.unit() as repos:
        user = await repos.people.find_user(citizen.platform, citizen.user_id)
    assert user is not None and user.region == "Марий Эл"  # as the row writes it
    await citizen.say(f"/find {RODNIK}")
    assert await _first_found(app, citizen) == RODNIK_MARI
    await citizen.say("/find котельничская црб")  # another region's is still found
    assert await _first_found(app, citizen) == "kir-crb-kotelnich"

    other = Chat(app, sender, "telegram", user_id="1002")  # someone else: no preference
    await other.say(f"/find {RODNIK}")
    assert await _first_found(app, other) == RODNIK_KIROV


async def test_the_appeal_form_prefers_the_region_too(app, sender, citizen: Chat) -> None:
    await invited(app, sender, "operator", MARI_REGION, "9000")
    await citizen.file_appeal("сернурская црб")
    await citizen.say("/appeal")
    await citizen.say(RODNIK)
    async with app.db.unit() as repos:
        state = await repos.dialog.get(citizen.platform, citizen.chat_id, citizen.user_id)
    chosen = state.data.get("institution_id") or state.data["candidates"][0]
    assert chosen == RODNIK_MARI
