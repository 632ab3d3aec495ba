"""The web console at scale (issue 17): with 1,000,000 stored appeals (the growth
benchmark's cached database), the queue page with filters and the dashboard for a month
render in under 300 ms server time.

Each page is requested through aiohttp's test client over loopback, signed in as the
growth database's operator and as one institution's admin. Server time is measured by a
middleware around the page's handler (everything the server does for the page: the
session check, the reads, the template); the request time beside it adds the loopback
and the client. Also timed: building the full-text indexes of migration 0016 on that
database (what upgrading a deployment of that size costs once).

    python -m benchmarks web                        # 1M (filled once, cached: see growth)
    BENCH_WEB_SIZES=100000 python -m benchmarks web
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from benchmarks.growth_fill import ADMIN0, NOW, OPERATOR, growth_settings, working_copy
from bot.app import App, build_app
from bot.clock import FixedClock
from bot.web import links
from bot.web.app import make_web_app
from bot.web.context import WebContext
from storage.web_repo import WebGrant

SIZES = [int(n) for n in os.environ.get("BENCH_WEB_SIZES", "1000000").split(",") if n]
RUNS = int(os.environ.get("BENCH_WEB_RUNS", "7"))
TARGET_MS = 300.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _pages(admin_institution: str, word: str) -> list[tuple[str, str, str]]:
    month_ago = (NOW - timedelta(days=30)).date().isoformat()
    today = NOW.date().isoformat()
    return [
        ("operator", "queue (default: open, by deadline)", "/queue"),
        ("operator", "queue: institution + in progress", f"/queue?institution={admin_institution}"
                                                          "&status=in_progress"),
        ("operator", "queue: overdue", "/queue?overdue=1"),
        ("operator", "queue: due within 24 h", "/queue?due24=1"),
        ("operator", "queue: closed, a month, telegram",
         f"/queue?status=closed&from={month_ago}&to={today}&platform=telegram"),
        ("operator", "queue: all, a month, page 3", f"/queue?status=all&from={month_ago}"
                                                    f"&to={today}&page=3"),
        ("operator", f"queue: search «{word}»", f"/queue?status=all&q={word}"),
        ("operator", "queue: search a number", "/queue?status=all&q=2026-000123"),
        ("admin", "queue (admin, own institution)", "/queue"),
        ("admin", "queue (admin): all, a month", f"/queue?status=all&from={month_ago}&to={today}"),
        ("operator", "dashboard: a month", f"/dashboard?from={month_ago}&to={today}"),
        ("operator", "dashboard chart: per day (svg)",
         f"/dashboard/chart/per_day.svg?from={month_ago}&to={today}"),
        ("admin", "dashboard (admin): a month", f"/dashboard?from={month_ago}&to={today}"),
    ]


def _timing_middleware(samples: list[float]) -> Any:
    @web.middleware
    async def timing(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            samples.append(time.perf_counter() - started)
    return timing


async def _signed_in(client: TestClient[Any, Any], app: App, grant: WebGrant) -> None:
    async with app.db.unit() as repos:
        token = await links.issue_link(repos, grant, app.clock.now())
    page = await client.get(f"/signin/{token}")
    nonce = re.search(r'name="nonce" value="([^"]+)"', await page.text())
    assert nonce is not None, "the sign-in page has no nonce"
    done = await client.post(f"/signin/{token}", data={"nonce": nonce[1]})
    assert done.status == 200, await done.text()


async def _user_id(app: App, platform_user_id: str) -> int:
    async with app.db.unit() as repos:
        user = await repos.people.find_user("telegram", platform_user_id)
    assert user is not None, platform_user_id
    return user.id


async def _measure(path: Path, workdir: Path, institution: str) -> dict[str, tuple[list[float], list[float], int]]:
    app = await build_app(growth_settings(path, workdir), FixedClock(NOW))
    server_times: list[float] = []
    out: dict[str, tuple[list[float], list[float], int]] = {}
    try:
        webapp = make_web_app(WebContext(app.db, app.clock, app.appeals, app.directory,
                                         lambda: None, "http://127.0.0.1"))
        webapp.middlewares.insert(0, _timing_middleware(server_times))
        clients: dict[str, TestClient[Any, Any]] = {}
        grants = {"operator": WebGrant(await _user_id(app, str(OPERATOR)), "operator", None),
                  "admin": WebGrant(await _user_id(app, str(ADMIN0)), "admin", institution)}
        for role, grant in grants.items():
            clients[role] = TestClient(TestServer(webapp) if not clients else
                                       clients["operator"].server)
            if role == "operator":
                await clients[role].start_server()
            await _signed_in(clients[role], app, grant)
        for role, name, url in _pages(institution, "врач"):
            client = clients[role]
            status = 0
            request_times, served = [], []
            for n in range(RUNS + 1):  # the first: warm (templates, caches)
                server_times.clear()
                started = time.perf_counter()
                response = await client.get(url)
                await response.read()
                elapsed = time.perf_counter() - started
                status = response.status
                if n:
                    request_times.append(elapsed)
                    served.append(sum(server_times))
            out[f"{role:<8} {name}"] = (served, request_times, status)
        for client in clients.values():
            with contextlib.suppress(Exception):
                await client.session.close()
        await clients["operator"].server.close()
    finally:
        await app.close()
    return out


def _fts_build(path: Path) -> float:
    """Migration 0016's full-text indexes built again on the filled database."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for name in ("appeals_fts", "answers_fts"):
            conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.commit()
        started = time.perf_counter()
        conn.execute("CREATE VIRTUAL TABLE appeals_fts USING fts5(text, content = 'appeals', "
                     "content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO appeals_fts (appeals_fts) VALUES ('rebuild')")
        conn.execute("CREATE VIRTUAL TABLE answers_fts USING fts5(text, content = "
                     "'appeal_messages', content_rowid = 'id', "
                     "tokenize = 'unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO answers_fts (rowid, text) SELECT id, text FROM appeal_messages "
                     "WHERE kind = 'staff'")
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    print(f"sizes: {SIZES}, runs per page: {RUNS} (after one warm-up), "
          f"target: server time < {TARGET_MS:.0f} ms at 1M")
    for size in SIZES:
        with working_copy(size) as (work, workdir, meta):
            out = asyncio.run(_measure(work, workdir, meta["inboxes"][0]))
            fts_s = _fts_build(work)
        counts = meta["counts"]
        print(f"\n{size:,} appeals ({counts['in_progress'] + counts['new']:,} open, "
              f"{counts['overdue']:,} overdue)")
        print(f"  {'page':<50} {'server median':>13} {'worst':>8} {'request':>9}   target")
        for name, (served, requested, status) in out.items():
            med, worst = statistics.median(served) * 1000, max(served) * 1000
            req = statistics.median(requested) * 1000
            ok = "ok" if worst < TARGET_MS and status == 200 else "over"
            if status != 200:
                ok = f"HTTP {status}"
            print(f"  {name:<50} {med:10.1f} ms {worst:6.1f} ms {req:6.1f} ms   "
                  f"< {TARGET_MS:.0f} ms  {ok}")
        print(f"  migration 0016's full-text indexes built over {size:,} appeals: {fts_s:.1f} s "
              "(once, at the upgrade)")
