"""Runs the bot: the transports that have tokens, the delivery, until SIGTERM/SIGINT.

Stopping is graceful: transports stop taking updates, the updates in flight finish,
the delivery finishes the calls in flight (what is still queued stays in the outbox for
the next start), then the database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from bot.app import App
from bot.delivery.ports import Sender
from bot.scheduler import build_scheduler

log = logging.getLogger(__name__)


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


def transports_for(app: App) -> list[Transport]:
    """The transports whose tokens are configured; imported lazily so the core stays light."""
    transports: list[Transport] = []
    if app.settings.telegram_bot_token is not None:
        from handlers.telegram import TelegramTransport

        transports.append(TelegramTransport(app))
    if app.settings.vk_group_token is not None:
        from handlers.vk import VkTransport

        transports.append(VkTransport(app))
    return transports


async def run_bot(app: App, transports: list[Transport]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    for transport in transports:
        await transport.start()
        app.courier.add_sender(transport.sender)
    scheduler = build_scheduler(app)
    scheduler.start()
    tasks = [asyncio.create_task(t.serve(stop), name=f"serve-{t.platform}") for t in transports]
    tasks.append(asyncio.create_task(app.courier.run(stop), name="delivery"))
    tasks.append(asyncio.create_task(_refresh_directory(app, stop), name="directory"))
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
        scheduler.shutdown(wait=False)
        for transport in transports:
            await transport.close()
        log.info("medfront stopped")


async def _refresh_directory(app: App, stop: asyncio.Event, every: float = 30.0) -> None:
    """Pick up `import-directory` runs made while the bot is running."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if not stop.is_set():
            try:
                await app.directory.refresh(app.db)
            except Exception:
                log.exception("directory refresh failed")
