"""Issue 16's process test: real `python -m bot run` workers on one PostgreSQL database,
polling the fake Bot API and the fake VK API. The worker holding the lease polls into the
inbox (bot/inbox.py) and delivers; every worker handles. Citizens each file an appeal (six
steps, to 61 institutions with a Telegram admin chat each); the leader is SIGKILLed mid-run.
Then: every appeal stored once, every card in its admin chat, every citizen's transcript
whole and in order (a message comes twice only in a chat where the dead worker had one in
flight), each surviving worker handled a share, and the reminder tick runs on the worker
that took over. Three workers with 2,000 Telegram citizens; two workers with Telegram and
VK citizens. Skipped, with the reason, where no PostgreSQL server is reachable.

MEDFRONT_SCALE_CITIZENS sets the number of citizens of the first (default 2000)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from storage.records import to_db
from tests.bot_process import BotProcess
from tests.fake_telegram import FakeBotApiServer
from tests.fake_telegram.quick import QuickTelegram
from tests.handlers.scale_citizens import (
    STEPS,
    Citizen,
    QuickVk,
    TelegramCitizen,
    VkCitizen,
    collapsed,
)
from tests.handlers.test_telegram_process import TOKEN
from tests.handlers.test_workers_process import LEADS
from tests.pg import PgServer

CITIZENS = int(os.environ.get("MEDFRONT_SCALE_CITIZENS", "2000"))
ADMINS = 3000  # the admin chat of the n-th institution is ADMINS + n
FIRST_CITIZEN = 100_000
KILL_AT = 0.4  # of all steps
NUMBER = re.compile(r"№\s*(\d{4}-\d{6})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def pg_url(pg_server: PgServer) -> AsyncIterator[str]:
    url = await pg_server.create()
    yield url
    await pg_server.drop(url)


@dataclass
class Run:
    """What the scenario saw, for its assertions and its one line of figures."""

    tg: QuickTelegram
    tg_url: str
    vk: QuickVk | None
    ports: list[int]
    workers: list[Worker] = field(default_factory=list)
    templates: list[Citizen] = field(default_factory=list)
    citizens: list[Citizen] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)


class Worker(BotProcess):
    """A worker with the tokens of the platforms in the run, polling both when it leads."""

    def __init__(self, tmp: Path, run: Run, url: str, port: int) -> None:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": run.tg_url,
               "TELEGRAM_POLL_TIMEOUT": "1", "DATABASE_URL": url, "METRICS_PORT": str(port),
               "TELEGRAM_MESSAGES_PER_SECOND": "10000"}
        if run.vk is not None:
            env |= {"VK_GROUP_TOKEN": run.vk.token, "VK_API_URL": run.vk.base_url}
        super().__init__(tmp, **env)
        self.port = port  # its /metrics
        self.env.pop("OUTBOX_POLL_INTERVAL", None)  # the deployment's default


async def scenario(pg_url: str, tmp_path: Path, workers: int, telegram: int, vk: int) -> None:
    tg_fake = QuickTelegram()
    server = FakeBotApiServer(tg_fake, TOKEN)
    await server.start()
    vk_fake = QuickVk() if vk else None
    if vk_fake is not None:
        await vk_fake.start()
    run = Run(tg_fake, server.url, vk_fake, [free_port() for _ in range(workers)])
    try:
        await start_workers(run, pg_url, tmp_path, workers)
        institutions = await bind_admins(run, pg_url)
        # one citizen per institution and platform first: the transcripts to match
        run.templates = [*citizens_of(run, institutions, len(institutions), FIRST_CITIZEN - 10_000,
                                      "telegram"),
                         *(citizens_of(run, institutions, len(institutions), 50_000, "vk")
                           if vk else [])]
        await asyncio.gather(*(t.file(Counter()) for t in run.templates))
        expected = {(t.platform, t.institution): t.transcript() for t in run.templates}
        run.citizens = [*citizens_of(run, institutions, telegram, FIRST_CITIZEN, "telegram"),
                        *citizens_of(run, institutions, vk, 60_000, "vk")]
        await file_and_kill(run, pg_url)
        await check(run, pg_url, expected)
    finally:
        for worker in run.workers:
            worker.cleanup()
        await server.stop()
        if vk_fake is not None:
            await vk_fake.close()


async def start_workers(run: Run, pg_url: str, tmp_path: Path, count: int) -> None:
    for n in range(count):
        (tmp_path / f"w{n}").mkdir()
        run.workers.append(Worker(tmp_path / f"w{n}", run, pg_url, run.ports[n]))
    polls = len(run.tg.calls_of("getUpdates"))
    await run.workers[0].spawn()  # it migrates, leads and polls
    deadline = time.monotonic() + 60
    while len(run.tg.calls_of("getUpdates")) <= polls or (
            run.vk is not None and not run.vk.polling.is_set()):
        assert time.monotonic() < deadline, run.workers[0].log()[-3000:]
        await asyncio.sleep(0.1)
    for worker in run.workers[1:]:
        await worker.spawn()
    while not all("medfront running" in w.log() for w in run.workers):
        assert time.monotonic() < deadline, [w.log()[-1500:] for w in run.workers]
        await asyncio.sleep(0.2)


async def bind_admins(run: Run, pg_url: str) -> list[str]:
    """Every institution gets an admin chat on Telegram (the cards of VK citizens too)."""
    conn = await asyncpg.connect(pg_url)
    try:
        institutions = [r[0] for r in await conn.fetch("SELECT id FROM institutions ORDER BY id")]
        now = to_db(datetime.now(UTC))
        await conn.executemany(
            "INSERT INTO inbox_chats (institution_id, platform, chat_id, is_group, created_at) "
            "VALUES ($1, 'telegram', $2, 0, $3)",
            [(inst, str(ADMINS + n), now) for n, inst in enumerate(institutions)])
    finally:
        await conn.close()
    run.tg.card_chats = {ADMINS + n for n in range(len(institutions))}
    return institutions


def citizens_of(run: Run, institutions: list[str], count: int, first: int,
                platform: str) -> list[Citizen]:
    if not count:
        return []
    if platform == "vk":
        assert run.vk is not None
        return [VkCitizen(run.vk, first + n, institutions[n % len(institutions)])
                for n in range(count)]
    return [TelegramCitizen(run.tg, first + n, institutions[n % len(institutions)])
            for n in range(count)]


async def file_and_kill(run: Run, pg_url: str) -> None:
    progress: Counter[str] = Counter()
    started = time.monotonic()
    filing = asyncio.gather(*(c.file(progress) for c in run.citizens), return_exceptions=True)
    while progress["steps"] < KILL_AT * len(run.citizens) * STEPS and not filing.done():  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    (leader,) = [w for w in run.workers if LEADS in w.log()]
    await leader.kill()
    at_kill = progress["steps"]
    run.workers.remove(leader)
    run.in_flight = await in_flight(pg_url)  # claimed by the dead worker, maybe sent
    results = await filing
    failed = [r for r in results if isinstance(r, BaseException)]
    assert not failed, (len(failed), failed[:3], [w.log()[-2000:] for w in run.workers])
    print(f"\n{len(run.citizens)} citizens filed in {time.monotonic() - started:.1f} s "
          f"through {len(run.workers) + 1} workers; the leader killed at {at_kill}"
          f" of {len(run.citizens) * STEPS} steps", end="")


async def check(run: Run, pg_url: str, expected: dict[tuple[str, str], list[str]]) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        stored = await conn.fetch("SELECT number, citizen_id FROM appeals")
        numbers = {r["number"] for r in stored}
        deadline = time.monotonic() + 180  # the deliverer paces each admin chat to 1/s
        while numbers - set(carded(run.tg)) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # a card sent twice would have come by now
        cards = carded(run.tg)
        assert len([w for w in run.workers if LEADS in w.log()]) == 1, "one took the lease"
        reminders = await reminder_tick(conn)
    finally:
        await conn.close()
    assert len(stored) == len(run.citizens) + len(run.templates)  # each appeal stored once
    assert len({r["citizen_id"] for r in stored}) == len(stored)
    assert not numbers - set(cards), f"{len(numbers - set(cards))} card(s) missing"
    assert set(cards) == numbers
    repeated_cards = sum(n - 1 for n in cards.values())
    assert max(cards.values()) <= 2, cards.most_common(3)
    assert repeated_cards <= sum(run.in_flight[str(c)] for c in run.tg.card_chats)

    # each transcript whole and in order; a message repeated only right after itself, and
    # only in a chat where the dead worker had a message in flight
    repeats = Counter[str]()
    for citizen in run.citizens:
        texts = citizen.transcript()
        template = expected[(citizen.platform, citizen.institution)]
        assert collapsed(texts) == collapsed(template), (citizen.platform, citizen.chat, texts)
        extra = len(texts) - len(template)
        assert 0 <= extra <= run.in_flight[str(citizen.chat)], (citizen.chat, texts)
        repeats[citizen.platform] += extra
    shares = [await scrape(w.port) for w in run.workers]
    assert all(shares), shares  # every survivor handled updates from the inbox
    assert reminders > 0, "the reminder tick did not run on the worker that took over"
    print(f"; updates handled by the survivors: {shares}; in flight at the kill: "
          f"{run.in_flight.total()}; repeated: {repeated_cards} card(s), citizens' messages "
          f"{dict(repeats)}; reminders after the takeover: {reminders}")
    for worker in run.workers:
        assert await worker.terminate() == 0


async def test_three_workers_2000_telegram_citizens_the_leader_killed(
        pg_url: str, tmp_path: Path) -> None:
    await scenario(pg_url, tmp_path, workers=3, telegram=CITIZENS, vk=0)


async def test_two_workers_telegram_and_vk_citizens_the_leader_killed(
        pg_url: str, tmp_path: Path) -> None:
    await scenario(pg_url, tmp_path, workers=2, telegram=300, vk=150)


def carded(fake: QuickTelegram) -> Counter[str]:
    """How many times each appeal's card reached an admin chat."""
    return Counter(m.group(1) for _, text in fake.cards if (m := NUMBER.search(text)))


async def scrape(port: int) -> float:
    """The worker's `medfront_updates_total`, every platform (0 if it cannot be read)."""
    try:
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{port}/metrics", timeout=aiohttp.ClientTimeout(total=5)) as r:
            page = await r.text()
    except (aiohttp.ClientError, TimeoutError):
        return 0.0
    return sum(float(v) for v in re.findall(r"^medfront_updates_total\{[^}]*\} (\S+)$", page, re.M))


async def in_flight(url: str) -> Counter[str]:
    """Per chat, the rows the dead worker had claimed ('sending'): sent or not, they go
    again (a platform call cut off by the kill may have arrived)."""
    conn = await asyncpg.connect(url)
    try:
        return Counter(r[0] for r in await conn.fetch(
            "SELECT chat_id FROM outbox WHERE status = 'sending'"))
    finally:
        await conn.close()


async def reminder_tick(conn: asyncpg.Connection) -> int:
    """Five open appeals made overdue now: the reminder tick of the worker that took over
    sends their reminders (it runs as the lease is taken, then every 30 s)."""
    now = datetime.now(UTC)
    ids = [r[0] for r in await conn.fetch(
        "SELECT id FROM appeals WHERE status = 'new' ORDER BY id LIMIT 5")]
    await conn.execute(
        "UPDATE appeals SET created_at = $1, first_response_due = $2, due_at = $3, "
        "next_reminder_at = $4, reminder_stage = 0 WHERE id = ANY($5::bigint[])",
        to_db(now - timedelta(days=40)), to_db(now - timedelta(days=39)),
        to_db(now - timedelta(days=10)), to_db(now - timedelta(hours=1)), ids)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = int(await conn.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE appeal_id = ANY($1::bigint[]) "
            "AND kind IN ('reminder', 'escalation')", ids))
        if count:
            return count
        await asyncio.sleep(0.5)
    return 0
