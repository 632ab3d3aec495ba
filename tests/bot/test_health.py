"""The health endpoints (bot/health.py): /healthz while the process runs, /readyz 200 only
while every readiness check passes (503 naming the failing ones): a stuck outbox, a
database at an old migration, a check that hangs or raises."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import pytest

from bot.app import App
from bot.appeals.outbox import outbox_row
from bot.clock import FixedClock
from bot.health import HealthServer, Readiness
from bot.message import Message
from bot.runner import readiness_for, run_bot
from storage.db import migration_scripts
from storage.records import OutboxKind
from tests.pg import SERVER


async def get(base: str, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(base + path) as response:
        return response.status, await response.text()


async def readyz(base: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        return response.status, await response.json()


class Served:
    """A transport as far as readiness_for sees it: its platform."""

    def __init__(self, platform: str) -> None:
        self.platform = platform


async def test_healthz_and_readyz_of_a_healthy_app(app: App) -> None:
    async with HealthServer(readiness_for(app, [])) as health:
        base = f"http://127.0.0.1:{health.port}"
        assert await get(base, "/healthz") == (200, "ok")
        assert await readyz(base) == (200, {"ready": True,
                                            "checks": ["database", "migrations", "outbox"]})


async def test_a_stuck_outbox_row_fails_readiness(app: App, clock: FixedClock) -> None:
    readiness = readiness_for(app, [Served("telegram")])  # type: ignore[list-item]
    async with app.db.unit() as repos:
        await repos.outbox.add(outbox_row("telegram", "1001", Message("ответ"),
                                          OutboxKind.REPLY), clock.now())
        # held until later (the end of someone's night): not due, so not stuck
        await repos.outbox.add(outbox_row("telegram", "1002", Message("утром"),
                                          OutboxKind.REMINDER,
                                          not_before=clock.now() + timedelta(hours=2)),
                               clock.now())
        # a platform the bot does not serve is not its outbox's problem
        await repos.outbox.add(outbox_row("vk", "7", Message("x"), OutboxKind.REPLY),
                               clock.now() - timedelta(days=1))
    async with HealthServer(readiness) as health:
        base = f"http://127.0.0.1:{health.port}"
        clock.advance(timedelta(seconds=app.settings.outbox_stuck_after_s - 1))
        assert (await readyz(base))[0] == 200
        clock.advance(timedelta(seconds=2))
        status, body = await readyz(base)
        assert status == 503
        assert body == {"ready": False, "failing": {
            "outbox": f"a message has waited {int(app.settings.outbox_stuck_after_s) + 1} s "
                      "in the outbox"}}
        assert await get(base, "/healthz") == (200, "ok")  # alive all the same

        async with app.db.unit() as repos:  # sent at last
            [row] = await repos.outbox.claim(["telegram"], clock.now(), 1, 1)
            await repos.outbox.mark_sent(row.id, "m1", clock.now())
        assert (await readyz(base))[0] == 200


async def test_a_database_at_an_old_migration_fails_readiness(app: App) -> None:
    latest = len(migration_scripts())
    with sqlite3.connect(app.db.path) as other:  # as an older release's restore would leave it
        other.execute(f"PRAGMA user_version = {latest - 1}")
    async with HealthServer(readiness_for(app, [])) as health:
        status, body = await readyz(f"http://127.0.0.1:{health.port}")
    assert status == 503
    assert body["failing"] == {
        "migrations": f"database schema at migration {latest - 1}, this code expects {latest}"}


async def test_a_closed_database_fails_readiness(app: App) -> None:
    readiness = readiness_for(app, [Served("max")])  # type: ignore[list-item]
    await app.db.close()
    problems = await readiness.problems()
    assert set(problems) == {"database", "migrations", "outbox"}
    assert problems["database"].startswith("check failed: ")


async def test_a_check_that_hangs_or_raises_fails_within_its_time() -> None:
    async def hangs() -> str | None:
        await asyncio.sleep(30)
        return None

    async def raises() -> str | None:
        raise OSError("disk")

    async def fine() -> str | None:
        return None

    readiness = Readiness(within=0.1)
    readiness.add("hangs", hangs)
    readiness.add("raises", raises)
    readiness.add("fine", fine)
    assert await asyncio.wait_for(readiness.problems(), 2) == {
        "hangs": "no answer within 0.1 s", "raises": "check failed: OSError"}


async def test_more_pages_on_the_same_port() -> None:
    from aiohttp import web

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="# metrics\n")

    health = HealthServer(Readiness())
    health.add_get("/metrics", metrics)
    async with health:
        assert await get(f"http://127.0.0.1:{health.port}", "/metrics") == (200, "# metrics\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_serves_the_endpoints_on_metrics_port(app: App) -> None:
    port = free_port()
    app.settings = app.settings.model_copy(update={"metrics_port": port})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(app, [], stop=stop))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                assert await get(base, "/healthz") == (200, "ok")
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("no /healthz")
        assert (await readyz(base))[0] == 200
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    try:
        await get(base, "/healthz")
    except aiohttp.ClientConnectionError:
        pass  # closed with the bot
    else:
        raise AssertionError("still served after the stop")


async def test_run_checks_a_big_database_beside_the_serving_and_readyz_tells(
        app: App, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A file too big to check at open (storage/db.py) is checked once the bot serves;
    the damage it finds fails /readyz."""
    checked = asyncio.Event()

    async def verify() -> str:
        app.db.unverified, app.db.damage = False, "Tree 7 page 12: btreeInitPage() error"
        checked.set()
        return app.db.damage

    app.db.unverified = True
    monkeypatch.setattr(app.db, "verify", verify)
    port = free_port()
    app.settings = app.settings.model_copy(update={"metrics_port": port})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(app, [], stop=stop))
    try:
        await asyncio.wait_for(checked.wait(), 10)
        status, body = await readyz(f"http://127.0.0.1:{port}")
        assert status == 503 and "damaged" in str(body)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_postgresql_that_stops_answering_fails_readiness_until_it_is_back(
        app: App) -> None:
    """The server refuses the database, as a stopped one would: the connections end, new
    ones are refused. /readyz says so; once it answers again the pool reconnects."""
    readiness = readiness_for(app, [Served("telegram")])  # type: ignore[list-item]
    assert await readiness.problems() == {}
    name = urlsplit(app.settings.database.target).path.lstrip("/")
    admin = await asyncpg.connect(SERVER)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = $1", name)
        problems = await readiness.problems()
        assert {"database", "migrations", "outbox"} <= set(problems)
        assert problems["database"].startswith("check failed: ")
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        for _ in range(5):  # the pool replaces the connections the server ended
            if not (problems := await readiness.problems()):
                break
        assert problems == {}
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
