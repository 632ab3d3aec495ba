"""One worker at a time delivers and runs the periodic jobs (bot/leadership.py, issue 16
item 2): on PostgreSQL the workers elect one through an advisory lock, and when it dies
another takes over; on SQLite the one process always leads."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.leadership import lead
from storage.db import Database
from storage.pg import PgDatabase
from tests.pg import PgServer


class Worker:
    """Records when its led work runs; never two workers at once (checked by `Crowd`)."""

    def __init__(self, name: str, crowd: Crowd) -> None:
        self.name = name
        self.crowd = crowd
        self.led = 0

    async def work(self, lost: asyncio.Event) -> None:
        self.crowd.enter(self)
        self.led += 1
        try:
            await lost.wait()
        finally:
            self.crowd.leave(self)


class Crowd:
    def __init__(self) -> None:
        self.leading: set[str] = set()
        self.most = 0

    def enter(self, worker: Worker) -> None:
        self.leading.add(worker.name)
        self.most = max(self.most, len(self.leading))

    def leave(self, worker: Worker) -> None:
        self.leading.discard(worker.name)


async def until(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not come true in time")


async def test_on_sqlite_the_one_process_leads_at_once(tmp_path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    crowd, stop = Crowd(), asyncio.Event()
    worker = Worker("only", crowd)
    task = asyncio.create_task(lead(db, stop, worker.work, retry_s=0.05))
    try:
        await until(lambda: crowd.leading == {"only"})
    finally:
        stop.set()
        await task
        await db.close()
    assert crowd.leading == set()  # the work returned when the bot stopped


@pytest.fixture
async def pg_url(pg_server: PgServer):
    url = await pg_server.create()
    yield url
    await pg_server.drop(url)


async def _lease_holders(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        return [r[0] for r in await conn.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")]
    finally:
        await conn.close()


async def test_workers_elect_one_and_another_takes_over_when_it_dies(pg_url: str) -> None:
    dbs = [await PgDatabase.open(pg_url) for _ in range(3)]
    crowd, stops = Crowd(), [asyncio.Event() for _ in dbs]
    workers = [Worker(f"w{n}", crowd) for n in range(3)]
    tasks = [asyncio.create_task(lead(db, stop, w.work, retry_s=0.1))
             for db, stop, w in zip(dbs, stops, workers, strict=True)]
    try:
        await until(lambda: len(crowd.leading) == 1)
        await asyncio.sleep(0.5)  # several rounds of tries: still one
        assert len(crowd.leading) == 1
        (first,) = crowd.leading
        index = int(first[1:])
        # the leader dies as under SIGKILL: its session ends without a word, its loop with it
        (pid,) = await _lease_holders(pg_url)
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        tasks[index].cancel()
        await until(lambda: len(crowd.leading) == 1 and first not in crowd.leading)
        assert crowd.most == 1  # never two at once
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for db in dbs:
            await db.close()
