"""Every WebRepo method, through the recorder tests/storage/test_query_plans.py uses: none
scans appeals, outbox or a faq_* table. `exercise_web_repo` is what that module's
`_exercise` should call for the repository registered in storage/repositories.py."""

from __future__ import annotations

import inspect
import sqlite3
from datetime import UTC, datetime, timedelta

from directory.model import Institution
from storage.db import Database
from storage.records import Role
from storage.repositories import Repositories
from storage.web_repo import QueueQuery, WebGrant, WebRepo
from tests.storage.test_query_plans import _full_scans, _plan, _recording

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def exercise_web_repo(r: Repositories, user_id: int, appeal_id: int) -> None:
    grant = WebGrant(user_id, "admin", None)
    await r.web.add_link("h1", grant, NOW, NOW + timedelta(minutes=10))
    assert await r.web.use_link("h1", NOW) == grant
    assert await r.web.use_link("h1", NOW) is None  # once
    await r.web.add_session("s1", grant, NOW, NOW + timedelta(hours=12))
    assert await r.web.session("s1", NOW) == grant
    await r.web.end_session("s1")
    await r.web.group_institutions(user_id)
    await r.web.queue(QueueQuery(now=NOW, scope=["a"], match='"текст"*'))
    await r.web.queue_count(QueueQuery(now=NOW, scope=None, status="all", appeal_id=appeal_id),
                            100)
    await r.web.add_note(appeal_id, user_id, "заметка", NOW)
    await r.web.notes(appeal_id)
    await r.web.deliveries(appeal_id)
    await r.web.people([user_id])


async def test_every_web_repo_method_reads_through_indexes(tmp_path, monkeypatch) -> None:
    path = tmp_path / "plans.sqlite3"
    statements, called = _recording(monkeypatch)
    db = await Database.open(path)
    try:
        async with db.unit() as r:
            await r.institutions.replace_all([Institution("a", "Больница А")], NOW)
            staff = await r.people.ensure_user("telegram", "2", "200", "Admin", NOW)
            citizen = await r.people.ensure_user("telegram", "1", "100", "Иван", NOW)
            await r.people.add_role(staff.id, Role.ADMIN, "a", NOW)
            appeal = await r.appeals.create(
                citizen_id=citizen.id, platform="telegram", chat_id="100", institution_id="a",
                category="c", text="текст", now=NOW, first_response_due=NOW + timedelta(days=1),
                due_at=NOW + timedelta(days=30))
            await exercise_web_repo(r, staff.id, appeal.id)
    finally:
        await db.close()
    every = {f"WebRepo.{name}" for name, fn in vars(WebRepo).items()
             if not name.startswith("_") and inspect.iscoroutinefunction(fn)}
    assert sorted(every - called) == []
    conn = sqlite3.connect(path)
    try:
        partial = frozenset(name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"))
        web_statements = {sql: p for sql, p in statements
                          if any(t in sql for t in ("web_", "appeal_notes", "appeals_fts",
                                                    "group_members", "FROM appeals WHERE"))}
        assert web_statements
        problems = [(sql, table) for sql, params in web_statements.items()
                    for table in _full_scans(_plan(conn, sql, params), sql, partial)]
    finally:
        conn.close()
    assert problems == []
