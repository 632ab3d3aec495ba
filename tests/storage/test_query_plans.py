"""Every query of the storage layer reads through an index (issue 15): EXPLAIN QUERY PLAN
over every statement the repositories run, failing on a full scan of appeals, outbox or a
faq_* table (a `SCAN t` without an index, or an automatic index built by scanning it).

How coverage is ensured: the statements are not listed here. They are recorded at the one
door every repository statement goes through, the unit's Session (execute,
execute_fetchall, executemany, defer, defer_many, batch), while `_exercise` runs every
repository method on a seeded database; a new query in an existing method is explained
without anyone listing it. Each repository class's public methods are found by
introspection and each must have been called (directly or through another method): a new
method fails `test_every_repository_method_is_exercised` until `_exercise` calls it.
The plans are those of a fresh database without ANALYZE statistics, as production has.
"""

from __future__ import annotations

import inspect
import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.appeals.outbox import outbox_row
from bot.message import Message
from directory.model import Institution
from storage.db import Database
from storage.records import DialogState, OutboxKind, Role
from storage.repositories import Repositories
from storage.session import Session

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
WATCHED = re.compile(r"^(appeals|outbox|faq_\w+)$")
# (table, a piece of the statement): why its full scan is accepted. Keep it short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("appeals", "SELECT COUNT(*) FROM appeals WHERE status = 'closed'"):
        "python -m bot storage divides the bytes by every closed appeal: an operator's "
        "command, off the bot, counting the history is what it is asked for",
}

Recorded = list[tuple[str, Any]]


def _recording(monkeypatch: pytest.MonkeyPatch) -> tuple[Recorded, set[str]]:
    """Record every statement sent through a Session and every repository method called."""
    statements: Recorded = []
    called: set[str] = set()

    def one(name: str) -> None:
        original = getattr(Session, name)
        many = name in ("executemany", "defer_many")

        def wrapper(self: Session, sql: str, params: Any = ()) -> Any:
            params = list(params) if many else params
            statements.append((sql, params[0] if many and params else (None if many else params)))
            return original(self, sql, params)
        monkeypatch.setattr(Session, name, wrapper)

    for name in ("execute", "execute_fetchall", "executemany", "defer", "defer_many"):
        one(name)
    original_batch = Session.batch

    async def batch(self: Session, items: Any) -> Any:
        statements.extend((sql, params) for sql, params in items)
        return await original_batch(self, items)
    monkeypatch.setattr(Session, "batch", batch)

    for cls in _repository_classes():
        for name, method in _public_methods(cls):
            monkeypatch.setattr(cls, name, _counting(f"{cls.__name__}.{name}", method, called))
    return statements, called


def _counting(key: str, method: Callable[..., Awaitable[Any]],
              called: set[str]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        called.add(key)
        return await method(*args, **kwargs)
    return wrapper


def _repository_classes() -> list[type]:
    source = inspect.getsource(Repositories.__init__)
    names = re.findall(r"self\.\w+ = (\w+)\(conn\)", source)
    module = inspect.getmodule(Repositories)
    classes = [getattr(module, name) for name in names]
    assert classes, "no repository found in Repositories.__init__"
    return classes


def _public_methods(cls: type) -> list[tuple[str, Callable[..., Awaitable[Any]]]]:
    return [(name, fn) for name, fn in vars(cls).items()
            if not name.startswith("_") and inspect.iscoroutinefunction(fn)]


async def _exercise(db: Database) -> None:
    """Every repository method once or more, on rows that make each statement run."""
    later = NOW + timedelta(days=40)
    row = outbox_row("telegram", "100", Message("x"), OutboxKind.MESSAGE)
    card = outbox_row("telegram", "-500", Message("card"), OutboxKind.CARD, appeal_id=1,
                      institution_id="a")
    async with db.unit() as r:
        await r.institutions.replace_all([Institution("a", "Больница А", region="Кировская область"),
                                          Institution("b", "Больница Б")], NOW)
        await r.institutions.replace_all([Institution("a", "Больница А", region="Кировская область")],
                                         NOW)
        citizen = await r.people.ensure_user("telegram", "1", "100", "Иван", NOW)
        await r.people.ensure_user("telegram", "1", "101", "Иван П.", NOW)
        staff = await r.people.ensure_user("telegram", "2", "200", "Admin", NOW)
        await r.people.add_role(staff.id, Role.ADMIN, "a", NOW)
        await r.people.add_role(staff.id, Role.DUTY, None, NOW, "кир")
        await r.people.set_role_region(staff.id, [Role.DUTY], "")
        await r.people.set_region(citizen, "Кировская область")
        await r.people.bind_inbox("a", "telegram", "-500", True, NOW)
        await r.people.create_invite("tok", Role.OPERATOR, None, NOW, later, "кир")
        appeal = await r.appeals.create(
            citizen_id=citizen.id, platform="telegram", chat_id="101", institution_id="a",
            category="c", text="текст", now=NOW, first_response_due=NOW + timedelta(days=1),
            due_at=NOW + timedelta(days=30))
        await r.appeals.bulk_insert([{
            "number": "2026-900000", "citizen_id": citizen.id, "platform": "telegram",
            "chat_id": "101", "institution_id": "a", "category": "c", "text": "t",
            "status": "closed", "created_at": NOW, "updated_at": NOW,
            "first_response_due": NOW, "due_at": NOW, "next_reminder_at": None,
            "reminder_stage": 0}])
        await r.appeals.update(appeal.id, NOW, status="in_progress", first_response_at=NOW,
                               next_reminder_at=NOW)
        await r.appeals.add_event(appeal.id, "taken", NOW, staff.id, by="x")
        await r.appeals.add_events([(appeal.id, "reminded", {})], NOW)
        await r.appeals.set_reminder_states([(later, 1, None, None, appeal.id)], NOW)
        await r.appeals.add_message(appeal.id, "card", "telegram", "-500", NOW, message_id="7")
        await r.appeals.add_message(appeal.id, "staff", "telegram", "-500", NOW, text="a")
        item = await r.outbox.add(card, NOW)
        await r.outbox.add_many([row, row], NOW)
        await r.faq_stats.add_feedback("e1", False, "telegram", "1", NOW, "k1")
        await r.faq_stats.add_feedback("e1", True, "telegram", "3", NOW, "k1")
        await r.faq_stats.add_unanswered("вопрос?", "вопрос", "telegram", NOW)
        await r.dead_letters.add("telegram", "u1", "bad", "{}", NOW)
        await r.duty.assign([(date(2026, 11, 28), staff.id, "кир")], NOW)
        await r.transport_state.put("max", "marker", "1", NOW)
        await r.staff.add_member("telegram", "-500", staff.id, None, NOW)
        await r.staff.audit("cli", "add", "x", "", NOW)
        await r.staff.ban(citizen.id, "spam", "cli", NOW)
        await r.dialog.set("telegram", "100", "1", DialogState("faq_ask", {"a": 1}), NOW)
        await r.dialog.first_time("telegram", "upd-1", NOW)
        await r.turn.open("telegram", "upd-2", "1", "-500", True, NOW)
        await r.turn.open("telegram", None, "2", "200", False, NOW)
    async with db.unit() as r:  # reads, and the writes that need rows to act on
        await r.institutions.count()
        await r.institutions.signature()
        await r.institutions.get("a")
        await r.institutions.get_many(["a", "b"])
        await r.institutions.list()
        await r.institutions.regions()
        await r.people.find_user("telegram", "1")
        await r.people.get_user(citizen.id)
        await r.people.roles(staff.id)
        await r.people.staff_chats(Role.ADMIN)
        await r.people.staff_regions(Role.OPERATOR)
        await r.people.inbox_chats("a")
        await r.people.inboxes_of_chat("telegram", "-500")
        await r.people.inbox_chats_of(["a", "b"])
        await r.people.institutions_with_inbox()
        await r.people.institutions_of_group_chat("telegram", "-500")
        await r.people.institutions_without_inbox()
        await r.people.get_invite("tok")
        await r.people.use_invite("tok", staff.id, NOW)
        await r.people.disable_inbox("telegram", "-500", "gone", NOW)
        await r.people.disabled_inboxes()
        await r.people.enable_inbox("telegram", "-500")
        await r.people.move_inbox("telegram", "-500", "-501")
        await r.appeals.get(appeal.id)
        await r.appeals.by_number(appeal.number)
        await r.appeals.filed_since(citizen.id, NOW - timedelta(days=1))
        await r.appeals.of_citizen(citizen.id)
        await r.appeals.open_queue(None)
        await r.appeals.open_queue(["a", "b"])
        await r.appeals.open_of_institution("a")
        await r.appeals.stats(None, NOW, NOW - timedelta(days=30))
        await r.appeals.stats(["a"], NOW, NOW - timedelta(days=30))
        from tests.web.test_web_repo import exercise_web_repo  # it imports this module

        await exercise_web_repo(r, staff.id, appeal.id)
        from tests.reports.test_dashboard_figures import exercise_dashboard_repo

        await exercise_dashboard_repo(r)
        await r.routing.before_filing(citizen.id, "a", NOW - timedelta(days=1),
                                      NOW - timedelta(days=7))
        await r.routing.figures(NOW - timedelta(days=30), later)
        await r.appeals.queue_counts("a", NOW, NOW + timedelta(hours=8))
        await r.appeals.queue_counts(None, NOW, NOW + timedelta(days=10))
        await r.appeals.queue_sizes()
        await r.appeals.falling_due(NOW + timedelta(days=10), 10)
        await r.appeals.reminders_due(later, 100)
        await r.appeals.events(appeal.id)
        await r.appeals.thread(appeal.id)
        await r.appeals.appeal_of_message("telegram", "-500", "7")
        await r.appeals.card_messages(appeal.id)
        await r.appeals.last_staff_chat(appeal.id)
        await r.outbox.claim(["telegram"], later, 2, 10)
        await r.outbox.unsent_of_chat("telegram", "100")
        await r.outbox.card_chats(appeal.id, "a")
        await r.outbox.get(item)
        await r.outbox.count_by_status()
        await r.outbox.backlog()
        await r.outbox.oldest_due(["telegram", "vk"])
        await r.outbox.mark_sent(item, "9", NOW)
        await r.outbox.note_failure(item + 1, "network", "timeout", NOW)
        await r.outbox.mark_failed([item + 1], "blocked", "403", NOW)
        await r.outbox.failed()
        await r.outbox.failures()
        await r.outbox.retry(item + 1, NOW)
        await r.outbox.release([item + 2])
        await r.outbox.requeue_interrupted()
        await r.outbox.move_chat("telegram", "100", "102")
        await r.outbox.prune_sent(later, later, "{}", None)
        await r.outbox.prune_sent(later, NOW, "{}", (NOW.isoformat(), 1), 2)
        await r.faq_stats.top_unanswered()
        await r.faq_stats.least_helpful()
        await r.dead_letters.count()
        await r.dead_letters.recent()
        await r.dead_letters.get(1)
        await r.duty.on_duty(date(2026, 11, 28))
        await r.duty.on_duty(date(2026, 11, 28), ("кир", ""))
        await r.duty.roster(date(2026, 11, 23), date(2026, 12, 20))
        await r.duty.next_duty_day(date(2026, 11, 23))
        await r.duty.duty_staff()
        await r.duty.duty_staff(("кир", ""))
        await r.duty.duty_regions()
        await r.duty.digest_sent("morning", "a", date(2026, 11, 23), NOW)
        await r.duty.was_sent("morning", "a", date(2026, 11, 23))
        await r.duty.clear(date(2026, 11, 28), date(2026, 11, 29))
        await r.transport_state.get("max", "marker")
        r.inbox.add("telegram", [("c1", "{}"), ("c1", "{}")], NOW)
        held = await r.inbox.claim("telegram", NOW, NOW + timedelta(seconds=30), 10)
        r.inbox.again_at([held[-1].id], NOW)
        r.inbox.done([held[0].id])
        await r.inbox.waiting("telegram")
        await r.inbox.waiting()
        await r.inbox.backlog()
        await r.staff.is_member("telegram", "-501", staff.id)
        await r.staff.move_group("telegram", "-501", "-502")
        await r.staff.entries(["a"])
        await r.staff.inboxes()
        await r.staff.audit_log()
        await r.staff.ban_of(citizen.id)
        await r.staff.mark_refused(citizen.id, NOW)
        await r.staff.unban(citizen.id)
        await r.dialog.get("telegram", "100", "1")
        await r.dialog.set("telegram", "100", "1", DialogState(), NOW)
    async with db.unit() as r:  # taking power away, forgetting, retention
        await r.staff.revoke(staff.id, ["a"])
        await r.staff.revoke(staff.id, None)
        await r.people.bind_inbox("a", "telegram", "-600", True, NOW)
        inbox = (await r.staff.inboxes())[-1]
        await r.staff.unbind(inbox.id)
        await r.appeals.update(appeal.id, NOW, status="closed", closed_at=NOW, rating=5)
        ids = await r.privacy.appeal_ids_of(citizen.id)
        await r.privacy.anonymise_appeals(ids, "—", NOW)
        await r.privacy.drop_messages(ids, [("telegram", "101")], "{}")
        await r.privacy.anonymise_user(citizen.id, "telegram", "1", NOW)
        await r.privacy.closed_appeals_before(later)
        await r.privacy.forget_questions_before(later)
        found = await r.privacy.appeals_to_compact(later)
        await r.privacy.compact_appeals(found or [(ids[0], NOW.isoformat())])
        await r.appeals.prune_thread(ids)
        await r.dead_letters.forget_before(later)
        await r.dialog.forget_updates_before(later)
        await r.space.usage()
    async with db.read() as r:  # a report's reads go through the reader: explained too
        await r.appeals.open_queue(["a"])
        await r.outbox.backlog()


def _stops_early(sql: str, plan: list[str]) -> bool:
    """An index walked in the ORDER BY's order to a LIMIT reads the first rows only."""
    return (re.search(r"\bORDER BY\b.*\bLIMIT\b", sql, re.I | re.S) is not None
            and not any("TEMP B-TREE FOR ORDER BY" in d for d in plan))


def _full_scans(plan: list[str], sql: str, partial: frozenset[str] = frozenset()) -> list[str]:
    """The watched tables (or their aliases in `sql`) this plan reads in full: a SCAN
    without an index, an automatic index, or a SCAN along a whole index (one that is not
    partial: it holds every row ever written, e.g. 22 s for /stats' failure counts
    through outbox_chat at 1M appeals)."""
    found = []
    for detail in plan:
        match = (re.match(r"^SCAN (\w+)$", detail)
                 or re.match(r"^SEARCH (\w+) USING AUTOMATIC", detail))
        along = re.match(r"^SCAN (\w+) USING (?:COVERING )?INDEX (\w+)", detail)
        if (match is None and along is not None and along.group(2) not in partial
                and not _stops_early(sql, plan)):
            match = along
        if match is None:
            continue
        name = match.group(1)
        if WATCHED.match(name):
            found.append(name)
            continue
        aliased = re.search(rf"\b(appeals|outbox|faq_\w+)\s+(?:AS\s+)?{name}\b", sql, re.I)
        if aliased:
            found.append(aliased.group(1))
    return found


def _plan(conn: sqlite3.Connection, sql: str, params: Any) -> list[str]:
    return [str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params or ())]


@pytest.fixture
async def exercised(tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Recorded, set[str]]:
    path = tmp_path / "plans.sqlite3"
    db = await Database.open(path)
    statements, called = _recording(monkeypatch)
    try:
        await _exercise(db)
    finally:
        await db.close()
    return path, statements, called


async def test_every_repository_method_is_exercised(
        exercised: tuple[Path, Recorded, set[str]]) -> None:
    _, _, called = exercised
    every = {f"{cls.__name__}.{name}" for cls in _repository_classes()
             for name, _ in _public_methods(cls)}
    assert sorted(every - called) == [], "add the new methods to _exercise"


async def test_no_query_scans_appeals_outbox_or_faq_tables(
        exercised: tuple[Path, Recorded, set[str]]) -> None:
    path, statements, _ = exercised
    assert len(statements) > 100  # the recorder saw the repositories' statements
    conn = sqlite3.connect(path)
    try:
        unique = {sql: params for sql, params in statements}
        partial = frozenset(name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"))
        problems = []
        for sql, params in unique.items():
            plan = _plan(conn, sql, params)
            for table in _full_scans(plan, sql, partial):
                if not any(t == table and piece in sql for t, piece in EXCEPTIONS):
                    problems.append(f"{table}: {sql}\n    {plan}")
    finally:
        conn.close()
    assert problems == [], "\n".join(problems)


async def test_queue_and_stats_search_their_indexes(
        exercised: tuple[Path, Recorded, set[str]]) -> None:
    """The operator's /queue walks the queue's partial index in deadline order (no history,
    no sort but of the appeals that share a deadline to the second: the index's covering
    columns come before the id); the digests count the queue from its index alone; /stats
    reads each figure from its own index."""
    path, statements, _ = exercised
    conn = sqlite3.connect(path)
    try:
        queue = next((sql, p) for sql, p in statements
                     if sql.startswith("SELECT * FROM appeals WHERE (status IN")
                     and "institution_id IN" not in sql)
        assert _plan(conn, *queue) in (
            ["SCAN appeals USING INDEX appeals_queue_open"],
            ["SCAN appeals USING INDEX appeals_queue_open",
             "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"])
        counts = [(sql, p) for sql, p in statements if sql.startswith("SELECT COUNT(*), COUNT(*) FILTER (WHERE status")]
        assert len(counts) == 2  # one institution's, every institution's
        for sql, params in counts:
            assert "USING COVERING INDEX appeals_queue_open" in " ".join(_plan(conn, sql, params))
        stats = next((sql, p) for sql, p in statements if "SELECT o.new" in sql)
        used = " ".join(_plan(conn, *stats))
        # the period's answers and first responses are counted from the dashboard's indexes
        # (one each since migration 0020), each read from the index alone
        for index in ("appeals_created", "appeals_answer_hours", "appeals_response_hours",
                      "appeals_closed"):
            assert f"COVERING INDEX {index}" in used, used
    finally:
        conn.close()
