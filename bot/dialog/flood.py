"""Flood limits: at most N messages a minute from one person; one polite warning, then
silence until the window has room again."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AbuseLimits:
    messages_per_minute: int = 20  # 0: no limit
    appeals_per_day: int = 5  # 0: no limit


class Verdict(Enum):
    PASS = "pass"
    WARN = "warn"  # the first message over the limit: say "slow down" once
    DROP = "drop"  # further ones: silence


class FloodGate:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute  # 0: no limit
        self._seen: dict[tuple[str, str], deque[datetime]] = {}
        self._warned: set[tuple[str, str]] = set()
        self._calls = 0

    def check(self, platform: str, user_id: str, now: datetime) -> Verdict:
        if self.per_minute <= 0:
            return Verdict.PASS
        key = (platform, user_id)
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= WINDOW:
            times.popleft()
        self._sweep(now)
        if len(times) < self.per_minute:
            times.append(now)
            self._warned.discard(key)
            return Verdict.PASS
        if key in self._warned:
            return Verdict.DROP
        self._warned.add(key)
        return Verdict.WARN

    def _sweep(self, now: datetime) -> None:
        """Forgets people quiet for a whole window, now and then, so memory stays small."""
        self._calls += 1
        if self._calls % 1000:
            return
        for key in [k for k, v in self._seen.items() if not v or now - v[-1] >= WINDOW]:
            del self._seen[key]
            self._warned.discard(key)
