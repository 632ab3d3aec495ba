"""Time for the delivery path (injectable, so tests can compress it) and rate limiting."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Timer(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemTimer:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ScaledTimer:
    """Time running `factor` times faster than the wall clock (tests, benchmarks)."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self._start = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._start) * self.factor

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0) / self.factor)


class RateLimiter:
    """At most `rate` calls a second, evenly spaced, first come first served (an asyncio
    lock is FIFO): a cell-rate schedule kept on the times calls actually went. A call that
    woke up late lets the next one go up to a quarter of an interval sooner (so small
    scheduling delays do not cost throughput) but never more (so a stall, a GC pause, is
    not followed by a burst). Senders set `rate` a little under the platform's limit, as a
    margin for network jitter. `pause(s)` holds every later call, when the platform says
    the token went too fast."""

    def __init__(self, rate: float, timer: Timer | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.tolerance = self.interval / 4
        self.timer = timer or SystemTimer()
        self._due = float("-inf")  # when the next call is due on the schedule
        self._hold_until = float("-inf")
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = self.timer.monotonic()
            self._due = max(self._due, now - self.tolerance, self._hold_until)
            wait = self._due - now
            if wait > 0:
                await self.timer.sleep(wait)
            self._due += self.interval

    def pause(self, seconds: float) -> None:
        self._hold_until = max(self._hold_until, self.timer.monotonic() + seconds)
