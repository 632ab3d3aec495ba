"""The appeal list of an export: every appeal a queue filter finds (bot/web/queue.py's
parse_filters, storage/web_repo.py's QueueQuery), not one page of it, as a Table.

The rows are read with the queue page's own read (WebRepo.queue, in its deadline order)
batch after batch, all in the one snapshot of the caller's `db.read()`, so the file holds
exactly what the page lists across its pages. Times are in one zone, named in the note
(the file has no place for a zone per cell); the SLA state is the page's
(bot/web/sla.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.appeals.deadlines import DeadlineClock
from bot.reports.table import Cell, Column, ColumnKind, Table
from bot.web.sla import Sla, sla_of
from directory.model import Institution
from storage.records import Appeal
from storage.repositories import Repositories
from storage.web_repo import QueueQuery

BATCH = 1000  # appeals a read

COLUMNS = (
    Column(texts.EXPORT_COL_NUMBER),
    Column(texts.EXPORT_COL_CREATED, ColumnKind.DATETIME),
    Column(texts.EXPORT_COL_INSTITUTION),
    Column(texts.EXPORT_COL_CATEGORY),
    Column(texts.EXPORT_COL_STATUS),
    Column(texts.EXPORT_COL_PLATFORM),
    Column(texts.EXPORT_COL_FIRST_DUE, ColumnKind.DATETIME),
    Column(texts.EXPORT_COL_DUE, ColumnKind.DATETIME),
    Column(texts.EXPORT_COL_FIRST_AT, ColumnKind.DATETIME),
    Column(texts.EXPORT_COL_ANSWERED_AT, ColumnKind.DATETIME),
    Column(texts.EXPORT_COL_SLA),
    Column(texts.EXPORT_COL_RATING, ColumnKind.INT),
)


def period_query(first: date, last: date, now: datetime, tz: ZoneInfo) -> QueueQuery:
    """Every appeal filed from `first` to `last`, both days whole, in the zone `tz`."""
    return QueueQuery(now=now, scope=None, status="all",
                      created_from=datetime.combine(first, time(), tz),
                      created_before=datetime.combine(last + timedelta(days=1), time(), tz))


def sla_text(sla: Sla) -> str:
    """As the queue page shows it: «просрочено (первый ответ)»."""
    shown = texts.WEB_SLA[sla.state]
    if sla.state in ("amber", "red"):
        shown += f" ({texts.WEB_SLA_TARGET[sla.target]})"
    return shown


def appeal_row(appeal: Appeal, inst: Institution | None, deadlines: DeadlineClock,
               now: datetime, tz: ZoneInfo) -> tuple[Cell, ...]:
    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment is not None else None

    return (
        appeal.number,
        local(appeal.created_at),
        inst.display_name if inst is not None else appeal.institution_id,
        texts.CATEGORIES.get(appeal.category, appeal.category),
        texts.STATUSES.get(appeal.status, str(appeal.status)),
        texts.PLATFORM_NAMES.get(appeal.platform, appeal.platform),
        local(appeal.first_response_due),
        local(appeal.due_at),
        local(appeal.first_response_at),
        local(appeal.answered_at),
        sla_text(sla_of(appeal, deadlines, now)),
        appeal.rating,
    )


async def appeal_list(repos: Repositories, q: QueueQuery, deadlines: DeadlineClock, *,
                      tz: ZoneInfo, limit: int | None = None, batch: int = BATCH,
                      progress: Callable[[int], object] | None = None,
                      title: str = texts.EXPORT_APPEALS_TITLE) -> Table:
    """Every appeal `q` finds (its offset and limit are the export's own), at most `limit`
    (the note says when more were found); `progress` hears how many rows each batch added."""
    rows: list[tuple[Cell, ...]] = []
    names: dict[str, Institution] = {}
    cut = False
    while limit is None or len(rows) < limit:
        want = batch if limit is None else min(batch, limit - len(rows))
        found = await repos.web.queue(dataclasses.replace(q, offset=len(rows), limit=want + 1))
        more = len(found) > want
        found = found[:want]
        missing = sorted({a.institution_id for a in found} - names.keys())
        names |= await repos.institutions.get_many(missing)
        rows.extend(appeal_row(a, names.get(a.institution_id), deadlines, q.now, tz)
                    for a in found)
        if progress is not None and found:
            progress(len(found))
        if not more:
            break
        cut = limit is not None and len(rows) >= limit
    notes = [texts.EXPORT_TIMES_IN.format(zone=tz.key)]
    if cut:
        notes.append(texts.EXPORT_CUT.format(limit=limit))
    return Table(title, COLUMNS, rows, note=" ".join(notes))
