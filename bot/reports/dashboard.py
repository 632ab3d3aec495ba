"""The dashboard's figures for a period and a scope (issue 17, item 5): what the web page
shows, what its charts draw (bot/reports/charts.py), what the exports and the weekly report
write (Dashboard.tables(), made in bot/reports/dashboard_tables.py).

Definitions (the page says them too):
- the period is whole local days first..last of the policy's time zone;
- by status, category, institution, per day: appeals filed in the period, by their state now;
- "late" (an institution's overdue share): a filed appeal answered or closed after its
  deadline (due_at, extended or not), or with neither and past the deadline now;
- first response and answer times: wall-clock hours from filing, of the first responses and
  answers given in the period (an answer's moment is the latest answer's); percentiles by
  linear interpolation between the closest ranks (p = 50: the usual median);
- answered within the deadline: of the answers given in the period, answered_at <= due_at;
- mean rating: of the ratings given in the period (the appeals closed in it);
- «Вопрос не решён»: of the appeals filed in the period that got an answer or a closing
  (each such message carries the button), the share the citizen reopened with it at least
  once (appeals.reopens > 0; a reopen clears answered_at, closed_at and the rating, so the
  counter is what keeps it);
- overdue now: open appeals past due_at at `now`, the most overdue first;
- institutions are ranked by overdue share only with at least RANK_MIN_APPEALS appeals;
- unanswered FAQ questions: asked in the period, for the whole region (scope None) only.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from bot import texts
from bot.reports.dashboard_tables import dashboard_tables
from bot.reports.table import Table
from bot.screening import mask_personal_data
from storage.dashboard_repo import DashboardQuery, DashboardRows
from storage.records import AppealStatus
from storage.repositories import Repositories

RANK_MIN_APPEALS = 20
# The response-time histogram: bucket k holds edges[k-1] <= hours < edges[k] (texts.CHART_BUCKETS).
RESPONSE_EDGES = (1.0, 4.0, 8.0, 24.0, 48.0, 72.0, 168.0)


@dataclass(frozen=True, slots=True)
class Durations:
    """Hours of a set of responses: how many, the median and the 90th percentile."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True, slots=True)
class Count:
    key: str  # a status or category code ("" for the codes outside the catalogue)
    title: str
    appeals: int


@dataclass(frozen=True, slots=True)
class InstitutionFigures:
    institution_id: str
    name: str
    appeals: int  # filed in the period
    late: int
    first_responses: int  # given in the period
    median_first_response: float | None  # hours
    rank: int | None  # place by overdue share (1: the largest); None: too few appeals

    @property
    def late_share(self) -> float:
        return self.late / self.appeals if self.appeals else 0.0


@dataclass(frozen=True, slots=True)
class OverdueAppeal:
    appeal_id: int
    number: str
    institution_id: str
    institution: str
    category: str
    status: str
    created_at: datetime  # in the dashboard's time zone
    due_at: datetime
    overdue: timedelta  # now - due_at


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    statuses: dict[AppealStatus, int]

    @property
    def appeals(self) -> int:
        return sum(self.statuses.values())


@dataclass(frozen=True, slots=True)
class Dashboard:
    first: date
    last: date
    now: datetime
    tz: ZoneInfo
    scope: tuple[str, ...] | None  # None: every institution
    scope_names: tuple[str, ...]  # the scope's institutions' names (empty: every one)
    filed: int
    by_status: tuple[Count, ...]
    by_category: tuple[Count, ...]
    institutions: tuple[InstitutionFigures, ...]  # the most appeals first
    days: tuple[Day, ...]
    first_response: Durations
    answer: Durations
    answered_on_time: int  # of answer.count
    ratings: int
    mean_rating: float | None
    replied: int  # filed in the period and answered or closed
    not_solved: int  # ... and reopened with «Вопрос не решён»
    overdue_count: int
    overdue: tuple[OverdueAppeal, ...]  # the first OVERDUE_LIST, most overdue first
    response_buckets: tuple[int, ...]  # first responses per RESPONSE_EDGES bucket
    unanswered: tuple[tuple[str, int], ...] | None  # None: not the whole region's view

    @property
    def rank_min(self) -> int:
        return RANK_MIN_APPEALS

    @property
    def late(self) -> int:
        return sum(i.late for i in self.institutions)

    @property
    def on_time_share(self) -> float | None:
        return self.answered_on_time / self.answer.count if self.answer.count else None

    @property
    def not_solved_share(self) -> float | None:
        return self.not_solved / self.replied if self.replied else None

    @property
    def ranked(self) -> list[InstitutionFigures]:
        """Institutions with at least RANK_MIN_APPEALS appeals, the largest overdue share first."""
        return sorted((i for i in self.institutions if i.rank is not None),
                      key=lambda i: i.rank or 0)

    def tables(self) -> list[Table]:
        """The dashboard as tables for the exports: the summary, by status, by category, by
        institution, the overdue list (and the unanswered questions, when shown)."""
        return dashboard_tables(self)


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The p-th percentile of sorted values, interpolated linearly between the closest
    ranks ((n - 1)·p/100; numpy's default, the median for p = 50); None: no values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (position - low)


def format_hours(hours: float | None) -> str:
    """"15,6 ч" (a decimal comma, as Russian writes it); "нет данных" for None."""
    return texts.DASH_NO_DATA if hours is None else texts.DASH_HOURS.format(
        hours=hours).replace(".", ",")


def format_share(share: float | None) -> str:
    return texts.DASH_NO_DATA if share is None else texts.DASH_SHARE.format(share=share)


def durations(hours: list[float]) -> Durations:
    hours.sort()
    return Durations(len(hours), percentile(hours, 50), percentile(hours, 90))


def local_midnights(first: date, last: date, tz: ZoneInfo) -> list[datetime]:
    """The starts of the days first..last and of the day after, in UTC."""
    days = (last - first).days + 1
    return [datetime.combine(first + timedelta(days=n), time(), tz).astimezone(ZoneInfo("UTC"))
            for n in range(days + 1)]


def _buckets(ordered: Sequence[float]) -> tuple[int, ...]:
    """How many of the sorted hours fall in each RESPONSE_EDGES bucket."""
    bounds = [0, *(bisect_left(ordered, edge) for edge in RESPONSE_EDGES), len(ordered)]
    return tuple(b - a for a, b in pairwise(bounds))


def _institutions(rows: DashboardRows, names: dict[str, str]) -> tuple[InstitutionFigures, ...]:
    ranked = sorted((c for c in rows.institutions if c.appeals >= RANK_MIN_APPEALS),
                    key=lambda c: (-c.late / c.appeals, -c.late, names.get(c.institution_id, ""),
                                   c.institution_id))
    place = {c.institution_id: n for n, c in enumerate(ranked, start=1)}
    found = []
    for counts in rows.institutions:
        hours = sorted(rows.first_response_hours.get(counts.institution_id, []))
        found.append(InstitutionFigures(
            counts.institution_id, names.get(counts.institution_id, counts.institution_id),
            counts.appeals, counts.late, len(hours), percentile(hours, 50),
            place.get(counts.institution_id)))
    return tuple(sorted(found, key=lambda i: (-i.appeals, i.name, i.institution_id)))


def _by_category(totals: dict[str, int]) -> tuple[Count, ...]:
    """Every category of the catalogue (zeros too; codes outside it together, when there
    are any), the most appeals first."""
    found = [Count(code, title, totals.get(code, 0)) for code, title in texts.CATEGORIES.items()]
    if totals.get(""):
        found.append(Count("", texts.DASH_CATEGORY_OTHER_CODES, totals[""]))
    return tuple(sorted(found, key=lambda c: -c.appeals))  # stable: catalogue order on ties


async def build_dashboard(repos: Repositories, *, scope: Sequence[str] | None, first: date,
                          last: date, now: datetime, tz: ZoneInfo) -> Dashboard:
    """The dashboard of the days first..last (inclusive, in `tz`) for the institutions of
    `scope` (None: every institution), read in one round trip and a look-up of names."""
    days = local_midnights(first, last, tz)
    rows = await repos.dashboard.figures(DashboardQuery(
        days=days, now=now, scope=scope, categories=tuple(texts.CATEGORIES),
        with_faq=scope is None))
    wanted = {c.institution_id for c in rows.institutions} | {
        a.institution_id for a in rows.overdue} | set(scope or ())
    found = await repos.institutions.get_many(sorted(wanted))
    names = {i: inst.display_name for i, inst in found.items()}
    statuses: dict[str, int] = {}
    categories: dict[str, int] = {}
    for day in rows.days:
        for status, n in day.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        for code, n in day.categories.items():
            categories[code] = categories.get(code, 0) + n
    all_first = [h for hours in rows.first_response_hours.values() for h in hours]
    first_response = durations(all_first)  # sorts all_first
    overdue = tuple(OverdueAppeal(
        a.id, a.number, a.institution_id, names.get(a.institution_id, a.institution_id),
        texts.CATEGORIES.get(a.category, a.category), texts.STATUSES.get(a.status, a.status),
        a.created_at.astimezone(tz), a.due_at.astimezone(tz), now - a.due_at)
        for a in rows.overdue)
    return Dashboard(
        first=first, last=last, now=now, tz=tz,
        scope=tuple(scope) if scope is not None else None,
        scope_names=tuple(names.get(i, i) for i in scope) if scope is not None else (),
        filed=sum(d.appeals for d in rows.days),
        by_status=tuple(Count(s.value, texts.STATUSES[s.value], statuses.get(s, 0))
                        for s in AppealStatus),
        by_category=_by_category(categories),
        institutions=_institutions(rows, names),
        days=tuple(Day(start.astimezone(tz).date(), d.statuses)
                   for start, d in zip(days, rows.days, strict=False)),
        first_response=first_response, answer=durations(rows.answer_hours),
        answered_on_time=rows.answered_on_time, ratings=rows.ratings,
        mean_rating=rows.mean_rating, replied=sum(d.replied for d in rows.days),
        not_solved=sum(d.reopened for d in rows.days), overdue_count=rows.overdue_count,
        overdue=overdue, response_buckets=_buckets(all_first),
        # masked when stored; once more for questions stored before masking existed
        unanswered=tuple((mask_personal_data(q), n) for q, n in rows.unanswered)
        if scope is None else None)
