"""The dashboard's figures (bot/reports/dashboard.py) on a small database, against values
worked out by hand; the ranking threshold; «Вопрос не решён» through the real lifecycle;
the export tables; the charts; and the dashboard's statements read through the indexes
meant for them (EXPLAIN QUERY PLAN). `seed_week` is the web tests' fixture data too;
`exercise_dashboard_repo` is what tests/storage/test_query_plans.py runs of DashboardRepo."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.app import App
from bot.clock import FixedClock
from bot.reports.charts import ChartName, chart_png, chart_svg, weekly_png
from bot.reports.dashboard import Dashboard, build_dashboard, percentile
from bot.reports.table import ColumnKind
from directory.model import Institution
from storage.dashboard_repo import DashboardQuery
from storage.db import Database
from storage.records import AppealStatus, ChatRef
from storage.repositories import Repositories
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.storage.test_query_plans import _full_scans, _plan, _recording

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # the app fixture's clock: Monday 09:00 in Kirov
KIROV = ZoneInfo("Europe/Kirov")  # the tests' policy time zone (UTC+3)
FIRST, LAST = date(2026, 11, 16), date(2026, 11, 22)  # the week before: 15 Nov 21:00 UTC on
PNG = b"\x89PNG\r\n\x1a\n"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Spec:
    number: str
    institution: str
    category: str
    status: str
    created: datetime
    due: datetime | None = None  # default: 30 days after filing
    first: float | None = None  # hours after filing
    answered: float | None = None
    closed: datetime | None = None
    rating: int | None = None
    answers: int = 0
    reopens: int = 0


H = 3600
WEEK = [
    # filed in the week (local days 16..22 November)
    Spec("2026-000001", KOTELNICH, "appointment", "closed", utc(11, 16, 7), first=2,
         answered=10, closed=utc(11, 17, 7), rating=5, answers=1),
    # 21:30 UTC on the 16th is 00:30 on the 17th in Kirov: the 17th's
    Spec("2026-000002", KOTELNICH, "appointment", "answered", utc(11, 16, 21, 30), first=4,
         answered=20, answers=1),
    Spec("2026-000003", KOTELNICH, "medicines", "in_progress", utc(11, 18, 9),
         due=utc(11, 20, 9), first=6),  # overdue now
    Spec("2026-000004", SLOBODSKOY, "quality", "new", utc(11, 19, 9)),
    # answered after its deadline, the citizen said «Вопрос не решён» once, answered again
    Spec("2026-000005", SLOBODSKOY, "staff", "closed", utc(11, 20, 9), due=utc(11, 21, 9),
         first=8, answered=48, closed=utc(11, 22, 10), rating=2, answers=2, reopens=1),
    # filed before the week, responded to, answered and rated in it
    Spec("2026-000006", KOTELNICH, "other", "closed", utc(11, 10, 10), first=144,
         answered=168, closed=utc(11, 18, 10), rating=4, answers=1),
    # after the week (08:00 on the 23rd in Kirov)
    Spec("2026-000007", KOTELNICH, "appointment", "new", utc(11, 23, 5)),
    # long overdue, filed in October: Kotelnich's and Slobodskoy's
    Spec("2026-000008", KOTELNICH, "registry", "new", utc(10, 1, 9), due=utc(10, 31, 9)),
    Spec("2026-000009", SLOBODSKOY, "registry", "in_progress", utc(10, 5, 9),
         due=utc(11, 4, 9), first=30),
]
QUESTIONS = [  # (question, normalized, asked at): two in the week, one before it
    ("Как записаться к окулисту?", "запис окулист", utc(11, 17, 9)),
    ("как записаться к окулисту", "запис окулист", utc(11, 21, 9)),
    ("Где взять справку?", "справк", utc(11, 19, 9)),
    ("Старый вопрос", "стар вопрос", utc(11, 1, 9)),
]


async def seed(app: App, specs: list[Spec] = WEEK, *, questions: bool = True) -> dict[str, int]:
    """The appeals of `specs` as stored rows (times set as the lifecycle sets them); the
    ids by number."""
    async with app.db.unit() as repos:
        person = await repos.people.ensure_user("telegram", "9001", "9001", "Гражданин", NOW)
        await repos.appeals.bulk_insert([{
            "number": s.number, "citizen_id": person.id, "platform": "telegram",
            "chat_id": "9001", "institution_id": s.institution, "category": s.category,
            "text": "текст", "status": s.status, "created_at": s.created, "updated_at": s.created,
            "first_response_due": s.created + timedelta(days=1),
            "due_at": s.due or s.created + timedelta(days=30), "next_reminder_at": None,
            "reminder_stage": 0} for s in specs])
        if questions:
            for question, normalized, at in QUESTIONS:
                await repos.faq_stats.add_unanswered(question, normalized, "telegram", at)
    ids = {}
    async with app.db.unit() as repos:
        for s in specs:
            appeal = await repos.appeals.by_number(s.number)
            assert appeal is not None
            ids[s.number] = appeal.id
            fields: dict[str, Any] = {"answers_given": s.answers, "reopens": s.reopens}
            if s.first is not None:
                fields["first_response_at"] = s.created + timedelta(hours=s.first)
            if s.answered is not None:
                fields["answered_at"] = s.created + timedelta(hours=s.answered)
            if s.closed is not None:
                fields |= {"closed_at": s.closed, "rating": s.rating}
            await repos.appeals.update(appeal.id, NOW, **fields)
    return ids


async def dashboard_of(app: App, scope: list[str] | None, first: date = FIRST,
                       last: date = LAST) -> Dashboard:
    async with app.db.read() as reader:
        return await build_dashboard(reader, scope=scope, first=first, last=last,
                                     now=app.clock.now(), tz=KIROV)


async def test_the_weeks_figures(app: App) -> None:
    await seed(app)
    d = await dashboard_of(app, None)
    assert d.filed == 5  # 1..5; 6 was filed before the week, 7 after it
    assert {c.key: c.appeals for c in d.by_status} == {
        "new": 1, "in_progress": 1, "answered": 1, "closed": 2}
    assert {c.key: c.appeals for c in d.by_category if c.appeals} == {
        "appointment": 2, "medicines": 1, "quality": 1, "staff": 1}
    assert len(d.by_category) == len(texts.CATEGORIES)  # the empty ones are listed too
    assert [(day.day.day, day.appeals) for day in d.days] == [
        (16, 1), (17, 1), (18, 1), (19, 1), (20, 1), (21, 0), (22, 0)]
    assert d.days[1].statuses[AppealStatus.ANSWERED] == 1  # number 2, in Kirov's day
    # first responses given in the week: 2, 4, 6, 8 h (1, 2, 3, 5) and 144 h (6)
    assert d.first_response.count == 5 and d.first_response.median == pytest.approx(6)
    assert d.first_response.p90 == pytest.approx(8 + 0.6 * (144 - 8))  # rank 3.6 of 0..4
    assert d.response_buckets == (0, 1, 2, 1, 0, 0, 1, 0)  # 1–4, 4–8 ×2, 8–24, 72–168 h
    # answers given in the week: 10, 20, 48 (late) and 168 h
    assert d.answer.count == 4 and d.answer.median == pytest.approx(34)
    assert d.answer.p90 == pytest.approx(48 + 0.7 * 120)
    assert (d.answered_on_time, d.on_time_share) == (3, 0.75)
    # ratings given in the week: 5, 2 and 4
    assert d.ratings == 3 and d.mean_rating == pytest.approx(11 / 3)
    # of 1, 2, 5 (answered or closed, filed in the week), 5 was reopened
    assert (d.replied, d.not_solved) == (3, 1) and d.not_solved_share == pytest.approx(1 / 3)
    # open past their deadline now: 8 (31 Oct), 9 (4 Nov), 3 (20 Nov)
    assert d.overdue_count == 3
    assert [a.number for a in d.overdue] == ["2026-000008", "2026-000009", "2026-000003"]
    assert d.overdue[0].overdue == NOW - utc(10, 31, 9)
    assert d.overdue[0].due_at.utcoffset() == timedelta(hours=3)  # shown in Kirov's time
    by_id = {i.institution_id: i for i in d.institutions}
    kotelnich, slobodskoy = by_id[KOTELNICH], by_id[SLOBODSKOY]
    assert (kotelnich.appeals, kotelnich.late) == (3, 1)  # 3 is past its deadline
    assert (slobodskoy.appeals, slobodskoy.late) == (2, 1)  # 5 was answered late
    assert kotelnich.median_first_response == pytest.approx(5)  # of 2, 4, 6, 144 h
    assert slobodskoy.median_first_response == pytest.approx(8)
    assert kotelnich.name == "Котельничская ЦРБ"
    assert d.ranked == [] and kotelnich.rank is None  # nobody has 20 appeals
    # counted by the normalised question; the example is one of the wordings asked
    assert d.unanswered is not None
    assert [n for _, n in d.unanswered] == [2, 1]
    assert d.unanswered[0][0] in {"Как записаться к окулисту?", "как записаться к окулисту"}
    assert d.unanswered[1][0] == "Где взять справку?"


async def test_an_institutions_own_figures(app: App) -> None:
    await seed(app)
    d = await dashboard_of(app, [KOTELNICH])
    assert d.filed == 3 and [i.institution_id for i in d.institutions] == [KOTELNICH]
    assert d.first_response.count == 4  # 1, 2, 3, 6
    assert d.answer.count == 3 and d.answered_on_time == 3
    assert d.ratings == 2 and d.mean_rating == pytest.approx(4.5)
    assert (d.replied, d.not_solved) == (2, 0)
    assert [a.number for a in d.overdue] == ["2026-000008", "2026-000003"]
    assert d.unanswered is None  # the region's questions: not an institution's figures
    assert d.scope_names == ("Котельничская ЦРБ",)


def _filed(number: int, institution: str, late: bool) -> Spec:
    created = utc(11, 17, 9) + timedelta(minutes=number)
    return Spec(f"2026-{number:06d}", institution, "other", "answered", created,
                due=created + timedelta(hours=1 if late else 500), answered=2, answers=1)


async def test_institutions_are_ranked_from_twenty_appeals(app: App) -> None:
    # Kotelnich: 20 appeals, 2 late; Slobodskoy: 19, all late
    await seed(app, [_filed(n, KOTELNICH, n < 2) for n in range(20)]
               + [_filed(100 + n, SLOBODSKOY, True) for n in range(19)], questions=False)
    d = await dashboard_of(app, None)
    by_id = {i.institution_id: i for i in d.institutions}
    assert [i.institution_id for i in d.ranked] == [KOTELNICH]
    assert by_id[KOTELNICH].rank == 1 and by_id[KOTELNICH].late_share == pytest.approx(0.1)
    assert by_id[SLOBODSKOY].rank is None and by_id[SLOBODSKOY].late_share == 1.0
    await seed(app, [_filed(200, SLOBODSKOY, False)], questions=False)  # its 20th
    d = await dashboard_of(app, None)
    assert [(i.institution_id, i.rank) for i in d.ranked] == [(SLOBODSKOY, 1), (KOTELNICH, 2)]


async def test_not_solved_through_the_lifecycle(app: App, clock: FixedClock) -> None:
    """The citizen presses «Вопрос не решён» under an answer (AppealService.reopen clears
    the answer, the closing and the rating): the appeal counts as not solved once."""
    service = app.appeals
    async with app.db.unit() as repos:
        citizen = await repos.people.ensure_user("telegram", "1001", "1001", "Иван", clock.now())
        staff = await repos.people.ensure_user("telegram", "2001", "2001", "Админ", clock.now())
        inst = await service.institution(repos, KOTELNICH)
        appeal = await service.file(repos, citizen, ChatRef("telegram", "1001"), inst,
                                    "appointment", "Не могу записаться", [], clock.now())
        other = await service.file(repos, citizen, ChatRef("telegram", "1001"), inst,
                                   "registry", "Не берут трубку", [], clock.now())
    clock.advance(timedelta(hours=1))
    async with app.db.unit() as repos:
        appeal = await service.answer(repos, appeal, staff, "Запишем", [],
                                      ChatRef("telegram", "2001"), clock.now())
        other = await service.answer(repos, other, staff, "Починили", [],
                                     ChatRef("telegram", "2001"), clock.now())
        assert await service.rate(repos, other, 5, clock.now())
    clock.advance(timedelta(hours=1))
    async with app.db.unit() as repos:
        appeal = await service.reopen(repos, appeal, clock.now(), answer=1)
    d = await dashboard_of(app, None, NOW.date(), NOW.date())
    assert (d.filed, d.replied, d.not_solved) == (2, 2, 1)
    assert d.answer.count == 1  # the reopened appeal's answer is undone
    assert (d.ratings, d.mean_rating) == (1, 5)
    clock.advance(timedelta(hours=2))
    async with app.db.unit() as repos:
        await service.answer(repos, appeal, staff, "Записали на среду", [],
                             ChatRef("telegram", "2001"), clock.now())
    d = await dashboard_of(app, None, NOW.date(), NOW.date())
    assert (d.replied, d.not_solved) == (2, 1)  # still: it was not solved the first time
    assert sorted(h for h in (d.answer.median, d.first_response.median) if h) == [1, 2.5]


async def test_the_tables_for_exports(app: App) -> None:
    await seed(app)
    tables = {t.title: t for t in (await dashboard_of(app, None)).tables()}
    assert list(tables) == [texts.DASH_TABLE_SUMMARY, texts.DASH_TABLE_BY_STATUS,
                            texts.DASH_TABLE_BY_CATEGORY, texts.DASH_TABLE_BY_INSTITUTION,
                            texts.DASH_TABLE_OVERDUE, texts.DASH_TABLE_FAQ]
    assert all(len(title) <= 31 for title in tables)  # a sheet's name in XLSX
    summary = tables[texts.DASH_TABLE_SUMMARY]
    row = dict(zip([c.title for c in summary.columns], list(summary.rows)[0], strict=True))
    titles = texts.DASH_SUMMARY_COLUMNS
    assert (row[titles["first"]], row[titles["last"]]) == (FIRST, LAST)
    assert (row[titles["filed"]], row[titles["late"]], row[titles["overdue_now"]]) == (5, 2, 3)
    assert row[titles["first_median"]] == pytest.approx(6)
    assert row[titles["on_time_share"]] == 0.75
    kinds = {c.title: c.kind for c in summary.columns}
    assert kinds[titles["on_time_share"]] == ColumnKind.PERCENT
    assert kinds[titles["answer_p90"]] == ColumnKind.HOURS
    institutions = tables[texts.DASH_TABLE_BY_INSTITUTION]
    assert [list(r)[:5] for r in institutions.rows] == [
        ["Котельничская ЦРБ", KOTELNICH, 3, 1, pytest.approx(1 / 3)],
        ["Слободская ЦРБ", SLOBODSKOY, 2, 1, 0.5]]
    overdue = list(tables[texts.DASH_TABLE_OVERDUE].rows)
    assert [r[0] for r in overdue] == ["2026-000008", "2026-000009", "2026-000003"]
    assert overdue[2][6] == pytest.approx((NOW - utc(11, 20, 9)).total_seconds() / H)
    own = {t.title for t in (await dashboard_of(app, [KOTELNICH])).tables()}
    assert texts.DASH_TABLE_FAQ not in own


async def test_charts_render_without_a_display(app: App) -> None:
    await seed(app)
    d = await dashboard_of(app, None)
    empty = await dashboard_of(app, None, date(2026, 1, 1), date(2026, 1, 7))
    assert empty.filed == 0 and empty.first_response.median is None
    for dashboard in (d, empty):
        for name in ChartName:
            assert chart_png(dashboard, name).startswith(PNG)
            svg = chart_svg(dashboard, name)
            root = ElementTree.fromstring(svg)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            # the console's CSP allows no inline styles: presentation attributes instead
            assert b"style=" not in svg and b"<style" not in svg and b' fill="' in svg
    assert weekly_png(d).startswith(PNG)
    assert weekly_png(d) != weekly_png(empty)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 90) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([10.0, 20.0, 48.0, 168.0], 90) == pytest.approx(132)
    assert percentile([1.0, 2.0, 3.0], 100) == 3.0


# the statements' plans


async def exercise_dashboard_repo(r: Repositories) -> None:
    """Every DashboardRepo method, on whatever rows the caller's database holds."""
    days = [NOW - timedelta(days=2), NOW - timedelta(days=1), NOW]
    for scope in (None, ["a", "b"], []):
        await r.dashboard.figures(DashboardQuery(days=days, now=NOW, scope=scope,
                                                 categories=("c", "d"), with_faq=scope is None))


async def test_the_dashboards_statements_read_their_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A month of a region on 1M stored appeals is 50k filed rows: each statement reads its
    date range of the index meant for it (a fresh database, no ANALYZE, as production), the
    durations from migration 0017's indexes alone, the days without sorting."""
    path = tmp_path / "plans.sqlite3"
    statements, _ = _recording(monkeypatch)
    db = await Database.open(path)
    try:
        async with db.unit() as r:
            await r.institutions.replace_all([Institution("a", "Больница А")], NOW)
            await exercise_dashboard_repo(r)
    finally:
        await db.close()
    conn = sqlite3.connect(path)
    try:
        partial = frozenset(name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"))
        plans = {sql: _plan(conn, sql, params) for sql, params in statements
                 if "appeals" in sql or "faq_unanswered" in sql}
    finally:
        conn.close()
    assert len(plans) >= 6
    assert [(sql, plan) for sql, plan in plans.items() if _full_scans(plan, sql, partial)] == []

    def plan_of(piece: str) -> list[str]:
        return next(plan for sql, plan in plans.items() if piece in sql)

    day = plan_of("created_at >= :day")  # one day's rows, sorted by institution at most
    assert any("appeals_created" in p for p in day)
    assert all("TEMP B-TREE" not in p or "GROUP BY" in p for p in day)
    assert any("appeals_response_hours" in p for p in plan_of("WHERE first_response_at >="))
    assert any("appeals_answer_hours" in p for p in plan_of("WHERE answered_at >="))
    assert any("COVERING INDEX appeals_closed" in p for p in plan_of("AVG(rating)"))
    assert any("faq_unanswered_period" in p for p in plan_of("FROM faq_unanswered WHERE"))
