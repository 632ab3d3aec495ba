"""Health endpoints for the orchestrator: GET /healthz (200 "ok" while the process runs) and
GET /readyz (200 when every readiness check passes, 503 with the failing ones as JSON), on
METRICS_HOST:METRICS_PORT (not served when METRICS_PORT is empty).

A readiness check is a named async callable returning None when fine, or a short problem
(English, for the operators' tooling: no personal data). Each runs with a time limit; one
that raises or overruns counts as failing. Checks are registered in the composition root
(bot/runner.py's readiness_for): the database, its migrations, the outbox, and whatever
the transports report (MAX's webhook subscription).

The server is a plain aiohttp application: `HealthServer.add_get` puts more pages on the
same port (/metrics: bot/metrics.py, registered by bot/runner.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web

from bot.clock import Clock
from storage.store import Store

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[str | None]]
CHECK_WITHIN_S = 5.0


class Readiness:
    """The registry of named readiness checks."""

    def __init__(self, within: float = CHECK_WITHIN_S) -> None:
        self.within = within
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        if name in self._checks:
            raise ValueError(f"readiness check {name!r} registered twice")
        self._checks[name] = check

    @property
    def names(self) -> list[str]:
        return list(self._checks)

    async def _one(self, check: Check) -> str | None:
        try:
            return await asyncio.wait_for(check(), self.within)
        except TimeoutError:
            return f"no answer within {self.within:g} s"
        except Exception as exc:
            return f"check failed: {type(exc).__name__}"

    async def problems(self) -> dict[str, str]:
        """The failing checks: name -> problem (empty: ready). The checks run together."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._one(self._checks[n]) for n in names))
        return {name: problem for name, problem in zip(names, results, strict=True)
                if problem is not None}


# ---- the checks -------------------------------------------------------------------------

def database_reachable(db: Store) -> Check:
    """A unit of work opens and the connection answers (PRAGMA user_version inside it),
    and the full check of a big file (Database.verify, run after the start) found no
    damage."""
    async def check() -> str | None:
        if db.damage is not None:
            return f"the database file is damaged: {db.damage}"
        async with db.unit():
            await db.schema_version()
        return None
    return check


def migrations_current(db: Store) -> Check:
    """The database is at this code's last migration (not older, nor newer: another
    version's worker migrated it)."""
    expected = db.expected_version()

    async def check() -> str | None:
        async with db.unit():
            version = await db.schema_version()
        if version != expected:
            return f"database schema at migration {version}, this code expects {expected}"
        return None
    return check


def outbox_flowing(db: Store, clock: Clock, platforms: list[str],
                   stuck_after: timedelta) -> Check:
    """No message of a served platform has been due for longer than `stuck_after`."""
    async def check() -> str | None:
        async with db.unit() as repos:
            oldest: datetime | None = await repos.outbox.oldest_due(platforms)
        if oldest is None:
            return None
        waited = clock.now() - oldest
        if waited > stuck_after:
            return f"a message has waited {int(waited.total_seconds())} s in the outbox"
        return None
    return check


# ---- the server -------------------------------------------------------------------------

class HealthServer:
    def __init__(self, readiness: Readiness, host: str = "127.0.0.1", port: int = 0) -> None:
        self.readiness = readiness
        self.host = host
        self.wanted_port = port  # 0: any free port
        self.port: int | None = None  # the bound port, once listening
        self.app = web.Application()
        self.app.router.add_get("/healthz", self.healthz)
        self.app.router.add_get("/readyz", self.readyz)
        self._runner: web.AppRunner | None = None

    def add_get(self, path: str, handler: Callable[[web.Request],
                                                   Awaitable[web.StreamResponse]]) -> None:
        """Another page on the same port (before start())."""
        self.app.router.add_get(path, handler)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(self, request: web.Request) -> web.Response:
        problems = await self.readiness.problems()
        if problems:
            return web.json_response({"ready": False, "failing": problems}, status=503)
        return web.json_response({"ready": True, "checks": self.readiness.names})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.wanted_port).start()
        addresses = self._runner.addresses
        self.port = addresses[0][1] if addresses else self.wanted_port
        paths = sorted({r.canonical for r in self.app.router.resources()})
        log.info("health endpoints on http://%s:%s (%s)", self.host, self.port, ", ".join(paths))

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
