"""Downloads of the console (issue 17, item 7): the filtered appeal list and the dashboard
as XLSX or CSV.

- GET /queue/export.xlsx|csv takes the queue page's query string and the viewer's scope
  (bot/web/queue.py parse_filters: a filter outside the scope is refused as on the page)
  and gives every appeal the filter finds, not one page, up to EXPORT_LIMIT.
- GET /dashboard/export.xlsx|csv takes the dashboard page's query string (?from=&to=,
  ?institution=) and scope (bot/web/dashboard.py requested_dashboard) and gives its
  tables (Dashboard.tables()), a sheet each.

Rows are read through the read-only reader; the file is written in a worker thread, so
the console keeps answering while a long list is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import texts
from bot.reports.appeal_list import appeal_list
from bot.reports.csv_file import csv_bytes
from bot.reports.table import Table
from bot.reports.xlsx import xlsx_bytes
from bot.web.context import context_of, viewer
from bot.web.dashboard import requested_dashboard
from bot.web.queue import BadFilter, parse_filters
from bot.web.render import message_page

EXPORT_LIMIT = 200_000  # appeals in one download; past it, the file's note says so


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


CONTENT_TYPES = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.CSV: "text/csv",
}
WRITERS: dict[Format, Callable[[Sequence[Table]], bytes]] = {
    Format.XLSX: xlsx_bytes, Format.CSV: csv_bytes}


def _format(request: web.Request) -> Format:
    try:
        return Format(request.match_info["format"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def file_response(tables: Sequence[Table], fmt: Format, stem: str) -> web.Response:
    """The tables as a download named `stem`.xlsx|csv (written off the event loop)."""
    body = await asyncio.to_thread(WRITERS[fmt], tables)
    response = web.Response(body=body, content_type=CONTENT_TYPES[fmt],
                            charset="utf-8" if fmt == Format.CSV else None)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def _today(now: datetime, timezone: str) -> str:
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()


async def queue_export(request: web.Request) -> web.StreamResponse:
    fmt = _format(request)
    ctx = context_of(request)
    scope = viewer(request).actor.institutions()
    now = ctx.clock.now()
    zone = ctx.appeals.default_timezone
    try:
        q, _ = parse_filters(dict(request.query), scope, now, zone)
    except BadFilter as exc:
        return message_page(request, texts.WEB_BAD_FILTER.format(field=exc), status=400)
    except PermissionError:
        return message_page(request, texts.WEB_NO_ACCESS, status=403)
    async with ctx.db.read() as reader:
        table = await appeal_list(reader, q, ctx.appeals.deadlines, tz=ZoneInfo(zone),
                                  limit=EXPORT_LIMIT)
    return await file_response([table], fmt, texts.EXPORT_FILE_QUEUE.format(day=_today(now, zone)))


async def dashboard_export(request: web.Request) -> web.StreamResponse:
    fmt = _format(request)
    found = await requested_dashboard(request)
    if isinstance(found, web.Response):  # a wrong period, another institution
        return found
    stem = texts.EXPORT_FILE_DASHBOARD.format(first=found.first, last=found.last)
    return await file_response(found.tables(), fmt, stem)
