"""The queue page: every appeal the signed-in person may see (the chat's rules), with
filters, search, SLA states, in deadline order, 50 a page. Read through the database's
read-only reader, like the chat's /queue and /stats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import texts
from bot.formatting import format_time
from bot.web.context import WebContext, context_of, viewer
from bot.web.render import message_page, render
from bot.web.sla import Sla, sla_of
from directory.model import Institution
from storage.records import Appeal, Platform
from storage.web_repo import QUEUE_STATUSES, SEARCH_CANDIDATES, STATUSES, QueueQuery

PAGE_SIZE = 50
COUNT_CAP = 10_000  # counted up to this; beyond, the page says "more than"
DEFAULT_DAYS = 30  # the period of the closed/answered/all views when none is given
DROPDOWN_MAX = 500  # more institutions than this: a text field for the id instead
SEARCH_MAX = 200
_NUMBER = re.compile(r"^(\d{4})-(\d{1,9})$")


class BadFilter(ValueError):
    """A filter value the page does not offer (the field's name)."""


@dataclass(frozen=True, slots=True)
class Row:
    appeal: Appeal
    institution: str
    category: str
    status: str
    first_due: str
    due: str
    sla: Sla
    sla_text: str


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(field) from None


def search_terms(text: str) -> tuple[str | None, int | None, str | None]:
    """(FTS5 expression, appeal id, whole number) of what was typed: a number with its
    year is that appeal; digits are an appeal's id (and words too); words are prefixes,
    all of them in the text or in one answer."""
    text = text.strip()[:SEARCH_MAX]
    if found := _NUMBER.match(text):
        return None, None, f"{found[1]}-{int(found[2]):06d}"
    # words as FTS5's unicode61 splits them (letters and digits; '_' parts two): each term
    # one token, never a phrase, which the indexes (detail=none, migration 0020) cannot answer
    words = re.findall(r"[^\W_]+", text)[:8]
    match = " ".join(f'"{word}"*' for word in words) or None
    appeal_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    return match, appeal_id, None


def parse_filters(query: dict[str, str], scope: list[str] | None, now: datetime,
                  timezone: str) -> tuple[QueueQuery, dict[str, str]]:
    """The QueueQuery of the page's query string, and the form's values as shown."""
    shown = {name: query.get(name, "").strip()[:SEARCH_MAX] for name in (
        "status", "institution", "category", "platform", "from", "to", "q", "overdue",
        "due24", "page")}
    status = shown["status"] or ("all" if shown["q"] else "queue")  # a search: everything
    if status not in STATUSES:
        raise BadFilter(texts.WEB_FILTER_STATUS)
    shown["status"] = status
    institution = shown["institution"] or None
    if institution is not None and scope is not None and institution not in scope:
        raise PermissionError(institution)
    category = shown["category"] or None
    if category is not None and category not in texts.CATEGORIES:
        raise BadFilter(texts.WEB_FILTER_CATEGORY)
    platform = shown["platform"] or None
    if platform is not None and platform not in {str(p) for p in Platform}:
        raise BadFilter(texts.WEB_FILTER_PLATFORM)
    match, appeal_id, number = search_terms(shown["q"])
    overdue, due_soon = shown["overdue"] == "1", shown["due24"] == "1"
    start, end = _date(shown["from"], texts.WEB_FILTER_FROM), _date(shown["to"], texts.WEB_FILTER_TO)
    searching = match is not None or appeal_id is not None or number is not None
    if (start is None and end is None and status not in QUEUE_STATUSES and not searching
            and not overdue and not due_soon):
        # the whole history is no view to read page by page: the recent month by default
        start = (now.astimezone(ZoneInfo(timezone)) - timedelta(days=DEFAULT_DAYS)).date()
        shown["from"] = start.isoformat()
    zone = ZoneInfo(timezone)
    page = int(shown["page"]) if shown["page"].isdigit() and 0 < len(shown["page"]) < 6 else 1
    shown["page"] = str(page)
    q = QueueQuery(
        now=now, scope=scope, status=status, institution=institution, category=category,
        platform=platform,
        created_from=datetime.combine(start, time(), zone) if start else None,
        created_before=datetime.combine(end + timedelta(days=1), time(), zone) if end else None,
        overdue=overdue, due_before=now + timedelta(hours=24) if due_soon else None,
        match=match, appeal_id=appeal_id, number=number,
        offset=(max(page, 1) - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return q, shown


def rows_of(ctx: WebContext, appeals: list[Appeal], institutions: dict[str, Institution],
            now: datetime) -> list[Row]:
    rows = []
    for appeal in appeals:
        inst = institutions.get(appeal.institution_id)
        tz = ctx.appeals.timezone_of(inst)
        sla = sla_of(appeal, ctx.appeals.clock_of(inst), now)  # its region's ladder
        rows.append(Row(
            appeal, inst.display_name if inst else appeal.institution_id,
            texts.CATEGORIES.get(appeal.category, appeal.category),
            texts.STATUSES.get(appeal.status, appeal.status),
            format_time(appeal.first_response_due, tz), format_time(appeal.due_at, tz), sla,
            texts.WEB_SLA[sla.state] + (f" ({texts.WEB_SLA_TARGET[sla.target]})"
                                        if sla.state in ("amber", "red") else "")))
    return rows


async def queue_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    who = viewer(request)
    scope = who.actor.institutions()
    now = ctx.clock.now()
    try:
        q, shown = parse_filters(dict(request.query), scope, now, ctx.appeals.default_timezone)
    except BadFilter as exc:
        return message_page(request, texts.WEB_BAD_FILTER.format(field=exc), status=400)
    except PermissionError:
        return message_page(request, texts.WEB_NO_ACCESS, status=403)
    async with ctx.db.read() as reader:
        found = await reader.web.queue(q)
        count = await reader.web.queue_count(q, COUNT_CAP + 1)
        page_rows, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
        names = await reader.institutions.get_many(sorted({a.institution_id for a in page_rows}))
        if scope is None:
            total = await reader.institutions.count()
            choices = await reader.institutions.list() if total <= DROPDOWN_MAX else None
        else:
            choices = [i for i in (await reader.institutions.get_many(scope)).values()]
    page = int(shown["page"])
    return render(
        request, "queue.html", title=texts.WEB_QUEUE_TITLE, shown=shown,
        rows=rows_of(ctx, page_rows, names, now),
        count=(texts.WEB_QUEUE_FOUND_MORE.format(count=COUNT_CAP) if count > COUNT_CAP
               else texts.WEB_QUEUE_FOUND.format(count=count)),
        search_newest=(texts.WEB_SEARCH_NEWEST.format(count=f"{SEARCH_CANDIDATES:,}".replace(
            ",", "\u00a0")) if q.match is not None and count > COUNT_CAP else None),
        institutions=sorted(choices, key=lambda i: i.display_name) if choices is not None else None,
        platforms=[str(p) for p in Platform], page=page,
        prev_url=str(request.rel_url.update_query(page=page - 1)) if page > 1 else None,
        next_url=str(request.rel_url.update_query(page=page + 1)) if more else None,
        default_days=DEFAULT_DAYS, done=texts.WEB_DONE.get(request.query.get("done", "")))
