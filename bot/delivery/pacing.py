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
    """At most `rate` acquisitions a second, first come first served (virtual scheduling:
    each caller books the next free slot and sleeps until it). `pause(s)` pushes every
    later slot back, when the platform says the token went too fast."""

    def __init__(self, rate: float, timer: Timer | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.timer = timer or SystemTimer()
        self._next = 0.0

    def book(self, not_before: float = 0.0) -> float:
        """Reserve the next slot at or after `not_before`; returns its time."""
        slot = max(self._next, self.timer.monotonic(), not_before)
        self._next = slot + self.interval
        return slot

    async def acquire(self) -> None:
        wait = self.book() - self.timer.monotonic()
        if wait > 0:
            await self.timer.sleep(wait)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self.timer.monotonic() + seconds)
