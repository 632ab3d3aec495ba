"""The dashboard's reads (issue 17): a period's figures, in one round trip (Session.batch),
each statement on a date-bounded range of its own index, never the whole history:

- appeals filed in the period (appeals_created): each local day's counts by status and
  category with its replied and reopened appeals, summed over the day's range (one
  statement a day: no sort of the period's rows), and each institution's count and late
  appeals (GROUP BY);
- first responses and answers given in the period: their durations (wall-clock hours from
  filing) read from the indexes of migration 0017 alone, for the percentiles and the
  histogram bot/reports/dashboard.py computes (the period's durations, never more);
- ratings given in the period (appeals_closed, the index alone);
- the overdue appeals now (the open appeals' partial indexes): their count and the first;
- unanswered FAQ questions asked in the period (faq_unanswered_period).

An institution scope is written `+institution_id IN (...)` on the period's statements: the
unary plus keeps SQLite on the date index (its entries carry the institution) instead of an
institution's whole history in appeals_queue.

The same statements run on PostgreSQL (storage/dialect.py writes what differs): the counts
are COUNT(*) FILTER, the durations are computed from the columns the indexes
appeals_response_hours / appeals_answer_hours carry (julianday() has no equivalent there
that can be indexed), and the JSON arrays come from json_agg."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from storage.appeals_repo import OPEN, appeal_of_row
from storage.dialect import Dialect
from storage.records import Appeal, AppealStatus, to_db
from storage.sql_port import SqlSession

OVERDUE_LIST = 20
FAQ_TOP = 10
# Word for word the expressions of migration 0017's indexes (SQLite reads them from there).
# Whole seconds (the times are stored so), then hours: 4 h is 4.0, not 3.9999999997.
FIRST_RESPONSE_HOURS = "round((julianday(first_response_at) - julianday(created_at)) * 86400) / 3600"
ANSWER_HOURS = "round((julianday(answered_at) - julianday(created_at)) * 86400) / 3600"
ANSWER_ON_TIME = "answered_at <= due_at"
# Answered or closed after its deadline, or neither and past it now.
_LATE = ("CASE WHEN COALESCE(answered_at, closed_at) IS NOT NULL "
         "THEN COALESCE(answered_at, closed_at) > due_at ELSE due_at < :now END")
_STATUSES = tuple(AppealStatus)


@dataclass(frozen=True, slots=True)
class DashboardQuery:
    # The local days of the period: the UTC moments of their midnights, and the midnight
    # after the last day (the period is days[0] <= moment < days[-1]).
    days: Sequence[datetime]
    now: datetime  # "overdue" is past due_at now
    scope: Sequence[str] | None  # institutions; None: every one
    categories: Sequence[str]  # counted each; the others together under ""
    with_faq: bool = True

    @property
    def start(self) -> datetime:
        return self.days[0]

    @property
    def end(self) -> datetime:
        return self.days[-1]


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Appeals filed on one local day (the day's midnight, UTC), by their status now."""

    start: datetime
    appeals: int
    statuses: dict[AppealStatus, int]
    categories: dict[str, int]  # "": the codes not asked for
    replied: int  # got an answer or a closing (a message with «Вопрос не решён»)
    reopened: int  # the citizen pressed «Вопрос не решён» at least once


@dataclass(frozen=True, slots=True)
class InstitutionCounts:
    """Appeals of one institution filed in the period."""

    institution_id: str
    appeals: int
    late: int  # answered or closed after due_at, or neither and past due_at now


@dataclass(slots=True)
class DashboardRows:
    days: list[DayCounts] = field(default_factory=list)
    institutions: list[InstitutionCounts] = field(default_factory=list)
    first_response_hours: dict[str, list[float]] = field(default_factory=dict)  # unsorted
    answer_hours: list[float] = field(default_factory=list)  # unsorted
    answered_on_time: int = 0  # answered_at <= due_at
    ratings: int = 0
    mean_rating: float | None = None
    overdue_count: int = 0
    overdue: list[Appeal] = field(default_factory=list)  # most overdue first
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # (example, times asked)


def _scope(scope: Sequence[str] | None, column: str) -> tuple[str, dict[str, str]]:
    """` AND <column> IN (...)` (institution_id, or +institution_id: Dialect.unindexed);
    an empty scope matches nothing."""
    if scope is None:
        return "", {}
    names = {f"s{n}": inst for n, inst in enumerate(scope)} or {"s0": ""}
    return f" AND {column} IN ({', '.join(':' + k for k in names)})", names


def _day_sql(dialect: Dialect, categories: int, scope: str) -> str:
    """One day's figures per institution: its range of appeals_created read once, for the
    days and for the institutions both (a sort of one day's rows by institution, never of
    the month's: a GROUP BY by day sorted them all, 60 ms of 75 at 1M stored appeals)."""
    count = dialect.count_where
    statuses = "".join(", " + count(f"status = '{s.value}'") for s in _STATUSES)
    codes = "".join(", " + count(f"category = :c{n}") for n in range(categories))
    return (f"SELECT institution_id, {count(_LATE)}, COUNT(*){statuses}{codes}, "
            f"{count('answers_given > 0 OR reopens > 0')}, {count('reopens > 0')} FROM appeals "
            f"WHERE created_at >= :day AND created_at < :next{scope} GROUP BY institution_id")


def _hours(dialect: Dialect, since: str) -> str:
    """Whole seconds from filing to `since`, in hours: on SQLite word for word the
    expression its index holds (FIRST_RESPONSE_HOURS, ANSWER_HOURS); on PostgreSQL the same
    figure from the columns its index carries, as a double (SQLite's arithmetic)."""
    if dialect is Dialect.SQLITE:
        return FIRST_RESPONSE_HOURS if since == "first_response_at" else ANSWER_HOURS
    seconds = dialect.seconds_between("created_at", since)
    return f"{dialect.as_double(f'round({seconds})')} / 3600"


def _array(dialect: Dialect, expr: str) -> str:
    """The group's values as a JSON array's text, [] over no rows."""
    if dialect is Dialect.POSTGRESQL:
        return f"COALESCE(json_agg({expr})::text, '[]')"
    return f"json_group_array({expr})"


def _durations_sql(dialect: Dialect, scope: str) -> tuple[str, str]:
    """The period's durations as JSON arrays in one row each: 43k first responses of a
    month come back in 15 ms, where as many rows cost 35 ms and a sort in SQL 40 ms."""
    return (f"SELECT {_array(dialect, 'institution_id')}, "
            f"{_array(dialect, _hours(dialect, 'first_response_at'))} "
            "FROM appeals WHERE first_response_at >= :start AND first_response_at < :end"
            f"{scope}",
            f"SELECT {_array(dialect, _hours(dialect, 'answered_at'))}, "
            f"COALESCE({dialect.count_where(ANSWER_ON_TIME)}, 0) "
            f"FROM appeals WHERE answered_at >= :start AND answered_at < :end{scope}")


def _now_sql(period_scope: str, open_scope: str) -> str:
    ratings = ("FROM appeals WHERE closed_at >= :start AND closed_at < :end "
               f"AND rating IS NOT NULL{period_scope}")
    return (f"SELECT (SELECT COUNT(rating) {ratings}), (SELECT AVG(rating) {ratings}), "
            f"(SELECT COUNT(*) FROM appeals WHERE {OPEN} AND due_at < :now{open_scope})")


def _overdue_sql(open_scope: str) -> str:
    return (f"SELECT * FROM appeals WHERE {OPEN} AND due_at < :now{open_scope} "
            "ORDER BY due_at, id LIMIT :limit")


# The example wording of a question is one index seek (faq_unanswered_example), as in
# FaqStatsRepo.top_unanswered.
FAQ_SQL = (
    "SELECT (SELECT MAX(u.question) FROM faq_unanswered u WHERE u.normalized = t.normalized), "
    "t.n FROM (SELECT normalized, COUNT(*) AS n FROM faq_unanswered "
    "WHERE created_at >= :start AND created_at < :end GROUP BY normalized "
    "ORDER BY n DESC, normalized LIMIT :limit) AS t")


class DashboardRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def figures(self, q: DashboardQuery) -> DashboardRows:
        """Every figure of the dashboard for the period and scope, in one round trip."""
        dialect = self._conn.dialect
        period_scope, names = _scope(q.scope, dialect.unindexed("institution_id"))
        open_scope, _ = _scope(q.scope, "institution_id")
        params: dict[str, Any] = {"start": to_db(q.start), "end": to_db(q.end),
                                  "now": to_db(q.now), **names}
        codes = {f"c{n}": code for n, code in enumerate(q.categories)}
        first_sql, answer_sql = _durations_sql(dialect, period_scope)
        day_sql = _day_sql(dialect, len(q.categories), period_scope)
        statements: list[tuple[str, dict[str, Any]]] = [
            (day_sql, names | codes | {"day": to_db(day), "next": to_db(after),
                                       "now": params["now"]})
            for day, after in pairwise(q.days)]
        statements += [
            (first_sql, params),
            (answer_sql, params),
            (_now_sql(period_scope, open_scope), params),
            (_overdue_sql(open_scope), params | {"limit": OVERDUE_LIST}),
        ]
        if q.with_faq:
            statements.append((FAQ_SQL, {"start": params["start"], "end": params["end"],
                                         "limit": FAQ_TOP}))
        found = await self._conn.batch(statements)
        days, (first, answer, now, overdue, *faq) = (
            found[:len(q.days) - 1], found[len(q.days) - 1:])
        rows = DashboardRows()
        per_institution: dict[str, list[int]] = {}  # id -> [appeals, late]
        for day, result in zip(q.days, days, strict=False):
            total = [0] * (3 + len(_STATUSES) + len(q.categories))  # COUNT(*) onwards
            for row in result.rows:
                values = [int(v or 0) for v in row[2:]]  # SUM over no rows is NULL
                total = [a + b for a, b in zip(total, values, strict=True)]
                counts = per_institution.setdefault(str(row[0]), [0, 0])
                counts[0] += values[0]
                counts[1] += int(row[1] or 0)
            rows.days.append(_day_counts(day, total, q.categories))
        rows.institutions = [InstitutionCounts(inst, appeals, late)
                             for inst, (appeals, late) in sorted(per_institution.items())]
        hours: defaultdict[str, list[float]] = defaultdict(list)
        institutions_of, first_hours = (json.loads(v) for v in first.rows[0])
        for inst, h in zip(institutions_of, first_hours, strict=True):
            hours[inst].append(h)
        rows.first_response_hours = dict(hours)
        rows.answer_hours = json.loads(answer.rows[0][0])
        rows.answered_on_time = int(answer.rows[0][1])
        ratings, mean, overdue_count = now.rows[0]
        rows.ratings, rows.overdue_count = int(ratings), int(overdue_count)
        rows.mean_rating = float(mean) if mean is not None else None
        rows.overdue = [appeal_of_row(row) for row in overdue.rows]
        if faq:
            rows.unanswered = [(str(r[0]), int(r[1])) for r in faq[0].rows]
        return rows


def _day_counts(day: datetime, row: Sequence[Any], categories: Sequence[str]) -> DayCounts:
    values = [int(v or 0) for v in row]  # SUM over no rows is NULL
    statuses = dict(zip(_STATUSES, values[1:], strict=False))
    first_code = 1 + len(_STATUSES)
    counted = dict(zip(categories, values[first_code:], strict=False))
    counted[""] = values[0] - sum(counted.values())
    return DayCounts(day, values[0], statuses, counted, values[-2], values[-1])
