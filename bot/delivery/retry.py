"""The one retry policy of every delivery: capped exponential backoff with full jitter,
for as long as the message still matters."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay: float = 1.0  # seconds before the second attempt (on average)
    max_delay: float = 300.0  # the cap: a recovered platform is noticed within 5 minutes
    # How long a message matters: cards and answers are retried for two days.
    keep_trying: timedelta = timedelta(hours=48)
    # The longest a 401 pauses a platform before the next probe.
    max_pause: float = 600.0

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `failures`-th failure in a row (1, 2, ...)."""
        ceiling = min(self.max_delay, self.first_delay * 2.0 ** max(failures - 1, 0))
        return (rng or random).uniform(ceiling / 2, ceiling)

    def pause(self, failures: int) -> float:
        return min(self.max_pause, 5.0 * 2.0 ** max(failures - 1, 0))

    def expired(self, created_at: datetime, now: datetime) -> bool:
        return now - created_at > self.keep_trying
