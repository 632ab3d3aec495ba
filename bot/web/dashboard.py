"""The dashboard page (issue 17, item 5) and its charts: GET /dashboard?from=&to=&institution=
(the last DEFAULT_DAYS days by default) and GET /dashboard/chart/<name>.svg for the same
query string. Everyone signed in sees the figures of the institutions their queue shows
(Actor.institutions(): operators and region-wide duty staff every one, an admin their
own); `institution` narrows that to one of them, and one outside it is refused.

The figures are read through the read-only reader (bot/reports/dashboard.py); a chart is
drawn in a worker thread (matplotlib is loaded on the first dashboard, not at start)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import texts
from bot.formatting import format_left, format_time
from bot.reports.dashboard import Dashboard, build_dashboard, format_hours, format_share
from bot.web.context import context_of, viewer
from bot.web.render import message_page, render

DEFAULT_DAYS = 30  # the period without ?from= and ?to=: the last 30 days, today included
MAX_DAYS = 366
DROPDOWN_MAX = 500  # more institutions than this: a text field for the id (as the queue)
FIELD_MAX = 100
EXPORT_ROUTE = "/dashboard/export.{format}"
CHARTS_REUSE = timedelta(seconds=60)  # a page's charts draw the figures the page computed


class Recent:
    """The dashboards the pages computed lately, for their charts (three requests more
    per page): a chart reuses the figures of the same scope and period computed within
    CHARTS_REUSE instead of reading them again. The page itself always reads afresh."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._found: OrderedDict[tuple[object, ...], tuple[datetime, Dashboard]] = OrderedDict()

    def put(self, key: tuple[object, ...], now: datetime, dashboard: Dashboard) -> None:
        self._found[key] = (now, dashboard)
        self._found.move_to_end(key)
        while len(self._found) > self._size:
            self._found.popitem(last=False)

    def get(self, key: tuple[object, ...], now: datetime) -> Dashboard | None:
        found = self._found.get(key)
        if found is None or not timedelta(0) <= now - found[0] <= CHARTS_REUSE:
            return None
        return found[1]


RECENT = web.AppKey("medfront_recent_dashboards", Recent)


class BadPeriod(ValueError):
    """What is wrong with ?from= / ?to= (a text of bot/texts)."""


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadPeriod(texts.DASH_BAD_DATE.format(value=value)) from None


def period_of(query: Mapping[str, str], today: date) -> tuple[date, date]:
    """The days first..last the query asks for: ?to= (default today) and ?from= (default
    DEFAULT_DAYS days up to ?to=, both included)."""
    raw_from = query.get("from", "").strip()[:FIELD_MAX]
    raw_to = query.get("to", "").strip()[:FIELD_MAX]
    last = _day(raw_to) if raw_to else today
    first = _day(raw_from) if raw_from else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadPeriod(texts.DASH_BAD_ORDER.format(first=first, last=last))
    if (last - first).days + 1 > MAX_DAYS:
        raise BadPeriod(texts.DASH_TOO_LONG.format(days=MAX_DAYS))
    return first, last


def scope_of(allowed: list[str] | None, institution: str) -> list[str] | None:
    """The institutions shown: what the viewer's queue shows, or the one asked for within
    it (PermissionError: not the viewer's)."""
    if not institution:
        return allowed
    if allowed is not None and institution not in allowed:
        raise PermissionError(institution)
    return [institution]


async def requested_dashboard(request: web.Request, *,
                              reuse: bool = False) -> Dashboard | web.Response:
    """The dashboard the query string asks for within the viewer's scope, or the page that
    refuses it (400: a wrong period, 403: another institution). `reuse`: the figures a
    page computed lately will do (its charts)."""
    ctx = context_of(request)
    tz = ZoneInfo(ctx.appeals.default_timezone)
    now = ctx.clock.now()
    try:
        first, last = period_of(request.query, now.astimezone(tz).date())
    except BadPeriod as exc:
        return message_page(request, str(exc), status=400, title=texts.DASH_TITLE)
    institution = request.query.get("institution", "").strip()[:FIELD_MAX]
    try:
        scope = scope_of(viewer(request).actor.institutions(), institution)
    except PermissionError:
        return message_page(request, texts.WEB_NO_ACCESS, status=403)
    key = (tuple(scope) if scope is not None else None, first, last)
    recent = request.app.get(RECENT)
    if reuse and recent is not None and (found := recent.get(key, now)) is not None:
        return found
    async with ctx.db.read() as reader:
        dashboard = await build_dashboard(reader, scope=scope, first=first, last=last,
                                          now=now, tz=tz)
    if recent is not None:
        recent.put(key, now, dashboard)
    return dashboard


def query_of(dashboard: Dashboard, institution: str) -> str:
    """The query string of this dashboard (the charts' and the exports' addresses)."""
    query = {"from": dashboard.first.isoformat(), "to": dashboard.last.isoformat()}
    if institution:
        query["institution"] = institution
    return urlencode(query)


async def _choices(request: web.Request) -> list[tuple[str, str]] | None:
    """The institutions the form offers (id, name); None: too many, a field for the id."""
    ctx = context_of(request)
    allowed = viewer(request).actor.institutions()
    async with ctx.db.read() as reader:
        if allowed is None:
            if await reader.institutions.count() > DROPDOWN_MAX:
                return None
            found = await reader.institutions.list()
        else:
            found = list((await reader.institutions.get_many(allowed)).values())
    return sorted(((i.id, i.display_name) for i in found), key=lambda pair: pair[1])


async def dashboard_page(request: web.Request) -> web.StreamResponse:
    from bot.reports.charts import ChartName  # matplotlib: on the first dashboard

    found = await requested_dashboard(request)
    if isinstance(found, web.Response):
        return found
    institution = request.query.get("institution", "").strip()[:FIELD_MAX]  # allowed: found
    query = query_of(found, institution)
    timezone = context_of(request).appeals.default_timezone
    alts = {ChartName.PER_DAY: texts.CHART_PER_DAY_ALT,
            ChartName.RESPONSE_TIME: texts.CHART_RESPONSE_ALT,
            ChartName.OVERDUE: texts.CHART_OVERDUE_ALT}
    context: dict[str, Any] = {
        "d": found, "institution": institution, "choices": await _choices(request),
        "charts": [(f"/dashboard/chart/{name}.svg?{query}", alts[name]) for name in ChartName],
        "query": query, "hours": format_hours, "share": format_share,
        "when": lambda moment: format_time(moment, timezone), "late_by": format_left,
        "default_days": DEFAULT_DAYS,
    }
    return render(request, "dashboard.html", title=texts.DASH_TITLE, **context)


async def chart(request: web.Request) -> web.StreamResponse:
    from bot.reports.charts import ChartName, chart_svg

    try:
        name = ChartName(request.match_info["name"])
    except ValueError:
        return message_page(request, texts.WEB_NOT_FOUND, status=404)
    found = await requested_dashboard(request, reuse=True)
    if isinstance(found, web.Response):
        return found
    body = await asyncio.to_thread(chart_svg, found, name)
    return web.Response(body=body, content_type="image/svg+xml")
