"""The reminder tick with many open appeals of which some are due.

Target: the tick's cost follows the number due, not the number open (a partial index on
next_reminder_at), and stays under 100 ms for 1,000 due. The baseline printed next to it
is the same tick over a small table (10,000 open): if the index works, the two match.

    python -m benchmarks reminders
    BENCH_OPEN=200000 python -m benchmarks reminders   # a quicker run
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_app
from bot.clock import FixedClock
from bot.config import PROJECT_ROOT, Settings

OPEN = int(os.environ.get("BENCH_OPEN", "1000000"))
DUE = int(os.environ.get("BENCH_DUE", "1000"))
BASELINE_OPEN = 10_000
RUNS = 5
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday, working time in Kirov


async def _measure(workdir: Path, open_count: int) -> tuple[list[float], float]:
    settings = Settings(_env_file=None, database_path=workdir / f"r{open_count}.sqlite3",  # type: ignore[call-arg]
                        faq_path=workdir / "faq.yaml",
                        directory_csv=PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv")
    clock = FixedClock(NOW)
    app = await build_app(settings, clock)
    started = time.perf_counter()
    async with app.db.unit() as repos:
        institutions = [i.id for i in await repos.institutions.list()]
        for n, inst in enumerate(institutions):
            await repos.people.bind_inbox(inst, "telegram", f"-100{n}", True, NOW)
        citizens = []
        for n in range(1000):
            user = await repos.people.ensure_user("telegram", str(n), str(n), "", NOW)
            citizens.append(user.id)
        batch = []
        for n in range(open_count):
            created = NOW - timedelta(hours=1)
            # Every open appeal has a next reminder; only DUE of them are due now.
            nxt = NOW - timedelta(minutes=1) if n < DUE else NOW + timedelta(days=1 + n % 20)
            batch.append({
                "number": f"B-{n:07d}", "citizen_id": citizens[n % len(citizens)],
                "platform": "telegram", "chat_id": str(n % 1000),
                "institution_id": institutions[n % len(institutions)], "category": "quality",
                "text": "Нагрузочное обращение", "status": "new", "created_at": created,
                "updated_at": created, "first_response_due": NOW + timedelta(hours=23),
                "due_at": NOW + timedelta(days=30), "next_reminder_at": nxt,
                "reminder_stage": 0,
            })
            if len(batch) == 50_000:
                await repos.appeals.bulk_insert(batch)
                batch = []
        await repos.appeals.bulk_insert(batch)
    seeded = time.perf_counter() - started
    timings = []
    for run in range(RUNS):
        # Each run: the due appeals are due again (a fresh rung), the rest untouched.
        clock.moment = NOW + timedelta(hours=11, minutes=run)
        if run:
            async with app.db.unit() as repos:
                await repos.appeals.set_reminder_states(
                    [(NOW, 0, None, None, i) for i in range(1, DUE + 1)], NOW)
        started = time.perf_counter()
        handled = await app.reminders.tick(limit=DUE)
        timings.append(time.perf_counter() - started)
        assert handled == DUE, handled
    await app.close()
    return timings, seeded


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        big, seeded = asyncio.run(_measure(workdir, OPEN))
        small, _ = asyncio.run(_measure(workdir, BASELINE_OPEN))
    med_big, med_small = statistics.median(big), statistics.median(small)
    print(f"open appeals: {OPEN:,}, due per tick: {DUE:,}, runs: {RUNS} (seeding took {seeded:.0f} s)")
    print(f"tick, {OPEN:>9,} open: median {med_big * 1000:7.1f} ms, "
          f"{med_big / DUE * 1e6:6.1f} µs per due appeal (best {min(big) * 1000:.1f} ms)")
    print(f"baseline, {BASELINE_OPEN:>6,} open: median {med_small * 1000:7.1f} ms, "
          f"{med_small / DUE * 1e6:6.1f} µs per due appeal (best {min(small) * 1000:.1f} ms)")
    print(f"ratio big/small: {med_big / med_small:.2f} (about 1 means the cost follows the "
          f"number due); target: < 100 ms for {DUE:,} due")
