"""Two real `python -m bot run` workers on one PostgreSQL database (issue 16, item 2):
one of them delivers (the lease: bot/leadership.py); SIGKILLed half way through 2,000
queued messages, the other takes over within a minute and delivers the rest: none lost,
a message repeated only if it was in flight at the kill, each chat's order kept.
Skipped, with the reason, where no PostgreSQL server is reachable."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.appeals.outbox import outbox_row
from bot.message import Message
from storage.pg import PgDatabase
from storage.records import OutboxKind
from tests.fake_telegram import FakeBotApiServer, FakeTelegram
from tests.handlers.test_telegram_process import TOKEN, TelegramBot
from tests.pg import PgServer

LEADS = "leadership: this worker delivers"


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApiServer]:
    srv = FakeBotApiServer(FakeTelegram(), TOKEN)
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def pg_url(pg_server: PgServer) -> AsyncIterator[str]:
    url = await pg_server.create()
    yield url
    await pg_server.drop(url)


async def _unsent(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM outbox WHERE status != 'sent'"))
    finally:
        await conn.close()


async def test_the_delivering_worker_killed_mid_run_another_takes_over(
        server: FakeBotApiServer, pg_url: str, tmp_path: Path) -> None:
    fake = server.fake
    db = await PgDatabase.open(pg_url)
    try:
        async with db.unit() as repos:
            await repos.outbox.add_many([
                outbox_row("telegram", str(5000 + chat), Message(f"{chat}:{seq}"), OutboxKind.MESSAGE)
                for seq in range(10) for chat in range(200)], datetime.now(UTC))
    finally:
        await db.close()
    workers = []
    for n in range(2):
        (tmp_path / f"w{n}").mkdir()
        worker = TelegramBot(tmp_path / f"w{n}", server.url)
        worker.env |= {"DATABASE_URL": pg_url, "TELEGRAM_MESSAGES_PER_SECOND": "400"}
        workers.append(worker)
    try:
        for worker in workers:
            await worker.start(fake)
        await fake.wait_until(lambda: len(fake.sent) >= 700, 120)
        (leader,) = [w for w in workers if LEADS in w.log()]  # exactly one delivers
        (other,) = [w for w in workers if w is not leader]
        await leader.kill()
        killed_at, at_kill = time.monotonic(), len(fake.sent)
        while await _unsent(pg_url):
            assert time.monotonic() - killed_at < 120, (await _unsent(pg_url), other.log()[-2000:])
            await asyncio.sleep(0.2)
        assert LEADS in other.log()
        got = Counter(m.text for m in fake.sent)
        missing = {f"{c}:{s}" for c in range(200) for s in range(10)} - set(got)
        assert not missing, (len(missing), sorted(missing)[:5])  # none lost
        repeated = sum(n - 1 for n in got.values())
        assert max(got.values()) <= 2 and repeated <= 200, (repeated, at_kill)
        for chat in range(200):  # each chat's messages in order; a repeat comes right after
            seqs = [int(m.text.split(":")[1]) for m in fake.to(5000 + chat)]
            collapsed = [s for i, s in enumerate(seqs) if i == 0 or seqs[i - 1] != s]
            assert collapsed == list(range(10)), (chat, seqs)
        print(f"killed at {at_kill} delivered; taken over and drained in "
              f"{time.monotonic() - killed_at:.1f} s; repeated: {repeated}")
        assert await other.terminate() == 0
    finally:
        for worker in workers:
            worker.cleanup()
