"""N simulated citizens each file an appeal through the core (Dialog.handle) on SQLite.

Prints messages/s, p50/p99 latency per message and peak RSS, next to the baseline:
the same appeals written straight through the storage layer (the floor the dialog adds to).

    python -m benchmarks core            # 300 citizens, 20 at a time
    BENCH_CITIZENS=2000 python -m benchmarks core
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_app
from bot.clock import SystemClock
from bot.config import PROJECT_ROOT, Settings
from bot.dialog.types import Incoming

CITIZENS = int(os.environ.get("BENCH_CITIZENS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))

SCRIPT: list[dict[str, str]] = [
    {"text": "/appeal"},
    {"text": "котельничская црб"},
    {"payload": "cat:registry"},
    {"text": "В регистратуре не берут трубку третий день подряд"},
    {"payload": "consent:yes"},
    {"payload": "confirm:send"},
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _dialog_run(workdir: Path) -> tuple[float, list[float], int]:
    settings = Settings(_env_file=None, database_path=workdir / "core.sqlite3",  # type: ignore[call-arg]
                        faq_path=workdir / "faq.yaml",
                        directory_csv=PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv")
    app = await build_app(settings, SystemClock())
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def citizen(n: int) -> None:
        async with semaphore:
            for step in SCRIPT:
                incoming = Incoming(platform="telegram", chat_id=str(n), user_id=str(n), **step)
                started = time.perf_counter()
                replies = await app.dialog.handle(incoming)
                latencies.append(time.perf_counter() - started)
                assert replies, step

    app.directory.current.search("котельничская црб")  # warm the lemmatiser like a live bot
    started = time.perf_counter()
    await asyncio.gather(*(citizen(n) for n in range(CITIZENS)))
    elapsed = time.perf_counter() - started
    async with app.db.unit() as repos:
        filed = len(await repos.appeals.open_queue(None, limit=CITIZENS + 1))
    await app.close()
    return elapsed, latencies, filed


async def _storage_baseline(workdir: Path) -> float:
    """The same appeals and cards written directly through the repositories."""
    from bot.appeals.outbox import outbox_row
    from bot.message import Message
    from storage.db import Database
    from storage.records import OutboxKind

    db = await Database.open(workdir / "floor.sqlite3")
    now = datetime.now(UTC)
    from directory.model import Institution

    async with db.unit() as repos:
        await repos.institutions.replace_all([Institution("x", "Больница")], now)
    started = time.perf_counter()
    for n in range(CITIZENS):
        async with db.unit() as repos:
            user = await repos.people.ensure_user("telegram", str(n), str(n), "", now)
            appeal = await repos.appeals.create(
                citizen_id=user.id, platform="telegram", chat_id=str(n), institution_id="x",
                category="registry", text="В регистратуре не берут трубку", now=now,
                first_response_due=now, due_at=now)
            await repos.appeals.add_event(appeal.id, "created", now, user.id)
            await repos.outbox.add(outbox_row("telegram", "admins", Message("card"),
                                              OutboxKind.CARD, appeal_id=appeal.id), now)
    elapsed = time.perf_counter() - started
    await db.close()
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        elapsed, latencies, filed = asyncio.run(_dialog_run(workdir))
        floor = asyncio.run(_storage_baseline(workdir))
    messages = len(latencies)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"citizens: {CITIZENS} ({CONCURRENCY} at a time), messages: {messages}, "
          f"appeals filed: {filed}")
    print(f"core (Dialog.handle):   {messages / elapsed:8.0f} messages/s   "
          f"p50 {statistics.median(latencies) * 1000:6.2f} ms   "
          f"p99 {_percentile(latencies, 0.99) * 1000:6.2f} ms   "
          f"{elapsed / CITIZENS * 1000:6.2f} ms per appeal (whole form)")
    print(f"baseline (storage only): {CITIZENS / floor:7.0f} appeals/s            "
          f"{floor / CITIZENS * 1000:6.2f} ms per appeal (1 transaction, no dialog)")
    print(f"peak RSS: {peak_rss_mb:.0f} MiB")
    assert filed == CITIZENS, f"only {filed} of {CITIZENS} appeals were filed"
