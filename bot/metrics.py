"""The service's metrics in the Prometheus text format (GET /metrics on the health port,
METRICS_PORT): one `Metrics` per App, owning its own CollectorRegistry (never the library's
global one: several apps in one process, as in the tests, keep separate counts).

It implements the core's observer ports, so the core never imports prometheus_client:
- the dialog's turns (bot/dialog/observed.py): medfront_updates_total{platform} and
  medfront_handler_seconds{platform};
- the appeals (bot/appeals/observer.py): medfront_appeals_filed_total{platform},
  medfront_first_response_seconds, medfront_reminders_sent_total{kind},
  medfront_escalations_total;
- the delivery (bot/delivery/ports.py): medfront_delivery_failures_total{platform,reason}
  (every failed attempt by its class) and medfront_rate_limited_total{platform} (the
  platform's "too many requests": Telegram's and MAX's 429, VK's errors 6, 9 and 29);
- medfront_outbox_backlog{platform}: messages still to send, read from the database when
  /metrics is asked (one indexed count per status: OutboxRepo.backlog).

No label carries personal data: platforms, failure classes and reminder kinds only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.appeals.observer import ReminderKind
from bot.delivery.ports import Failure
from bot.logs import brief
from storage.store import Store

log = logging.getLogger(__name__)

# Seconds: a turn takes milliseconds; a slow one (a big directory search) up to seconds.
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds from filing to the first response: minutes to the 59-FZ's days.
FIRST_RESPONSE_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 2 * 3600.0, 4 * 3600.0,
                          8 * 3600.0, 86400.0, 2 * 86400.0, 3 * 86400.0, 7 * 86400.0,
                          30 * 86400.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("medfront_updates", "Updates handled by the dialog",
                               ["platform"], registry=r)
        self.handler_seconds = Histogram(
            "medfront_handler_seconds", "Time the dialog took to handle one update",
            ["platform"], buckets=HANDLER_BUCKETS, registry=r)
        self.appeals_filed = Counter("medfront_appeals_filed", "Appeals filed by citizens",
                                     ["platform"], registry=r)
        self.first_response_seconds = Histogram(
            "medfront_first_response_seconds",
            "Time from filing an appeal to the staff's first response (taken or answered)",
            buckets=FIRST_RESPONSE_BUCKETS, registry=r)
        self.reminders_sent = Counter(
            "medfront_reminders_sent", "Reminder rungs fired before a deadline, per deadline",
            ["kind"], registry=r)
        self.escalations = Counter("medfront_escalations",
                                   "Appeals escalated to the operators: a deadline missed",
                                   registry=r)
        self.outbox_backlog = Gauge("medfront_outbox_backlog",
                                    "Messages still to send (pending or in flight)",
                                    ["platform"], registry=r)
        self.inbox_backlog = Gauge(
            "medfront_inbox_backlog",
            "Polled updates stored for the workers and not handled yet (several workers)",
            ["platform"], registry=r)
        self.delivery_failures = Counter(
            "medfront_delivery_failures", "Failed delivery attempts, by failure class",
            ["platform", "reason"], registry=r)
        self.rate_limited = Counter(
            "medfront_rate_limited", "Too-many-requests answers of a platform (429, VK 6/9/29)",
            ["platform"], registry=r)
        for kind in ReminderKind:
            self.reminders_sent.labels(kind=kind.value)
        self._backlog_platforms: set[str] = set()

    def serving(self, platforms: Iterable[str]) -> None:
        """The platforms served: their series start at 0 (rate() sees the first event)."""
        for platform in platforms:
            self.updates.labels(platform=platform)
            self.appeals_filed.labels(platform=platform)
            self.rate_limited.labels(platform=platform)
            self.outbox_backlog.labels(platform=platform).set(0)
            self.inbox_backlog.labels(platform=platform).set(0)
            self._backlog_platforms.add(platform)

    # the core's observer ports

    def turn_handled(self, platform: str, seconds: float) -> None:
        self.updates.labels(platform=platform).inc()
        self.handler_seconds.labels(platform=platform).observe(seconds)

    def appeal_filed(self, platform: str) -> None:
        self.appeals_filed.labels(platform=platform).inc()

    def first_response(self, seconds: float) -> None:
        self.first_response_seconds.observe(max(seconds, 0.0))

    def reminder_sent(self, kind: ReminderKind) -> None:
        self.reminders_sent.labels(kind=kind.value).inc()

    def escalated(self) -> None:
        self.escalations.inc()

    def send_failed(self, platform: str, failure: Failure) -> None:
        self.delivery_failures.labels(platform=platform, reason=failure.value).inc()
        if failure is Failure.RETRY_AFTER:
            self.rate_limited.labels(platform=platform).inc()

    # the database's part

    def set_backlog(self, backlog: Iterable[tuple[str, int, datetime]]) -> None:
        """The outbox's backlog per platform; a platform with none left shows 0."""
        counts = {platform: count for platform, count, _ in backlog}
        self._backlog_platforms |= set(counts)
        for platform in self._backlog_platforms:
            self.outbox_backlog.labels(platform=platform).set(counts.get(platform, 0))

    def set_inbox(self, waiting: Iterable[tuple[str, int]]) -> None:
        counts = dict(waiting)
        for platform in self._backlog_platforms | set(counts):
            self.inbox_backlog.labels(platform=platform).set(counts.get(platform, 0))

    async def refresh(self, db: Store) -> None:
        async with db.read() as repos:
            self.set_backlog(await repos.outbox.backlog())
            self.set_inbox(await repos.inbox.backlog())

    def text(self) -> bytes:
        return generate_latest(self.registry)


def metrics_page(metrics: Metrics, db: Store
                 ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /metrics (bot/health.py's HealthServer.add_get): the backlog read afresh, then
    every metric in the Prometheus text format (a database that cannot be read leaves the
    backlog as it was last read)."""
    async def page(request: web.Request) -> web.Response:
        try:
            await metrics.refresh(db)
        except Exception as exc:  # the rest is served all the same; /readyz says why
            log.warning("metrics: the outbox backlog could not be read (%s)", brief(exc))
        return web.Response(body=metrics.text(), headers={"Content-Type": CONTENT_TYPE_LATEST})
    return page
