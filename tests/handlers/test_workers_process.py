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


async def start_both(workers: list[TelegramBot], fake: FakeTelegram) -> None:
    """The first polls once it leads; the second serves beside it (it polls only if it
    takes the lease over)."""
    await workers[0].start(fake)
    await workers[1].spawn()
    deadline = time.monotonic() + 30
    while "medfront running" not in workers[1].log():
        assert time.monotonic() < deadline, workers[1].log()
        await asyncio.sleep(0.1)


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
        await start_both(workers, fake)
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


async def test_in_polling_mode_only_the_leader_polls_and_the_other_takes_over(
        server: FakeBotApiServer, pg_url: str, tmp_path: Path) -> None:
    """Two pollers on one token get 409 from Telegram and would see the same updates:
    with several workers only the one holding the lease polls; killed, the other takes
    over the polling within a minute, and every citizen is answered once."""
    fake = server.fake
    workers = []
    for n in range(2):
        (tmp_path / f"w{n}").mkdir()
        worker = TelegramBot(tmp_path / f"w{n}", server.url)
        worker.env |= {"DATABASE_URL": pg_url}
        workers.append(worker)
    citizens = [7000 + n for n in range(20)]
    try:
        await start_both(workers, fake)

        async def round_of_greetings() -> None:
            before = {c: len(fake.to(c)) for c in citizens}
            for chat in citizens:
                fake.message(chat, chat, "/start")
            await fake.wait_until(lambda: all(len(fake.to(c)) >= before[c] + 2 for c in citizens), 90)
            await asyncio.sleep(1.0)  # a second answer would have come by now
            # /start is answered with a greeting and the menu: each once
            new = {c: fake.texts_to(c)[before[c]:] for c in citizens}
            assert {c: len(t) for c, t in new.items() if len(t) != 2 or len(set(t)) != 2} == {}, new

        await round_of_greetings()
        (leader,) = [w for w in workers if LEADS in w.log()]
        (other,) = [w for w in workers if w is not leader]
        await leader.kill()
        killed_at = time.monotonic()
        await round_of_greetings()  # answered once the other worker polls
        taken_over = time.monotonic() - killed_at
        print(f"polling taken over: every citizen answered {taken_over:.1f} s after the kill")
        assert taken_over < 60 + 30
        assert LEADS in other.log()
        assert fake.most_polls == 1  # never two getUpdates open at once
        assert await other.terminate() == 0
    finally:
        for worker in workers:
            worker.cleanup()
