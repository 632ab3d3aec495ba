"""The bot at 10k, 100k and 1M stored appeals: every staff query and report through the
app's own code paths, a citizen's p99 while an operator report runs in a loop, and the
database's bytes per closed appeal after the retention job.

The databases are filled with plain sqlite3 executemany into the real schema (made by
build_app, so Database.open's migrations, the directory and the staff come from the bot):
most appeals closed over four years, some answered, open and overdue ones in the last
month, each with its events, thread, the outbox rows a filing, an answer and the card
edits write (payloads taken from a real filing through Dialog.handle) and its seen
updates; FAQ questions and feedback; several institutions with an admin's inbox, the rest
going to the operator. They are cached in benchmarks/.cache/ keyed by size, schema
version and the fill's version; each run works on a copy.

Timed (median and worst of BENCH_GROWTH_RUNS runs): operator /queue /stats /gaps /faqstats
and admin /queue /stats as Dialog.handle turns; the morning, unreceived and handoff
digests; the reminder tick with 1% of the open appeals due (one unit of work, and the
catch-up over all of them); the retention job (once).
Targets at 1M: every staff query <= 50 ms, citizen p99 while reports run <= 2x unloaded,
<= 3 KB per closed appeal after retention.

    python -m benchmarks growth                               # 10k, 100k, 1M
    BENCH_GROWTH_SIZES=10000,100000 python -m benchmarks growth
    BENCH_GROWTH_RETENTION=0 ...      # without the retention job and the bytes
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_core import SCRIPT
from benchmarks.growth_fill import (
    ADMIN0,
    NOW,
    OPERATOR,
    db_stamp,
    growth_settings,
    working_copy,
)
from bot.app import App, build_app
from bot.appeals.reminders import TICK_BATCH
from bot.clock import FixedClock
from bot.dialog.types import Incoming
from bot.heap import settle
from bot.scheduler import reminder_job, retention_job

SIZES = [int(n) for n in os.environ.get("BENCH_GROWTH_SIZES", "10000,100000,1000000").split(",") if n]
RUNS = int(os.environ.get("BENCH_GROWTH_RUNS", "5"))
CITIZENS = int(os.environ.get("BENCH_GROWTH_CITIZENS", "20"))  # filing at once, per phase
# 0: no retention job and no bytes (the first catch-up over 1M appeals takes half an hour)
RETENTION = os.environ.get("BENCH_GROWTH_RETENTION", "1") != "0"
HANDOFF_AT = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)  # Friday 17:30: the handoff
TARGET_QUERY_MS = 50.0
TARGET_LOADED = 2.0
TARGET_BYTES = 3 * 1024
STAFF_COMMANDS = [("operator", "/queue"), ("operator", "/stats"), ("operator", "/gaps"),
                  ("operator", "/faqstats"), ("admin", "/queue"), ("admin", "/stats")]





def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def _handle(app: App, who: str, text: str | None = None, payload: str | None = None,
                  chat: str | None = None) -> float:
    chat = chat or who
    started = time.perf_counter()
    replies = await app.dialog.handle(Incoming(platform="telegram", chat_id=chat, user_id=chat,
                                               text=text or "", payload=payload))
    elapsed = time.perf_counter() - started
    assert replies, (who, text, payload)
    return elapsed


async def _citizens(app: App, first: int) -> list[float]:
    """CITIZENS citizens filing an appeal each, all at once: every message's latency."""
    latencies: list[float] = []

    async def citizen(n: int) -> None:
        for step in SCRIPT:
            latencies.append(await _handle(app, "citizen", chat=str(first + n), **step))

    await asyncio.gather(*(citizen(n) for n in range(CITIZENS)))
    return latencies


def _side(path: Path, sql: str, params: Any = ()) -> None:
    """A statement from outside the app (resetting what a timed job changed)."""
    with contextlib.closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as conn:
        if isinstance(params, list):
            conn.executemany(sql, params)
        else:
            conn.execute(sql, params)


def _space(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        tables: dict[str, int] = {}
        with contextlib.suppress(sqlite3.Error):  # dbstat is a compile-time option
            for name, size in conn.execute(
                    "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"):
                tables[name] = size
    return {"file": path.stat().st_size, "used": (pages - free) * page, "tables": tables}


def _progress(size: int, what: str) -> None:
    print(f"  [{size:,}] {time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


async def _measure(size: int, path: Path, meta: dict[str, Any], workdir: Path) -> dict[str, Any]:
    clock = FixedClock(NOW)
    _progress(size, "opening the database (PRAGMA quick_check at open)")
    app = await build_app(growth_settings(path, workdir), clock)
    _progress(size, "staff queries and digests")
    out: dict[str, Any] = {"timings": {}}
    try:
        who = {"operator": str(OPERATOR), "admin": str(ADMIN0)}
        # warm: the lemmatiser, the caches, the first page reads; the heap as run_bot does
        await _citizens(app, 500_000)
        settle()
        for role, command in STAFF_COMMANDS:
            await _handle(app, who[role], command)
        for role, command in STAFF_COMMANDS:
            out["timings"][f"{role} {command}"] = [
                await _handle(app, who[role], command) for _ in range(RUNS)]

        async def timed(name: str, job: Any, reset: Any = None) -> None:
            times = []
            for _ in range(RUNS):
                if reset is not None:
                    reset()
                started = time.perf_counter()
                await job()
                times.append(time.perf_counter() - started)
            out["timings"][name] = times

        def no_digests() -> None:
            _side(path, "DELETE FROM digest_log")

        await timed("digest: morning (each inbox)", app.digests.morning, no_digests)
        await timed("digest: unreceived (operators)", app.digests.unreceived, no_digests)
        clock.moment = HANDOFF_AT
        await timed("digest: handoff (duty)", app.digests.handoff, no_digests)
        clock.moment = NOW
        due = meta["due_ids"]
        stamp = db_stamp(NOW - timedelta(minutes=1))

        def due_again() -> None:
            _side(path, "UPDATE appeals SET next_reminder_at = ?, reminder_stage = 0 "
                        "WHERE id = ?", [(stamp, i) for i in due])

        await timed(f"reminder tick: one unit ({min(len(due), TICK_BATCH)} of {len(due)} due)",
                    app.reminders.tick, due_again)
        await timed(f"reminders: all {len(due)} due, unit by unit",
                    lambda: reminder_job(app), due_again)

        # a citizen's messages alone, then while an operator report runs in a loop
        _progress(size, "citizens alone, then beside operator reports")
        out["unloaded"] = await _citizens(app, 600_000)
        stop = asyncio.Event()
        reports = 0

        async def report_loop() -> None:
            nonlocal reports
            commands = [c for r, c in STAFF_COMMANDS if r == "operator"]
            while not stop.is_set():
                await _handle(app, who["operator"], commands[reports % len(commands)])
                reports += 1

        loop_task = asyncio.create_task(report_loop())
        await asyncio.sleep(0)
        out["loaded"] = await _citizens(app, 700_000)
        stop.set()
        await loop_task
        out["reports_in_loop"] = reports

        if not RETENTION:
            return out
        _progress(size, "the retention job")
        out["before"] = _space(path)
        started = time.perf_counter()
        await retention_job(app)
        out["timings"]["retention job (once)"] = [time.perf_counter() - started]
    finally:
        await app.close()
    out["after"] = _space(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("VACUUM")
    out["vacuumed"] = path.stat().st_size
    return out


def _report(size: int, meta: dict[str, Any], out: dict[str, Any]) -> None:
    counts = meta["counts"]
    print(f"\n{size:,} appeals ({counts['closed']:,} closed, {counts['answered']:,} answered, "
          f"{counts['in_progress'] + counts['new']:,} open of which {counts['overdue']:,} "
          f"overdue; filled in {meta['fill_s']:.0f} s, cached)")
    print(f"  {'query / report':<34} {'median':>9} {'worst':>9}   target")
    for name, times in out["timings"].items():
        med, worst = statistics.median(times) * 1000, max(times) * 1000
        staff = name.startswith(("operator", "admin", "digest", "reminder tick"))
        mark = ""
        if staff:
            mark = f"<= {TARGET_QUERY_MS:.0f} ms at 1M" + (
                "  ok" if worst <= TARGET_QUERY_MS else "  over")
        print(f"  {name:<34} {med:7.1f} ms {worst:7.1f} ms   {mark}")
    unloaded, loaded = _percentile(out["unloaded"], 0.99), _percentile(out["loaded"], 0.99)
    ratio = loaded / unloaded if unloaded else 0.0
    print(f"  citizen p99 ({CITIZENS} filing at once): unloaded {unloaded * 1000:.1f} ms, "
          f"while operator reports run {loaded * 1000:.1f} ms ({out['reports_in_loop']} reports)"
          f" = {ratio:.2f}x   target <= {TARGET_LOADED:.0f}x at 1M"
          + ("  ok" if ratio <= TARGET_LOADED else "  over"))
    closed = counts["closed"]
    if "after" not in out:
        print("  retention job and bytes per appeal: not run (BENCH_GROWTH_RETENTION=0)")
        return
    before, after = out["before"], out["after"]
    print(f"  database: {before['file'] / 2**20:.1f} MiB before retention "
          f"({before['file'] / closed:,.0f} B per closed appeal); after the retention job "
          f"{after['file'] / 2**20:.1f} MiB file, {after['used'] / 2**20:.1f} MiB in use "
          f"({after['used'] / closed:,.0f} B per closed appeal; "
          f"{out['vacuumed'] / closed:,.0f} B after VACUUM)   target <= {TARGET_BYTES:,} B at 1M"
          + ("  ok" if after["used"] / closed <= TARGET_BYTES else "  over"))
    if after["tables"]:
        top = list(after["tables"].items())[:6]
        print("  largest after retention: " + ", ".join(
            f"{name} {b / closed:,.0f} B" for name, b in top) + " (per closed appeal)")


def main() -> None:
    print(f"sizes: {SIZES}, runs per query: {RUNS}, citizens filing at once: {CITIZENS}")
    for size in SIZES:
        with working_copy(size) as (work, workdir, meta):
            out = asyncio.run(_measure(size, work, meta, workdir))
        _report(size, meta, out)
