"""Waiting for a call, or out a backoff, unless the bot is stopping: one pair of helpers
for every loop that must stop promptly (transport starts, long polling)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def unless_stopped(stop: asyncio.Event, call: Coroutine[Any, Any, T]) -> T | None:
    """The call's result (its exception is raised), or None if `stop` was set first: the
    call is then cancelled."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None


async def pause_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds` (a backoff), or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
