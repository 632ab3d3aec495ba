"""Binding staff to a region on the command line (issue 16, item 5): `invite --region` for
operators and duty staff, `staff region ID [REGION]` for people who have the role."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import texts
from bot.app import build_app
from bot.cli import main
from bot.config import load_settings
from storage.records import Role
from tests.chat import Chat, RecordingSender
from tests.regions_helpers import regions_csv


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in ("TELEGRAM_BOT_TOKEN", "VK_GROUP_TOKEN", "MAX_BOT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("FAQ_PATH", str(tmp_path / "faq.yaml"))
    monkeypatch.setenv("DIRECTORY_CSV", str(regions_csv(tmp_path)))
    return tmp_path


async def _accept(token: str) -> tuple[int, list[str]]:
    """The invite accepted in a private Telegram chat: the person's id and roles' regions."""
    app = await build_app(load_settings(_env_file=None))
    try:
        chat = Chat(app, RecordingSender(), "telegram", user_id="9001", name="Оператор")
        await chat.say(f"/start inv_{token}")
        assert texts.INVITE_REGION.format(region="Марий Эл") in chat.texts()
        async with app.db.unit() as repos:
            user = await repos.people.find_user("telegram", "9001")
            assert user is not None
            return user.id, [r.region for r in await repos.people.roles(user.id)]
    finally:
        await app.close()


async def _regions(user_id: int) -> list[tuple[Role, str]]:
    app = await build_app(load_settings(_env_file=None))
    try:
        async with app.db.unit() as repos:
            return [(r.role, r.region) for r in await repos.people.roles(user_id)]
    finally:
        await app.close()


def test_invite_and_staff_region_bind_an_operator(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["invite", "--role", "operator", "--region", "Нигде"]) == 2
    assert "Нигде" in capsys.readouterr().err
    assert main(["invite", "--role", "admin", "--institution", "kir-crb-kotelnich",
                 "--region", "Марий Эл"]) == 2
    assert texts.INVITE_REGION_ROLES in capsys.readouterr().err
    assert main(["invite", "--role", "operator", "--region", "Республика Марий Эл"]) == 0
    token = capsys.readouterr().out.strip()
    user_id, regions = asyncio.run(_accept(token))
    assert regions == ["мар эл"]

    assert main(["staff"]) == 0
    assert texts.STAFF_LIST_REGION.format(region="Марий Эл") in capsys.readouterr().out
    assert main(["staff", "region", str(user_id), "Кировская обл."]) == 0
    assert "Кировская область" in capsys.readouterr().out
    assert asyncio.run(_regions(user_id)) == [(Role.OPERATOR, "кир")]
    assert main(["staff", "region", str(user_id)]) == 0  # every region's again
    assert texts.REGION_EVERY in capsys.readouterr().out
    assert asyncio.run(_regions(user_id)) == [(Role.OPERATOR, "")]
    assert main(["staff", "region", str(user_id)]) == 2  # nothing to change
    assert main(["staff", "region", "999", "Марий Эл"]) == 2
