"""The service's metrics (bot/metrics.py): what real turns, the delivery and the reminder
tick record, in the Prometheus text format served on /metrics by `run`; each app keeps its
own registry."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

import aiohttp
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot.app import App, build_app
from bot.appeals.outbox import outbox_row
from bot.clock import FixedClock
from bot.config import Settings
from bot.delivery.ports import Failure, SendError
from bot.message import Message
from bot.runner import run_bot
from storage.records import OutboxKind
from tests.chat import Chat, RecordingSender
from tests.delivery_helpers import VirtualTimer

NAMES = ["medfront_updates_total", "medfront_handler_seconds", "medfront_appeals_filed_total",
         "medfront_first_response_seconds", "medfront_reminders_sent_total",
         "medfront_escalations_total", "medfront_outbox_backlog", "medfront_inbox_backlog",
         "medfront_delivery_failures_total", "medfront_rate_limited_total"]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text page: (name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(app: App, name: str, **labels: str) -> float:
    """A sample as the app's registry renders it (generate_latest); 0 when absent."""
    return samples(app.metrics.text().decode()).get((name, frozenset(labels.items())), 0.0)


async def test_turns_filing_and_the_first_answer_are_counted(
        app: App, sender: RecordingSender, citizen: Chat, admin: Chat, clock: FixedClock) -> None:
    before = value(app, "medfront_updates_total", platform="telegram")
    assert before == 1  # the admin's invite
    await citizen.file_appeal()
    assert value(app, "medfront_updates_total", platform="telegram") == before + 6
    assert value(app, "medfront_handler_seconds_count", platform="telegram") == before + 6
    assert value(app, "medfront_handler_seconds_sum", platform="telegram") > 0
    assert value(app, "medfront_appeals_filed_total", platform="telegram") == 1
    assert value(app, "medfront_first_response_seconds_count") == 0

    clock.advance(timedelta(hours=2))
    card = sender.last_to(admin.chat_id)
    await admin.say("Телефон регистратуры починили.", reply_to_message_id=card.message_id)
    assert value(app, "medfront_first_response_seconds_count") == 1
    assert value(app, "medfront_first_response_seconds_sum") == 7200
    assert value(app, "medfront_first_response_seconds_bucket", le="7200.0") == 1
    assert value(app, "medfront_first_response_seconds_bucket", le="3600.0") == 0
    # a further answer is no first response
    await admin.say("И ещё: запись по телефону с 8:00.", reply_to_message_id=card.message_id)
    assert value(app, "medfront_first_response_seconds_count") == 1
    assert value(app, "medfront_appeals_filed_total", platform="telegram") == 1

    vk_citizen = Chat(app, sender, "vk", user_id="777", name="Мария")
    await vk_citizen.file_appeal()
    assert value(app, "medfront_appeals_filed_total", platform="vk") == 1
    assert value(app, "medfront_updates_total", platform="vk") == 6


async def test_delivery_failures_and_429s_are_counted_by_platform_and_class(
        app: App, sender: RecordingSender, citizen: Chat) -> None:
    app.courier.timer = VirtualTimer()  # the backoffs pass at once
    sender.fail_next = [SendError("Too Many Requests", retry_after=3.0),
                        SendError("Bad Gateway"),
                        SendError("Too Many Requests", retry_after=1.0)]
    await citizen.say("/help")
    assert sender.to(citizen.chat_id)  # delivered in the end
    assert value(app, "medfront_rate_limited_total", platform="telegram") == 2
    assert value(app, "medfront_delivery_failures_total", platform="telegram",
                 reason=Failure.RETRY_AFTER.value) == 2
    assert value(app, "medfront_delivery_failures_total", platform="telegram",
                 reason=Failure.TRANSIENT.value) == 1
    sender.fail_next = [SendError("message is too long", Failure.REJECTED)]
    await citizen.say("/help")
    assert value(app, "medfront_delivery_failures_total", platform="telegram",
                 reason=Failure.REJECTED.value) == 1
    assert value(app, "medfront_rate_limited_total", platform="telegram") == 2


async def test_reminders_and_escalations_of_the_tick_are_counted(
        app: App, sender: RecordingSender, citizen: Chat, admin: Chat, clock: FixedClock) -> None:
    await citizen.file_appeal()
    assert value(app, "medfront_reminders_sent_total", kind="first_response") == 0
    clock.advance(timedelta(hours=12, minutes=5))  # half the 24 h to the first response
    await app.reminders.tick()
    assert value(app, "medfront_reminders_sent_total", kind="first_response") == 1
    assert value(app, "medfront_escalations_total") == 0
    clock.advance(timedelta(hours=12))  # the first response is overdue
    await app.reminders.tick()
    assert value(app, "medfront_escalations_total") == 1
    assert value(app, "medfront_reminders_sent_total", kind="first_response") == 1
    assert value(app, "medfront_reminders_sent_total", kind="final") == 0
    await app.reminders.tick()  # a rung fires once
    assert value(app, "medfront_escalations_total") == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_run_serves_metrics_with_the_outbox_backlog_from_the_database(
        app: App, citizen: Chat, sender: RecordingSender, clock: FixedClock) -> None:
    await citizen.say("/help")
    async with app.db.unit() as repos:
        for chat in ("1", "2"):
            # held for a day: the running delivery leaves them alone, they wait in the backlog
            await repos.outbox.add(outbox_row("vk", chat, Message("ждёт"), OutboxKind.REPLY,
                                              not_before=clock.now() + timedelta(days=1)),
                                   clock.now())
        repos.inbox.add("max", [("c1", "{}"), ("c1", "{}"), ("c2", "{}")], clock.now())
    port = free_port()
    app.settings = app.settings.model_copy(update={"metrics_port": port})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(app, [], stop=stop))
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        for _ in range(100):
            try:
                status, content_type, text = await _get(url)
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("no /metrics")
        assert status == 200
        assert content_type == CONTENT_TYPE_LATEST
        for name in NAMES:
            assert f"# TYPE {name.removesuffix('_total')}" in text, name
        page = samples(text)
        assert page[("medfront_updates_total", frozenset({("platform", "telegram")}))] == 1
        assert page[("medfront_outbox_backlog", frozenset({("platform", "vk")}))] == 2
        # polled updates the workers have not handled yet (nobody takes them here)
        assert page[("medfront_inbox_backlog", frozenset({("platform", "max")}))] == 3

        async with app.db.unit() as repos:  # the backlog is read afresh at each scrape
            # by id, not by claim(): the running delivery may hold them as 'sending'
            waiting = await repos.outbox._conn.execute_fetchall(
                "SELECT id FROM outbox WHERE platform = 'vk' AND status IN ('pending', 'sending')")
            assert len(waiting) == 2
            for (row_id,) in waiting:
                await repos.outbox.mark_sent(row_id, "m", clock.now())
        page = samples((await _get(url))[2])
        assert page[("medfront_outbox_backlog", frozenset({("platform", "vk")}))] == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_two_apps_in_one_process_keep_separate_counts(
        app: App, citizen: Chat, settings: Settings, clock: FixedClock, tmp_path: Path) -> None:
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = await build_app(settings.model_copy(update={
        "database_path": other_dir / "medfront.sqlite3", "faq_path": other_dir / "faq.yaml"}),
        clock)
    try:
        recorder = RecordingSender()
        other.senders["telegram"] = recorder.for_platform("telegram")
        await citizen.say("/help")
        await citizen.say("/help")
        await Chat(other, recorder, "telegram", user_id="5005").say("/help")
        assert value(app, "medfront_updates_total", platform="telegram") == 2
        assert value(other, "medfront_updates_total", platform="telegram") == 1
        assert app.metrics.registry is not other.metrics.registry
    finally:
        await other.close()


def test_the_core_never_imports_the_metrics_library() -> None:
    from tests.paths import ROOT
    from tests.test_layering_libraries import imported_packages

    core = [p for package in ("bot/dialog", "bot/appeals", "bot/delivery", "storage")
            for p in sorted((ROOT / package).rglob("*.py"))]
    assert core
    assert [str(p.relative_to(ROOT)) for p in core
            if imported_packages(p) & {"prometheus_client"}] == []
    assert "prometheus_client" in imported_packages(ROOT / "bot" / "metrics.py")
