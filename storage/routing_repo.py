"""Routing (issue 18): a citizen's recent open appeals (to link a repeat of one), and the
ministry's figures on where appeals went: redirects, suggestions taken, repeats linked.
Each figure reads a date-bounded partial index (migration 0014), never the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.appeals_repo import appeal_of_row
from storage.records import OPEN_STATUSES, Appeal, SuggestionOutcome, from_db, to_db
from storage.sql_port import SqlSession

_OPEN = ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES))


@dataclass(frozen=True, slots=True)
class RoutingFigures:
    """A period's routing, as read: the report (bot/dialog/routing_report.py) words it."""

    filed: int = 0
    redirects: int = 0
    redirected_appeals: int = 0
    pairs: list[tuple[str, str, int]] = field(default_factory=list)  # from, to, count
    lost_seconds: list[float] = field(default_factory=list)  # filing to each redirect
    late: int = 0  # redirects after the 7 days 59-FZ allows (the event's `late` mark)
    suggested: int = 0
    accepted: int = 0
    kept: int = 0
    kept_then_sent_there: int = 0  # kept their choice; later redirected where suggested
    accepted_then_moved: int = 0  # took the suggestion; later redirected elsewhere
    repeats: int = 0


class RoutingRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def before_filing(self, citizen_id: int, institution_id: str, day: datetime,
                            week: datetime) -> tuple[int, list[Appeal]]:
        """In one trip: how many appeals the citizen filed since `day` (the daily limit),
        and their open appeals to the institution filed since `week` (a repeat of one is
        linked to it), newest first."""
        plain = self._conn.dialect.unindexed
        filed, recent = await self._conn.batch([
            ("SELECT COUNT(*) FROM appeals WHERE citizen_id = ? AND created_at >= ?",
             (citizen_id, to_db(day))),
            (f"SELECT * FROM appeals WHERE citizen_id = ? AND {plain('institution_id')} = ? "
             f"AND {plain('created_at')} >= ? AND {plain('status')} IN ({_OPEN}) "
             "ORDER BY id DESC LIMIT 20",
             (citizen_id, institution_id, to_db(week))),
        ])
        return int(filed.rows[0][0]), [appeal_of_row(row) for row in recent.rows]

    async def figures(self, since: datetime, until: datetime) -> RoutingFigures:
        """Everything the routing report shows for [since, until], in one round trip."""
        span = (to_db(since), to_db(until))
        period = "created_at >= ? AND created_at <= ?"
        dialect = self._conn.dialect
        moves, lost, suggested, totals = await self._conn.batch([
            (f"SELECT {dialect.json_text('detail', 'from_institution')}, "
             f"{dialect.json_text('detail', 'to_institution')}, COUNT(*) FROM appeal_events "
             f"WHERE kind = 'redirected' AND {period} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
             span),
            ("SELECT e.created_at, a.created_at, e.appeal_id, "
             f"{dialect.json_text('e.detail', 'late')} IS NOT NULL FROM appeal_events AS e "
             "JOIN appeals AS a ON a.id = e.appeal_id "
             f"WHERE e.kind = 'redirected' AND e.{period.replace('AND ', 'AND e.')}", span),
            ("SELECT suggestion, COUNT(*), "
             f"{dialect.count_where('institution_id = suggested_institution_id')}, "
             f"{dialect.count_where('institution_id != suggested_institution_id')} FROM appeals "
             f"WHERE suggestion IS NOT NULL AND {period} GROUP BY suggestion", span),
            (f"SELECT (SELECT COUNT(*) FROM appeals WHERE {period}), "
             f"(SELECT COUNT(*) FROM appeal_events WHERE kind = 'repeated' AND {period})",
             span + span),
        ])
        pairs = [(str(a or ""), str(b or ""), int(n)) for a, b, n in moves.rows]
        lost_rows = [(from_db(r[0]), from_db(r[1]), r[2]) for r in lost.rows]
        late = sum(1 for r in lost.rows if r[3])
        by_outcome = {SuggestionOutcome(r[0]): (int(r[1]), int(r[2] or 0), int(r[3] or 0))
                      for r in suggested.rows}
        accepted = by_outcome.get(SuggestionOutcome.ACCEPTED, (0, 0, 0))
        kept = by_outcome.get(SuggestionOutcome.KEPT, (0, 0, 0))
        filed, repeats = totals.rows[0]
        return RoutingFigures(
            filed=int(filed), redirects=sum(n for _, _, n in pairs),
            redirected_appeals=len({appeal for _, _, appeal in lost_rows}), pairs=pairs,
            lost_seconds=[(at - filed_at).total_seconds() for at, filed_at, _ in lost_rows
                          if at is not None and filed_at is not None], late=late,
            suggested=accepted[0] + kept[0], accepted=accepted[0], kept=kept[0],
            kept_then_sent_there=kept[1], accepted_then_moved=accepted[2],
            repeats=int(repeats))

