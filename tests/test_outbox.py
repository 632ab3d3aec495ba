"""The outbox sender: sends once, retries transient failures, honours retry_after,
records permanent failures, and recovers rows interrupted by a crash."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.outbox_worker import MAX_ATTEMPTS, OutboxWorker, SendError
from tests.chat import RecordingSender


async def _queue(app, text: str = "привет") -> int:
    async with app.db.unit() as repos:
        return await repos.outbox.add("telegram", "42", {"text": text}, app.clock.now())


async def _row(app, item_id: int):
    async with app.db.unit() as repos:
        return await repos.outbox.get(item_id)


async def test_sends_once(app, sender: RecordingSender) -> None:
    item_id = await _queue(app)
    worker = app.outbox_worker()
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    assert [m.text for m in sender.to("42")] == ["привет"]
    row = await _row(app, item_id)
    assert row.status == "sent" and row.message_id == sender.to("42")[0].message_id


async def test_rate_limited_send_waits_retry_after(app, sender: RecordingSender, clock) -> None:
    item_id = await _queue(app)
    sender.fail_next.append(SendError("Too Many Requests", retry_after=30))
    worker = app.outbox_worker()
    await worker.drain_once()
    row = await _row(app, item_id)
    assert row.status == "pending" and row.not_before == clock.now() + timedelta(seconds=30)
    assert await worker.drain_once() == 0  # not yet
    clock.advance(timedelta(seconds=31))
    await worker.drain_once()
    assert (await _row(app, item_id)).status == "sent"
    assert len(sender.to("42")) == 1


async def test_permanent_failure_is_recorded_not_retried(app, sender: RecordingSender) -> None:
    item_id = await _queue(app)
    sender.fail_next.append(SendError("Forbidden: bot was blocked by the user", permanent=True))
    await app.outbox_worker().drain_once()
    row = await _row(app, item_id)
    assert row.status == "failed" and "blocked" in row.error
    async with app.db.unit() as repos:
        assert [i.id for i in await repos.outbox.failed()] == [item_id]


async def test_transient_failures_back_off_then_give_up(app, sender: RecordingSender,
                                                        clock) -> None:
    item_id = await _queue(app)
    sender.fail_next.extend(SendError("timeout") for _ in range(MAX_ATTEMPTS))
    worker = app.outbox_worker()
    delays = []
    for _ in range(MAX_ATTEMPTS):
        before = clock.now()
        await worker.drain_once()
        row = await _row(app, item_id)
        if row.status == "failed":
            break
        delays.append((row.not_before - before).total_seconds())
        clock.advance(row.not_before - before)
    assert delays == sorted(delays) and delays[0] == 2.0
    assert (await _row(app, item_id)).status == "failed"
    assert sender.to("42") == []


async def test_crash_mid_send_is_recovered_on_start(app, sender: RecordingSender) -> None:
    item_id = await _queue(app)
    async with app.db.unit() as repos:
        assert await repos.outbox.mark_sending(item_id)  # then the process died
    worker = OutboxWorker(app.db, app.senders, app.clock)
    assert await worker.drain_once() == 0
    assert await worker.recover() == 1
    await worker.drain_once()
    assert (await _row(app, item_id)).status == "sent"
    assert len(sender.to("42")) == 1


async def test_platform_without_sender_waits(app, sender: RecordingSender) -> None:
    async with app.db.unit() as repos:
        item_id = await repos.outbox.add("max", "1", {"text": "x"}, app.clock.now())
    await app.outbox_worker().drain_once()
    assert (await _row(app, item_id)).status == "pending"
