"""Runs the bot: the transports that have tokens, the delivery, until SIGTERM/SIGINT.

Each transport lives on its own: a platform that cannot be reached at start (or whose
serving fails) is started again with backoff (the one RetryPolicy) while the others serve,
so one platform's outage never takes another down. Its messages wait in the outbox until
it is up (the delivery gets its sender once it started). The periodic jobs (reminders,
digests, retention, picking up directory imports) run on the scheduler (bot/scheduler.py).
The web console (bot/web) is served beside them while WEB_PORT is set.

With several workers (PostgreSQL) webhooks reach any worker; a platform taken by polling
is polled by the worker holding the lease (bot/leadership.py), which stores what it polls
in the inbox (bot/inbox.py) that every worker takes from.

Stopping is graceful: transports stop taking updates, the updates in flight finish,
the delivery finishes the calls in flight (what is still queued stays in the outbox for
the next start), then the database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol, runtime_checkable

from bot.app import App, max_transport, telegram_transport, vk_transport, web_console
from bot.delivery.ports import Sender
from bot.delivery.retry import RetryPolicy
from bot.health import (
    HealthServer,
    Readiness,
    database_reachable,
    migrations_current,
    outbox_flowing,
)
from bot.heap import settle
from bot.inbox import Inbox, Take
from bot.leadership import lead
from bot.logs import brief
from bot.metrics import metrics_page
from bot.scheduler import build_scheduler
from bot.stopping import pause_unless_stopped, unless_stopped
from handlers.ports import Relay
from storage.dialect import Dialect
from storage.store import Store

log = logging.getLogger(__name__)

# Starting a transport again after a failure: from about a second, doubling, up to a minute.
START_RETRY = RetryPolicy(first_delay=1.0, max_delay=60.0)


class Transport(Protocol):
    """A messenger adapter: updates -> Incoming for the core; a Sender for the delivery."""

    platform: str

    @property
    def sender(self) -> Sender: ...

    async def start(self) -> None:
        """Connect and prepare (check the token, register commands)."""
        ...

    async def serve(self, stop: asyncio.Event) -> None:
        """Receive updates until `stop` is set, then finish the ones in flight."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class Relays(Protocol):
    """A transport whose polled updates can be stored for every worker (bot/inbox.py)."""

    def relay_to(self, relay: Relay) -> None: ...

    @property
    def take(self) -> Take: ...


@runtime_checkable
class ReportsReadiness(Protocol):
    """A transport with readiness checks of its own (MAX: its webhook subscription)."""

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[str | None]]]: ...


def readiness_for(app: App, transports: list[Transport]) -> Readiness:
    """/readyz's checks: the database, its migrations, the outbox of the served platforms,
    and what each transport reports."""
    readiness = Readiness()
    readiness.add("database", database_reachable(app.db))
    readiness.add("migrations", migrations_current(app.db))
    readiness.add("outbox", outbox_flowing(
        app.db, app.clock, [t.platform for t in transports],
        timedelta(seconds=app.settings.outbox_stuck_after_s)))
    for transport in transports:
        if isinstance(transport, ReportsReadiness):
            for name, check in transport.readiness_checks().items():
                readiness.add(name, check)
    return readiness


def transports_for(app: App) -> list[Transport]:
    """The transports whose tokens are configured (wired in bot/app.py)."""
    transports: list[Transport] = []
    if app.settings.telegram_bot_token is not None:
        transports.append(telegram_transport(app))
    if app.settings.vk_group_token is not None:
        transports.append(vk_transport(app))
    if app.settings.max_bot_token is not None:
        transports.append(max_transport(app))
    return transports


async def run_bot(app: App, transports: list[Transport], *, stop: asyncio.Event | None = None,
                  retry: RetryPolicy = START_RETRY) -> None:
    """Until `stop` is set (by SIGTERM/SIGINT when no event is given)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    health = None
    if app.settings.metrics_port is not None:
        health = HealthServer(readiness_for(app, transports), app.settings.metrics_host,
                              app.settings.metrics_port)
        app.metrics.serving(t.platform for t in transports)
        health.add_get("/metrics", metrics_page(app.metrics, app.db))
        await health.start()  # a port in use stops the start here, before anything runs
    web = web_console(app) if app.settings.web_port is not None else None
    if web is not None:
        try:
            await web.start()  # the same: a port in use stops the start
        except BaseException:
            if health is not None:
                await health.close()
            raise
    settle()  # the directory, the FAQ and the lemmatiser out of the collector's walks
    # a file too big to check at open (storage/db.py) is checked while the bot serves
    check = (asyncio.create_task(verify_database(app.db), name="database-check")
             if app.db.unverified else None)
    scheduler = build_scheduler(app, led=False)  # this worker's own: its directory index
    scheduler.start()
    # Webhooks reach any worker; a poller is one per token (a second getUpdates gets 409
    # Conflict), so with several workers (PostgreSQL) only the leader polls, into the
    # inbox every worker takes from.
    led = [t for t in transports if app.db.dialect is Dialect.POSTGRESQL and polls(app, t)]
    tasks = [asyncio.create_task(keep_serving(app, t, stop, retry), name=f"serve-{t.platform}")
             for t in transports if t not in led]
    inbox = Inbox(app.db, app.clock)
    for transport in led:
        if isinstance(transport, Relays):
            transport.relay_to(inbox)
            tasks.append(asyncio.create_task(keep_taking(transport, inbox, stop, retry),
                                             name=f"take-{transport.platform}"))
    tasks.append(asyncio.create_task(
        lead(app.db, stop, lambda lost: led_work(app, lost, led, retry)), name="leadership"))
    log.info("medfront running: %s", ", ".join(t.platform for t in transports))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                log.error("%s stopped with an error", task.get_name(),
                          exc_info=task.exception())
                stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        stop.set()
        if check is not None:
            check.cancel()
        scheduler.shutdown(wait=False)
        for transport in transports:
            await transport.close()
        if web is not None:
            await web.close()
        if health is not None:
            await health.close()
        log.info("medfront stopped")


def polls(app: App, transport: Transport) -> bool:
    """The transport takes its updates by polling (no webhook / Callback API set)."""
    settings = app.settings
    return {"telegram": settings.telegram_webhook_url is None,
            "vk": settings.vk_callback_confirmation is None,
            "max": settings.max_webhook_url is None}.get(transport.platform, True)


async def led_work(app: App, lost: asyncio.Event, pollers: list[Transport],
                   retry: RetryPolicy = START_RETRY) -> None:
    """What the worker holding the lease does until it is lost (bot/leadership.py): the
    delivery (rows caught mid-send by a worker that died go out again), the periodic
    jobs, and with several workers the polling transports."""
    scheduler = build_scheduler(app, worker=False)
    scheduler.start()
    polling = [asyncio.create_task(keep_serving(app, t, lost, retry), name=f"serve-{t.platform}")
               for t in pollers]
    try:
        await app.courier.run(lost)
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.gather(*polling, return_exceptions=True)


async def verify_database(db: Store) -> None:
    """The full check of a big database file, beside the serving; damage found fails
    /readyz (bot/health.py) and is logged as critical: restore from a backup."""
    started = time.perf_counter()
    damage = await db.verify()
    if damage is None:
        log.info("database check: no damage found (%.0f s)", time.perf_counter() - started)
    else:
        log.critical("database check: the file %s is damaged (%s); stop the bot and restore "
                     "the latest backup (made by python -m bot backup)", db.path, damage)


async def started(transport: Transport, stop: asyncio.Event, retry: RetryPolicy) -> bool:
    """Start the transport, again with backoff while its platform cannot be reached; False:
    stopped first."""
    failures = 0
    while not stop.is_set():
        try:
            await unless_stopped(stop, transport.start())
        except Exception as exc:
            failures += 1
            delay = retry.delay(failures)
            log.warning("%s: start failed (%s); again in %.0f s", transport.platform,
                        brief(exc), delay)
            await pause_unless_stopped(stop, delay)
            continue
        if failures and not stop.is_set():
            log.info("%s: started after %s failed attempt(s)", transport.platform, failures)
        return not stop.is_set()
    return False


async def keep_taking(transport: Transport, inbox: Inbox, stop: asyncio.Event,
                      retry: RetryPolicy = START_RETRY) -> None:
    """Several workers: take the platform's updates that the polling worker stored, once the
    transport is started (it knows the bot's own id then), until `stop`."""
    if isinstance(transport, Relays) and await started(transport, stop, retry):
        await inbox.serve(transport.platform, transport.take, stop)


async def keep_serving(app: App, transport: Transport, stop: asyncio.Event,
                       retry: RetryPolicy = START_RETRY) -> None:
    """Start the transport (again, with backoff, while its platform cannot be reached), then
    serve until `stop`; a serve that fails starts over. Never raises: the other transports
    and the delivery go on whatever happens to this one."""
    failures = 0
    while not stop.is_set():
        if not await started(transport, stop, retry):
            return
        failures = 0
        app.courier.add_sender(transport.sender)
        app.courier.wake()  # what waited in the outbox for this platform goes now
        try:
            await transport.serve(stop)
        except Exception as exc:
            failures += 1
            delay = retry.delay(failures)
            log.error("%s stopped with an error (%s); starting again in %.0f s",
                      transport.platform, brief(exc), delay)
            await pause_unless_stopped(stop, delay)

