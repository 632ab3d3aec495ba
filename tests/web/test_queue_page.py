"""The queue page: what each person may see, the filters, search, deadline order, pages of
50, SLA states; and its statements read through indexes (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from typing import Any

import asyncpg

from bot import texts
from bot.web.queue import search_terms
from storage.dialect import Dialect
from storage.pg_session import placeholders
from storage.web_repo import QueueQuery, _where
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.pg import in_own_loop
from tests.web.helpers import sign_in, user_id_of


async def _seed(app, count: int = 0) -> None:
    """Appeals of both institutions, on every platform and status, with known texts."""
    now = app.clock.now()
    async with app.db.unit() as repos:
        person = await repos.people.ensure_user("telegram", "9001", "9001", "Гражданин", now)
        rows = []

        def row(n: int, inst: str, status: str, *, platform: str = "telegram",
                category: str = "appointment", text: str = "обычный текст", created_days: int = 1,
                due_hours: float = 24 * 20, first_hours: float = 24 * 20) -> None:
            rows.append({
                "number": f"2026-{n:06d}", "citizen_id": person.id, "platform": platform,
                "chat_id": "9001", "institution_id": inst, "category": category, "text": text,
                "status": status, "created_at": now - timedelta(days=created_days),
                "updated_at": now, "first_response_due": now + timedelta(hours=first_hours),
                "due_at": now + timedelta(hours=due_hours), "next_reminder_at": None,
                "reminder_stage": 0})

        row(1, KOTELNICH, "new", text="Не берут трубку в регистратуре", due_hours=5,
            first_hours=-2)  # first response missed
        row(2, KOTELNICH, "in_progress", platform="vk", category="medicines",
            text="Нет льготных лекарств", due_hours=10, first_hours=1)  # due within 24 h
        row(3, KOTELNICH, "closed", category="quality", text="Грубый врач", created_days=60)
        row(4, SLOBODSKOY, "new", platform="max", text="Очередь к окулисту")
        row(5, KOTELNICH, "answered", text="Спасибо врачам", category="gratitude")
        for n in range(count):
            row(100 + n, KOTELNICH, "new", due_hours=100 + n)
        await repos.appeals.bulk_insert(rows)
    async with app.db.unit() as repos:  # ids follow the numbers' order
        appeal = await repos.appeals.by_number("2026-000005")
        assert appeal is not None
        await repos.appeals.add_message(appeal.id, "staff", "telegram", "2001", now,
                                        text="Передадим вашу благодарность коллективу")


def _numbers(html: str) -> list[str]:
    return re.findall(r'class="number" href="/appeal/\d+">(\d{4}-\d{6})<', html)


async def _queue(client, query: str = "") -> list[str]:
    response = await client.get("/queue" + query)
    assert response.status == 200, await response.text()
    return _numbers(await response.text())


async def test_filters_and_search(app, client, sender, admin) -> None:
    await _seed(app)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    # an admin sees Kotelnich only; the queue by default: open and undelivered, by deadline
    assert await _queue(client) == ["2026-000001", "2026-000002"]
    assert await _queue(client, "?status=all") == ["2026-000001", "2026-000002", "2026-000005"]
    assert await _queue(client, "?status=all&from=2026-09-01") == [
        "2026-000001", "2026-000002", "2026-000003", "2026-000005"]
    assert await _queue(client, "?status=closed&from=2026-01-01&to=2026-10-01") == ["2026-000003"]
    assert await _queue(client, "?status=in_progress") == ["2026-000002"]
    assert await _queue(client, "?status=all&category=medicines") == ["2026-000002"]
    assert await _queue(client, "?status=all&platform=vk") == ["2026-000002"]
    assert await _queue(client, "?overdue=1") == ["2026-000001"]  # the first response missed
    assert await _queue(client, "?due24=1") == ["2026-000002"]
    assert await _queue(client, f"?institution={KOTELNICH}") == ["2026-000001", "2026-000002"]
    # search: the number, words of the text (any form's beginning), the answer
    assert await _queue(client, "?q=2026-000005") == ["2026-000005"]
    assert await _queue(client, "?q=5") == ["2026-000005"]
    assert await _queue(client, "?q=ТРУБК") == ["2026-000001"]
    assert await _queue(client, "?q=благодарность+коллектив") == ["2026-000005"]
    assert await _queue(client, "?q=окулист") == []  # Slobodskoy's: not this admin's
    # what FTS5 would read as a phrase is single words (migration 0020's indexes answer no
    # phrase): words joined by '_', a quoted phrase
    assert await _queue(client, "?q=трубку_регистратуре") == ["2026-000001"]
    assert await _queue(client, '?q="не+берут"') == ["2026-000001"]
    # wrong values are refused in one line
    for bad in ("?status=gone", "?category=x", "?platform=icq", "?from=31.12.2026"):
        assert (await client.get("/queue" + bad)).status == 400, bad


async def test_a_common_word_searches_its_newest_matches_and_says_so(
        app, client, sender, admin, monkeypatch) -> None:
    """A word in a third of a million appeals: the search reads its newest matches only
    (storage/web_repo.py SEARCH_CANDIDATES) and the page says so, rather than looking up
    and sorting every match."""
    import bot.web.queue as queue_page
    import storage.web_repo as web_repo

    await _seed(app, count=6)  # 2026-000100..105: "обычный текст", the newest ids
    monkeypatch.setattr(web_repo, "SEARCH_CANDIDATES", 4)
    monkeypatch.setattr(queue_page, "SEARCH_CANDIDATES", 4)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    found = await _queue(client, "?q=обычн")
    assert found == ["2026-000102", "2026-000103", "2026-000104", "2026-000105"]  # by deadline
    assert texts.WEB_SEARCH_NEWEST.split(":")[0] not in await (
        await client.get("/queue?q=обычн")).text()  # 4 found: nothing to say
    monkeypatch.setattr(queue_page, "COUNT_CAP", 3)
    html = await (await client.get("/queue?q=обычн")).text()
    assert texts.WEB_SEARCH_NEWEST.format(count="4") in html
    assert texts.WEB_SEARCH_NEWEST.split(":")[0] not in await (
        await client.get("/queue?status=all")).text()  # no search: no such line


async def test_sla_states_and_pages(app, client, sender, admin) -> None:
    await _seed(app, count=60)
    async with app.db.unit() as repos:
        from bot.appeals.staff_power import grant_role

        operator = await grant_role(repos, platform="telegram", user_id="4001", chat_id="4001",
                                    role="operator", institution_id=None, now=app.clock.now())
    await sign_in(client, app, operator.id, "operator")
    html = await (await client.get("/queue")).text()
    numbers = _numbers(html)
    assert len(numbers) == 50 and numbers[:3] == ["2026-000001", "2026-000002", "2026-000100"]
    assert texts.WEB_QUEUE_FOUND.format(count=63) in html  # both institutions' open ones
    row1 = html.split("2026-000001")[1].split("</tr>")[0]
    assert texts.WEB_SLA["red"] in row1  # its first response is missed
    row2 = html.split("2026-000002")[1].split("</tr>")[0]
    assert texts.WEB_SLA["amber"] in row2  # a reminder of its first response is due
    assert texts.WEB_SLA["green"] in html.split("2026-000100")[1].split("</tr>")[0]
    second = _numbers(await (await client.get("/queue?page=2")).text())
    assert len(second) == 13 and "2026-000004" in second
    assert "2026-000100" not in second


async def test_queue_statements_read_through_indexes(app, sender) -> None:
    """No statement of the queue page scans the appeals table (1M rows in benchmarks):
    SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN."""
    await _seed(app)
    now = app.clock.now()
    match, _, _ = search_terms("регистратура трубку")
    cases = [
        QueueQuery(now=now, scope=None),
        QueueQuery(now=now, scope=[KOTELNICH, SLOBODSKOY], status="new", category="appointment",
                   platform="vk"),
        QueueQuery(now=now, scope=None, overdue=True),
        QueueQuery(now=now, scope=None, due_before=now + timedelta(hours=24)),
        QueueQuery(now=now, scope=[KOTELNICH], status="closed"),
        QueueQuery(now=now, scope=None, status="closed", created_from=now - timedelta(days=30)),
        QueueQuery(now=now, scope=None, status="all", created_from=now - timedelta(days=30),
                   created_before=now),
        QueueQuery(now=now, scope=None, status="all", match=match),
        QueueQuery(now=now, scope=None, status="all", appeal_id=5, match='"5"*'),
        QueueQuery(now=now, scope=None, status="all", number="2026-000005"),
    ]
    if app.settings.database.dialect is Dialect.POSTGRESQL:
        for q in cases:
            plan = in_own_loop(_pg_plan(app.settings.database.target, q))
            assert _pg_full_scans(plan) == [], (q, plan)
        return
    conn = sqlite3.connect(app.settings.database_path)
    try:
        for q in cases:
            where, params = _where(q)
            sql = (f"SELECT * FROM appeals WHERE {where} ORDER BY due_at, first_response_due, "
                   "id LIMIT :limit OFFSET :offset")
            plan = [row[3] for row in conn.execute(
                "EXPLAIN QUERY PLAN " + sql, params | {"limit": 51, "offset": 0})]
            scans = [p for p in plan if p.startswith("SCAN appeals") and "INDEX" not in p]
            assert scans == [], (q, plan)
    finally:
        conn.close()


async def _pg_plan(url: str, q: QueueQuery) -> dict[str, Any]:
    """The page's statement EXPLAINed on PostgreSQL, sequential scans priced out: a few
    test rows would otherwise be read whole whatever the indexes."""
    where, params = _where(q, Dialect.POSTGRESQL)
    sql, names = placeholders(
        f"SELECT * FROM appeals WHERE {where} ORDER BY due_at, first_response_due, id "
        "LIMIT :limit OFFSET :offset")
    assert isinstance(names, tuple)  # :name placeholders
    values = params | {"limit": 51, "offset": 0}
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET enable_seqscan = off")
        partial = {name for (name,) in await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'appeals' "
            "AND indexdef LIKE '% WHERE %'")}
        found = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql,
                                    *[values[n] for n in names])
    finally:
        await conn.close()
    plan: dict[str, Any] = json.loads(found)[0]["Plan"]
    plan["partial"] = sorted(partial)
    return plan


def _pg_full_scans(plan: dict[str, Any]) -> list[str]:
    """The plan's reads of the whole appeals table: a sequential scan, or a walk along a
    whole index that is not partial (no Index Cond; a partial one holds the queue only)."""
    partial = set(plan.get("partial", ()))
    found = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == "appeals":
            kind = node["Node Type"]
            if kind == "Seq Scan":
                found.append(kind)
            elif (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
                  and node.get("Index Name") not in partial):
                found.append(f"{kind} {node.get('Index Name')}")
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan)
    return found
