"""End to end: the real `python -m bot run` process against the fake Telegram Bot API served
in this process, N citizens each filing an appeal (bench_core's SCRIPT) to an institution
whose inbox is an admin's private chat; next to it a minimal aiogram 3 echo bot (a
subprocess polling the same kind of fake) on the same update load.

Printed per N: messages/s, p50/p99 reply latency (update queued at the fake -> the bot's
reply to that chat stored at the fake), CPU ms per message of the bot process
(/proc/<pid>/stat, user + system, over the load window), and the time until every appeal
card reached the admin chat, with its floor (Telegram's 1 message a second into one
private chat, which the bot's delivery keeps). Target: >= 0.7 of the echo bot's
messages/s at 200 citizens.

Load model: each citizen waits for the bot's reply, then "thinks" BENCH_E2E_THINK seconds
(default 1.1) before the next step: a hair over the per-chat interval the delivery keeps
(1.05 s into a private chat), so pacing never holds a reply and both bots see the same
offered load (about N / (think + latency) messages/s). With a think time under 1.05 s the
figure measures Telegram's per-chat limit, not the bot. Citizens start spread over one
think time. The overall send rate is raised (TELEGRAM_MESSAGES_PER_SECOND) because the
fake enforces no limits and the ceiling is the bot, not Telegram's 30/s.

    python -m benchmarks e2e                          # 50, 200, 1000 citizens
    BENCH_E2E_CITIZENS=50 python -m benchmarks e2e    # a quick run
    BENCH_E2E_CARD_WAIT=60                            # seconds to wait for the cards at most
    BENCH_E2E_POSTGRESQL=0                            # not the PostgreSQL run at 200

At 200 citizens the bot runs once more on PostgreSQL (a scratch database on the server of
BENCH_POSTGRESQL_URL, benchmarks/pg.py), if one answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench_core import SCRIPT
from benchmarks.pg import scratch_database, unavailable
from tests.bot_process import BotProcess
from tests.fake_telegram import FakeBotApiServer, FakeTelegram
from tests.fake_telegram.quick import QuickTelegram

TOKEN = "123:BENCH"
ADMIN = 2001
INSTITUTION = "kir-crb-kotelnich"
CITIZENS = [int(n) for n in os.environ.get("BENCH_E2E_CITIZENS", "50,200,1000").split(",") if n]
THINK = float(os.environ.get("BENCH_E2E_THINK", "1.1"))
POSTGRESQL = os.environ.get("BENCH_E2E_POSTGRESQL", "1") != "0"  # 0: SQLite only
CARD_WAIT = os.environ.get("BENCH_E2E_CARD_WAIT")  # seconds; default from N (below)
TARGET_AT = 200
TARGET_RATIO = 0.7
PRIVATE_INTERVAL = 1.05  # handlers/telegram_sender.py LIMITS.private_interval
CLK_TCK = os.sysconf("SC_CLK_TCK")

ECHO_BOT = '''
import asyncio, os
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def main() -> None:
    bot = Bot(os.environ["ECHO_TOKEN"],
              session=AiohttpSession(api=TelegramAPIServer.from_base(os.environ["ECHO_URL"])))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "...")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        await bot.send_message(query.message.chat.id, query.data or "...")

    await dp.start_polling(bot, polling_timeout=25)


asyncio.run(main())
'''


@dataclass
class Run:
    name: str
    citizens: int
    messages: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    cards: int = 0
    cards_s: float | None = None
    lost: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed if self.elapsed else 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def _citizens(fake: QuickTelegram, n: int, first_chat: int, run: Run,
                    reply_wait: float = 60.0) -> None:
    rng = random.Random(n)

    async def citizen(chat: int) -> None:
        await asyncio.sleep(rng.uniform(0, THINK))
        for number, step in enumerate(SCRIPT):
            if number:
                await asyncio.sleep(THINK)
            waiter = fake.expect(chat)
            started = time.perf_counter()
            if "text" in step:
                fake.message(chat, chat, step["text"])
            else:
                last = fake.last.get(chat)
                fake.press_quick(chat, last.message_id if last else 1, step["payload"])
            try:
                await asyncio.wait_for(waiter, reply_wait)
            except TimeoutError:
                run.lost += 1
                return
            run.latencies.append(time.perf_counter() - started)
            run.messages += 1

    await asyncio.gather(*(citizen(first_chat + i) for i in range(n)))


async def _wait_polling(fake: FakeTelegram, what: Any, seconds: float = 60) -> None:
    polls = len(fake.calls_of("getUpdates"))
    try:
        await fake.wait_until(lambda: len(fake.calls_of("getUpdates")) > polls, seconds)
    except TimeoutError:
        raise AssertionError(f"{what} never polled") from None


async def _medfront(n: int, workdir: Path, url: str | None = None) -> Run:
    """The bot on SQLite in `workdir`, or on the PostgreSQL database at `url`."""
    fake = QuickTelegram({ADMIN})
    server = FakeBotApiServer(fake, TOKEN)
    await server.start()
    bot = BotProcess(workdir, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url,
                     TELEGRAM_MESSAGES_PER_SECOND="10000",
                     **({"DATABASE_URL": url} if url else {}))
    bot.env.pop("OUTBOX_POLL_INTERVAL", None)  # the deployment's default: the bot wakes itself
    bot.env.pop("CONFIRM_ANSWERS_IN_PRIVATE", None)
    run = Run("medfront" if url is None else "on PG", n)
    try:
        token = (await bot.cli("invite", "--institution", INSTITUTION, "--role", "admin")).strip()
        await bot.spawn()
        await _wait_polling(fake, "the bot")
        waiter = fake.expect(ADMIN)
        fake.message(ADMIN, ADMIN, f"/start inv_{token}")
        await asyncio.wait_for(waiter, 30)
        # one citizen first (not counted): the lemmatiser and caches warm, as in a live bot
        fake.cards_expected = 1
        await _citizens(fake, 1, 1, Run("warm-up", 1))
        await asyncio.wait_for(fake.cards_seen.wait(), 30)
        fake.cards_seen.clear()
        fake.card_times.clear()
        fake.cards_expected = n
        assert bot.proc is not None
        cpu0 = _cpu_seconds(bot.proc.pid)
        started = time.perf_counter()
        await _citizens(fake, n, 10_000, run)
        run.elapsed = time.perf_counter() - started
        run.cpu_s = _cpu_seconds(bot.proc.pid) - cpu0
        wait = float(CARD_WAIT) if CARD_WAIT else n * PRIVATE_INTERVAL * 1.3 + 30
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.cards_seen.wait(), max(0.0, wait - run.elapsed))
        run.cards = len(fake.card_times)
        if run.cards >= n:
            run.cards_s = fake.card_times[n - 1] - started
        await bot.terminate()
    except BaseException:
        print(bot.log()[-3000:], file=sys.stderr)
        raise
    finally:
        bot.cleanup()
        await server.stop()
    return run


async def _echo(n: int, workdir: Path) -> Run:
    fake = QuickTelegram({ADMIN})
    server = FakeBotApiServer(fake, TOKEN)
    await server.start()
    script = workdir / "echo_bot.py"
    script.write_text(ECHO_BOT)
    env = {**os.environ, "ECHO_TOKEN": TOKEN, "ECHO_URL": server.url}
    log = (workdir / "echo.log").open("wb")
    proc = await asyncio.create_subprocess_exec(sys.executable, str(script), env=env,
                                                stdout=log, stderr=log)
    log.close()
    run = Run("echo", n)
    try:
        await _wait_polling(fake, "the echo bot")
        await _citizens(fake, 1, 1, Run("warm-up", 1))
        cpu0 = _cpu_seconds(proc.pid)
        started = time.perf_counter()
        await _citizens(fake, n, 10_000, run)
        run.elapsed = time.perf_counter() - started
        run.cpu_s = _cpu_seconds(proc.pid) - cpu0
    except BaseException:
        print((workdir / "echo.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await server.stop()
    return run


def _cards(run: Run, n: int) -> str:
    return (f"{run.cards_s:.1f} s" if run.cards_s is not None
            else f"not all: {run.cards} of {n} within the wait")


def _line(run: Run) -> str:
    cpu = run.cpu_s / run.messages * 1000 if run.messages else 0.0
    return (f"  {run.name:<9} {run.rate:7.1f} messages/s   p50 {statistics.median(run.latencies or [0]) * 1000:7.1f} ms"
            f"   p99 {_percentile(run.latencies, 0.99) * 1000:7.1f} ms   CPU {cpu:5.2f} ms/message"
            f"   ({run.messages} messages in {run.elapsed:.1f} s"
            + (f", {run.lost} replies never came" if run.lost else "") + ")")


def main() -> None:
    results: dict[int, tuple[Run, Run]] = {}
    print(f"citizens: {CITIZENS}, {len(SCRIPT)} messages each, think time {THINK:.2f} s "
          f"(offered load about N / {THINK:.2f} messages/s)")
    for n in CITIZENS:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            (workdir / "bot").mkdir()
            (workdir / "echo").mkdir()
            bot = asyncio.run(_medfront(n, workdir / "bot"))
            echo = asyncio.run(_echo(n, workdir / "echo"))
        results[n] = (bot, echo)
        ratio = bot.rate / echo.rate if echo.rate else 0.0
        print(f"{n} citizens (offered about {n / THINK:.0f} messages/s):")
        print(_line(bot))
        print(_line(echo))
        print(f"  cards in the admin chat: {_cards(bot, n)} after the first message "
              f"(floor {n * PRIVATE_INTERVAL:.0f} s: one private chat takes 1 message per "
              f"{PRIVATE_INTERVAL} s)")
        print(f"  ratio medfront/echo messages/s: {ratio:.2f}"
              + (f"   target at {TARGET_AT}: >= {TARGET_RATIO}" if n == TARGET_AT else ""))
    if TARGET_AT in results and POSTGRESQL:
        _postgresql(*results[TARGET_AT])
    if TARGET_AT in results:
        bot, echo = results[TARGET_AT]
        ratio = bot.rate / echo.rate if echo.rate else 0.0
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(f"target: >= {TARGET_RATIO} of the echo bot's messages/s at {TARGET_AT} citizens: "
              f"{ratio:.2f} ({verdict})")
    else:
        print(f"target: >= {TARGET_RATIO} of the echo bot's messages/s at {TARGET_AT} citizens "
              f"(not run: BENCH_E2E_CITIZENS has no {TARGET_AT})")


def _postgresql(sqlite_run: Run, echo: Run) -> None:
    """The bot at TARGET_AT citizens on PostgreSQL (issue 16's backend), next to SQLite."""
    why_not = unavailable()
    if why_not:
        print(f"on PostgreSQL: skipped, {why_not}")
        return
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as url:
        run = asyncio.run(_medfront(TARGET_AT, Path(tmp), url))
    ratio = run.rate / echo.rate if echo.rate else 0.0
    print(f"{TARGET_AT} citizens, the bot on PostgreSQL (the server on the same 2 cores):")
    print(_line(run))
    print(f"  cards in the admin chat: {_cards(run, TARGET_AT)}; ratio on PostgreSQL/echo messages/s: "
          f"{ratio:.2f} (target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})"
          f"; PostgreSQL/SQLite: {run.rate / sqlite_run.rate if sqlite_run.rate else 0:.2f}")
