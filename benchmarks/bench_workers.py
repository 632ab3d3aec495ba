"""Issue 16's benchmark: the same generated load (N citizens each filing an appeal
through the core, 6 messages each, to an institution with an inbox, as `core` does) on
1 process on SQLite, and on 1, 2 and 3 worker processes sharing one PostgreSQL database.
Each worker is a real process with its own App (pool, directory index, turn lock) and
takes its share of the citizens, BENCH_CONCURRENCY of them at a time; every worker
starts on the same signal. Printed: messages/s over the wall time of the whole run, p50
and p99 per message, and the ratio of 2 workers to 1.

Two cores run the workers and the PostgreSQL server together here, so the figures say
what the database side allows on this machine, not what more machines would.

    python -m benchmarks workers               # 300 citizens
    BENCH_CITIZENS=600 python -m benchmarks workers
    BENCH_POSTGRESQL_URL=postgresql://... python -m benchmarks workers
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_core import CITIZENS, CONCURRENCY, OPERATOR, SCRIPT, _incoming, _percentile, _staff
from benchmarks.pg import fetch_all, scratch_database, unavailable
from bot.app import build_app
from bot.clock import SystemClock
from bot.config import PROJECT_ROOT, Settings
from bot.heap import settle

WORKERS = (1, 2, 3)


def _settings(url: str, workdir: Path) -> Settings:
    return Settings(_env_file=None, database_url=url, database_path=workdir / "w.sqlite3",  # type: ignore[call-arg]
                    faq_path=workdir / "faq.yaml",
                    directory_csv=PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv",
                    operators_telegram=[OPERATOR])


async def _prepare(url: str, workdir: Path) -> None:
    app = await build_app(_settings(url, workdir), SystemClock())
    try:
        await _staff(app)
    finally:
        await app.close()


async def _child(url: str, workdir: Path, first: int, last: int) -> None:
    """One worker: build the app, say ready, wait for the go, drive citizens first..last."""
    app = await build_app(_settings(url, workdir), SystemClock())
    app.directory.current.search("котельничская црб")
    settle()
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def citizen(n: int) -> None:
        async with semaphore:
            for i, step in enumerate(SCRIPT):
                started = time.perf_counter()
                replies = await app.dialog.handle(_incoming(n, i, step))
                latencies.append(time.perf_counter() - started)
                assert replies, step

    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    began = time.time()
    await asyncio.gather(*(citizen(n) for n in range(first, last)))
    ended = time.time()
    await app.close()
    print(json.dumps({"began": began, "ended": ended, "latencies": latencies}), flush=True)


def _run(url: str, workers: int, workdir: Path) -> tuple[float, list[float]]:
    share = [(CITIZENS * k // workers, CITIZENS * (k + 1) // workers) for k in range(workers)]
    procs = []
    for k, (first, last) in enumerate(share):
        folder = workdir / f"w{k}"
        folder.mkdir(exist_ok=True)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_workers", "--child", url, str(folder),
             str(first), str(last)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=PROJECT_ROOT))
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
    return wall, [x for r in results for x in r["latencies"]]


async def _appeals(url: str) -> int:
    ((count,),) = await fetch_all(url, "SELECT COUNT(*) FROM appeals")
    return int(count)  # type: ignore[call-overload]


def _line(label: str, wall: float, latencies: list[float]) -> float:
    rate = len(latencies) / wall
    print(f"{label:<28} {rate:7.0f} messages/s   p50 {_percentile(latencies, 0.5) * 1000:6.2f} ms"
          f"   p99 {_percentile(latencies, 0.99) * 1000:6.2f} ms", flush=True)
    return rate


def main() -> None:
    messages = CITIZENS * len(SCRIPT)
    print(f"citizens: {CITIZENS} ({CONCURRENCY} at a time per worker), messages: {messages}, "
          f"each appeal with its card in the outbox", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sqlite_url = f"sqlite:///{workdir / 'one.sqlite3'}"
        asyncio.run(_prepare(sqlite_url, workdir))
        wall, latencies = _run(sqlite_url, 1, workdir)
        _line("SQLite, 1 process:", wall, latencies)
        why_not = unavailable()
        if why_not:
            print(f"PostgreSQL: skipped, {why_not}")
            return
        rates: dict[int, float] = {}
        for workers in WORKERS:
            with scratch_database() as url:
                asyncio.run(_prepare(url, workdir))
                wall, latencies = _run(url, workers, workdir)
                filed = asyncio.run(_appeals(url))
                assert filed == CITIZENS, (filed, CITIZENS)
                rates[workers] = _line(f"PostgreSQL, {workers} worker(s):", wall, latencies)
        print(f"2 workers / 1 worker on PostgreSQL: {rates[2] / rates[1]:.2f}; "
              f"3 / 1: {rates[3] / rates[1]:.2f}; PostgreSQL 1 worker / SQLite: see above "
              f"(2 cores shared by the workers and the server)", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        asyncio.run(_child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
    else:
        main()
