"""`python -m bot migrate-db --to postgresql://...` (issue 16, item 3): a database the
flows produced, copied into PostgreSQL, verified per table, served from there; a target
with rows is refused. Skipped, with the reason, where no PostgreSQL server is reachable."""

from __future__ import annotations

import asyncio

import pytest

from bot import texts
from bot.app import build_app
from bot.cli import main
from tests.chat import Chat, RecordingSender
from tests.db_helpers import rows
from tests.pg import PgServer, fetch_rows


@pytest.fixture
async def target(pg_server: PgServer):
    url = await pg_server.create_empty()
    yield url
    await pg_server.drop(url)


async def test_a_deployment_moves_to_postgresql_whole_and_goes_on_there(
        app, settings, clock, citizen: Chat, admin: Chat, sender: RecordingSender, target: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    appeal_id = await citizen.file_appeal()
    card = sender.last_to(admin.chat_id)
    await admin.say("Телефон регистратуры починили.", reply_to_message_id=card.message_id,
                    message_id="9001")
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("DIRECTORY_CSV", str(settings.directory_csv))
    monkeypatch.setenv("FAQ_PATH", str(settings.faq_path))
    capsys.readouterr()

    assert await asyncio.to_thread(main, ["migrate-db", "--to", target]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(texts.MIGRATE_MATCH in line for line in lines)
    for table in ("appeals", "appeal_messages", "appeal_events", "users", "outbox",
                  "institutions", "staff", "inbox_chats", "seen_updates"):
        (mine,), = rows(app, f"SELECT COUNT(*) FROM {table}")
        (theirs,), = await fetch_rows(target, f"SELECT COUNT(*) FROM {table}", ())
        assert (table, theirs) == (table, mine)
    # a second copy into the same target would mix two histories: refused, nothing changed
    assert await asyncio.to_thread(main, ["migrate-db", "--to", target]) == 2
    assert "не пуста" in capsys.readouterr().err

    moved = await build_app(settings.model_copy(update={"database_url": target}), clock)
    try:
        async with moved.db.unit() as repos:
            appeal = await repos.appeals.get(appeal_id)
            thread = await repos.appeals.thread(appeal_id)
        assert appeal is not None and appeal.status == "answered"
        assert any(m.kind == "staff" and "починили" in m.text for m in thread)
        moved.senders.update(app.senders)
        again = Chat(moved, sender, "telegram", user_id="1002", name="Пётр")
        second = await again.file_appeal()
        assert second > appeal_id  # the copied ids are not handed out again
    finally:
        await moved.close()


def test_the_target_must_be_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-db", "--to", "sqlite:///elsewhere.sqlite3"]) == 2
    assert capsys.readouterr().err.strip() == texts.MIGRATE_NOT_POSTGRESQL
