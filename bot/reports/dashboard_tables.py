"""The dashboard as export tables (bot/reports/table.py): what the XLSX and CSV writers,
`python -m bot report` and the weekly report write of a Dashboard. Numbers stay numbers
(hours as HOURS, shares 0..1 as PERCENT); times are in the dashboard's time zone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import texts
from bot.reports.table import Cell, Column, ColumnKind, Table

if TYPE_CHECKING:
    from bot.reports.dashboard import Dashboard

_SUMMARY_KINDS = {
    "first": ColumnKind.DATE, "last": ColumnKind.DATE, "scope": ColumnKind.TEXT,
    "first_median": ColumnKind.HOURS, "first_p90": ColumnKind.HOURS,
    "answer_median": ColumnKind.HOURS, "answer_p90": ColumnKind.HOURS,
    "on_time_share": ColumnKind.PERCENT, "mean_rating": ColumnKind.FLOAT,
    "not_solved_share": ColumnKind.PERCENT,
}


def _summary(d: Dashboard) -> Table:
    values: dict[str, Cell] = {
        "first": d.first, "last": d.last,
        "scope": ", ".join(d.scope_names) if d.scope is not None else texts.DASH_SCOPE_ALL,
        "filed": d.filed, "late": d.late,
        "first_responses": d.first_response.count, "first_median": d.first_response.median,
        "first_p90": d.first_response.p90, "answers": d.answer.count,
        "answer_median": d.answer.median, "answer_p90": d.answer.p90,
        "on_time": d.answered_on_time, "on_time_share": d.on_time_share,
        "ratings": d.ratings, "mean_rating": d.mean_rating, "replied": d.replied,
        "not_solved": d.not_solved, "not_solved_share": d.not_solved_share,
        "overdue_now": d.overdue_count,
    }
    columns = [Column(title, _SUMMARY_KINDS.get(key, ColumnKind.INT))
               for key, title in texts.DASH_SUMMARY_COLUMNS.items()]
    return Table(texts.DASH_TABLE_SUMMARY, columns,
                 [[values[key] for key in texts.DASH_SUMMARY_COLUMNS]],
                 note=texts.DASH_TABLE_NOTE_TIMES)


def dashboard_tables(d: Dashboard) -> list[Table]:
    appeals = Column(texts.DASH_COL_APPEALS, ColumnKind.INT)
    tables = [
        _summary(d),
        Table(texts.DASH_TABLE_BY_STATUS, [Column(texts.DASH_COL_STATUS), appeals],
              [[c.title, c.appeals] for c in d.by_status], note=texts.DASH_NOTE_FILED),
        Table(texts.DASH_TABLE_BY_CATEGORY, [Column(texts.DASH_COL_CATEGORY), appeals],
              [[c.title, c.appeals] for c in d.by_category], note=texts.DASH_NOTE_FILED),
        Table(texts.DASH_TABLE_BY_INSTITUTION, [
            Column(texts.DASH_COL_INSTITUTION), Column(texts.DASH_COL_INSTITUTION_ID),
            appeals, Column(texts.DASH_COL_LATE, ColumnKind.INT),
            Column(texts.DASH_COL_LATE_SHARE, ColumnKind.PERCENT),
            Column(texts.DASH_COL_MEDIAN_FIRST, ColumnKind.HOURS),
            Column(texts.DASH_COL_RANK, ColumnKind.INT)],
            [[i.name, i.institution_id, i.appeals, i.late, i.late_share,
              i.median_first_response, i.rank] for i in d.institutions],
            note=texts.DASH_TABLE_NOTE_RANK.format(min=d.rank_min)),
        Table(texts.DASH_TABLE_OVERDUE, [
            Column(texts.DASH_COL_NUMBER), Column(texts.DASH_COL_INSTITUTION),
            Column(texts.DASH_COL_CATEGORY), Column(texts.DASH_COL_STATUS),
            Column(texts.DASH_COL_FILED, ColumnKind.DATETIME),
            Column(texts.DASH_COL_DUE, ColumnKind.DATETIME),
            Column(texts.DASH_COL_OVERDUE_HOURS, ColumnKind.HOURS)],
            [[a.number, a.institution, a.category, a.status, a.created_at, a.due_at,
              a.overdue.total_seconds() / 3600] for a in d.overdue],
            note=texts.DASH_OVERDUE_NOTE.format(count=d.overdue_count, limit=len(d.overdue))),
    ]
    if d.unanswered is not None:
        tables.append(Table(texts.DASH_TABLE_FAQ, [
            Column(texts.DASH_COL_QUESTION), Column(texts.DASH_COL_ASKED, ColumnKind.INT)],
            [[question, asked] for question, asked in d.unanswered], note=texts.DASH_FAQ_NOTE))
    return tables

