"""One worker at a time does what must not run twice: the delivery (one sender per bot
token, so the platforms' rate limits and each chat's order hold across workers) and the
periodic jobs (reminder tick, digests, retention, the weekly report).

Every worker tries for the lease (storage/lease.py) every RETRY_S seconds; the one that
holds it runs `work` until the lease is lost or the bot stops. The holder checks every
RETRY_S that its lease is alive; a worker that died lets go at once (PostgreSQL ends its
session), so another takes over within RETRY_S plus one try: well inside a minute. On
SQLite the lease is always held and this is the old single-process behaviour.

What every worker does regardless: take updates (webhooks reach any worker) and refresh
its own in-memory directory index (bot/scheduler.py's worker jobs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bot.logs import brief
from bot.stopping import pause_unless_stopped
from storage.store import Store

log = logging.getLogger(__name__)

LEASE = "medfront.leader"
RETRY_S = 15.0

Work = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def lead(db: Store, stop: asyncio.Event, work: Work, *, retry_s: float = RETRY_S,
               name: str = LEASE) -> None:
    """Until `stop`: wait for the lease, run `work(lost)` while it is held (`lost` is set
    when it is lost or the bot stops; `work` must return then), and try again."""
    while not stop.is_set():
        try:
            lease = await db.lease(name)
        except Exception as exc:  # the database away: try again later
            log.warning("leadership: cannot ask for the lease (%s)", brief(exc))
            lease = None
        if lease is None:
            await pause_unless_stopped(stop, retry_s)
            continue
        log.info("leadership: this worker delivers and runs the periodic jobs")
        lost = asyncio.Event()
        task = asyncio.create_task(work(lost), name="led-work")
        try:
            while not stop.is_set() and not task.done():
                await pause_unless_stopped(stop, retry_s)
                if not stop.is_set() and not await lease.alive():
                    log.warning("leadership: lease lost; another worker takes over")
                    break
        finally:
            lost.set()
            with contextlib.suppress(Exception):
                await task
            with contextlib.suppress(Exception):
                await lease.release()
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("leadership: the led work failed", exc_info=task.exception())
