"""Shared by the delivery tests: virtual time, and a Telegram transport paced for real on it."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.delivery.pacing import RateLimiter
from bot.delivery.retry import RetryPolicy
from handlers.telegram_sender import LIMITS
from tests.fake_telegram import FakeTelegram


class VirtualTimer:
    """Time that passes only when someone sleeps: hours of backoff in milliseconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now = max(self.now, self.now + seconds)
        await asyncio.sleep(0)


def on_virtual_time(app: App, sender: object, fake: FakeTelegram | None = None,
                    paced: bool = True) -> VirtualTimer:
    """The delivery, the sender's pace and the fake's clock on one virtual timer."""
    timer = VirtualTimer()
    app.courier.timer = timer
    app.courier.policy = RetryPolicy()
    if paced:
        sender.limits = LIMITS  # type: ignore[attr-defined]
        sender.limiter = RateLimiter(LIMITS.overall_per_s, timer)  # type: ignore[attr-defined]
    if fake is not None:
        fake.now = timer.monotonic
    return timer
