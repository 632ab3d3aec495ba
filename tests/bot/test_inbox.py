"""The inbox (bot/inbox.py): what the polling worker stored, taken by every worker, each
update once, one chat's in order, a failed one again later, a dead worker's taken over.
On SQLite and, where a server is reachable, on PostgreSQL with two workers' pools."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FixedClock, SystemClock
from bot.inbox import Inbox
from storage.db import Database
from storage.store import Store
from tests.pg import PgServer

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path,
                 pg_server: PgServer) -> AsyncIterator[list[Store]]:
    """Two workers' connections to one database (one Database on SQLite: one process)."""
    if request.param == "sqlite":
        db: Store = await Database.open(tmp_path / "inbox.sqlite3")
        yield [db, db]
        await db.close()
        return
    from storage.pg import PgDatabase
    url = await pg_server.create()
    opened: list[Store] = [await PgDatabase.open(url), await PgDatabase.open(url)]
    yield opened
    for db in opened:
        await db.close()
    await pg_server.drop(url)


def batch(chats: int, per_chat: int) -> list[tuple[str, str]]:
    """Messages interleaved as a poll returns them: every chat's first, then seconds..."""
    return [(f"c{c}", json.dumps({"chat": c, "seq": s})) for s in range(per_chat)
            for c in range(chats)]


async def waiting(db: Store) -> int:
    async with db.unit() as repos:
        return await repos.inbox.waiting()


async def until_empty(db: Store, stop: asyncio.Event, within: float = 30) -> None:
    async def empty() -> None:
        while await waiting(db):  # noqa: ASYNC110 (the database is polled)
            await asyncio.sleep(0.05)
    try:
        await asyncio.wait_for(empty(), within)
    finally:
        stop.set()


async def test_two_workers_take_every_update_once_each_chat_in_order(stores: list[Store]) -> None:
    taken: dict[int, list[int]] = {}
    by_worker = [0, 0]

    def taker(worker: int) -> Any:
        async def take(update: dict[str, Any]) -> bool:
            await asyncio.sleep(random.uniform(0, 0.004))  # turns of different lengths
            taken.setdefault(update["chat"], []).append(update["seq"])
            by_worker[worker] += 1
            return True
        return take

    inboxes = [Inbox(db, SystemClock(), idle_s=0.02, claim=25) for db in stores]
    await inboxes[0].put("telegram", batch(40, 3))
    stop = asyncio.Event()
    serving = [asyncio.create_task(inbox.serve("telegram", taker(n), stop))
               for n, inbox in enumerate(inboxes)]
    for round_ in range(1, 4):  # more arrives while both take
        await asyncio.sleep(0.05)
        await inboxes[0].put("telegram", [(f"c{c}", json.dumps({"chat": c, "seq": 2 + round_}))
                                          for c in range(40)])
    await until_empty(stores[0], stop)
    await asyncio.gather(*serving)
    assert taken == {c: list(range(6)) for c in range(40)}  # each once, in order
    assert all(by_worker), by_worker  # both workers took a share
    assert sum(i.taken for i in inboxes) == 240


async def test_a_failed_update_comes_again_after_a_pause_its_chat_waiting_behind_it(
        stores: list[Store]) -> None:
    clock = FixedClock(NOW)
    inbox = Inbox(stores[0], clock, idle_s=0.01)
    seen: list[tuple[int, int]] = []
    failures = {(1, 0)}  # chat 1's first message fails once

    async def take(update: dict[str, Any]) -> bool:
        key = (update["chat"], update["seq"])
        seen.append(key)
        if key in failures:
            failures.discard(key)
            return False
        return True

    await inbox.put("vk", batch(3, 2))
    stop = asyncio.Event()
    serving = asyncio.create_task(inbox.serve("vk", take, stop))
    while len(seen) < 5:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    # the other chats were handled; chat 1 stopped at its failure, its second kept back
    assert sorted(seen) == [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1)]
    assert await waiting(stores[0]) == 2
    clock.moment += timedelta(seconds=2)  # past the pause: chat 1 in order
    await until_empty(stores[0], stop)
    await serving
    assert [k for k in seen if k[0] == 1] == [(1, 0), (1, 0), (1, 1)]


async def test_rows_held_by_a_worker_that_died_are_taken_over(stores: list[Store]) -> None:
    clock = FixedClock(NOW)
    dead = Inbox(stores[0], clock, hold_s=60)
    await dead.put("max", batch(2, 2))
    async with stores[0].unit() as repos:  # taken, then the worker is gone
        held = await repos.inbox.claim("max", NOW, NOW + timedelta(seconds=60), 10)
    assert len(held) == 4
    await dead.put("max", [("c0", json.dumps({"chat": 0, "seq": 2}))])
    alive = Inbox(stores[1], clock, idle_s=0.01)
    seen: list[tuple[int, int]] = []

    async def take(update: dict[str, Any]) -> bool:
        seen.append((update["chat"], update["seq"]))
        return True

    stop = asyncio.Event()
    serving = asyncio.create_task(alive.serve("max", take, stop))
    await asyncio.sleep(0.2)
    assert seen == []  # held: not even chat 0's new message jumps ahead
    clock.moment += timedelta(seconds=61)
    await until_empty(stores[1], stop)
    await serving
    assert [s for c, s in seen if c == 0] == [0, 1, 2]
    assert [s for c, s in seen if c == 1] == [0, 1]


async def test_platforms_are_taken_apart(stores: list[Store]) -> None:
    inbox = Inbox(stores[0], SystemClock(), idle_s=0.01)
    await inbox.put("telegram", batch(1, 1))
    await inbox.put("vk", batch(1, 1))
    got: list[str] = []

    async def take(update: dict[str, Any]) -> bool:
        got.append("vk")
        return True

    stop = asyncio.Event()
    serving = asyncio.create_task(inbox.serve("vk", take, stop))
    await asyncio.sleep(0.2)
    stop.set()
    await serving
    assert got == ["vk"]
    async with stores[0].unit() as repos:
        assert await repos.inbox.waiting("telegram") == 1
