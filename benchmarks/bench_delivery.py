"""Drain the outbox to many chats against the limit-enforcing fake platforms.

The real Courier, TelegramSender / VkSender and outbox (SQLite) against tests/fake_telegram
(in process, through aiogram) and tests/fake_vk (HTTP on 127.0.0.1), both enforcing the
platform limits. Time is compressed: the fakes, the senders and the courier share one
ScaledTimer, so "virtual seconds" are the platform's seconds.

Targets: messages/s at least 0.95 of the platform cap, no 429 (VK: error 6) after the first
2 virtual seconds, every chat's messages in order. Messages are queued round-robin
(seq 0 to every chat, then seq 1, ...). The rate is (accepted - 1) / (first to last accepted).

The ceiling printed first: the same pipeline unpaced (no limits, real time), the most this
machine delivers; the time factor is picked so the paced run needs at most ~40% of it
(else the machine, not the pacing, would set the rate).

    python -m benchmarks delivery
    BENCH_TG_FACTOR=30 BENCH_VK_MESSAGES=10000 BENCH_VK_PEERS=1000 python -m benchmarks delivery
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot
from vkbottle import API, AiohttpClient

from bot.app import App, build_app
from bot.appeals.outbox import outbox_row
from bot.clock import SystemClock
from bot.config import PROJECT_ROOT, Settings
from bot.delivery.courier import Courier
from bot.delivery.pacing import RateLimiter, ScaledTimer, Timer
from bot.delivery.ports import Limits, Sender
from bot.message import Message
from handlers.telegram_sender import LIMITS as TG_LIMITS
from handlers.telegram_sender import TelegramSender
from handlers.vk import api_method_url
from handlers.vk_sender import LIMITS as VK_LIMITS
from handlers.vk_sender import VkSender
from storage.records import OutboxKind
from tests.fake_telegram import FakeTelegram, recording_session
from tests.fake_vk import FakeVk

TG_MESSAGES = int(os.environ.get("BENCH_TG_MESSAGES", "10000"))
TG_CHATS = int(os.environ.get("BENCH_TG_CHATS", "1000"))
VK_MESSAGES = int(os.environ.get("BENCH_VK_MESSAGES", "2000"))
VK_PEERS = int(os.environ.get("BENCH_VK_PEERS", "200"))
GROUP_MESSAGES = int(os.environ.get("BENCH_GROUP_MESSAGES", "300"))
GROUP_FACTOR = float(os.environ.get("BENCH_GROUP_FACTOR", "150"))
CEILING_MESSAGES = 2000
LOAD = 0.4  # the paced run may need this share of the machine's ceiling
WARMUP = 2.0  # virtual seconds
TG_CAP, VK_CAP, GROUP_CAP_PER_MIN = 30, 20, 20  # what the fakes enforce
GROUP_CHAT = -100500
UNPACED = Limits(overall_per_s=1e6, private_interval=0.0, group_interval=0.0)


@dataclass
class Run:
    platform: str
    messages: int
    chats: int
    factor: float
    real_s: float
    virtual_s: float  # first to last accepted send
    delivered: int
    too_many: int
    too_many_late: int  # after the warm-up
    out_of_order: int  # chats whose texts are not seq 0..n-1 in order
    lag_p99_ms: float  # event-loop lag, real milliseconds
    lag_max_ms: float
    cap: float  # what the fake allows (per s; per minute for the group)
    own: float  # what our sender is configured to (same unit)
    per: float = 1.0  # 60 for per-minute figures

    @property
    def rate(self) -> float:
        return (self.delivered - 1) / self.virtual_s * self.per if self.virtual_s else 0.0


class LagMonitor:
    """How late the event loop wakes a 5 ms sleeper (real time): a busy loop shows here."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            self.lags.append(time.perf_counter() - started - 0.005)

    def __enter__(self) -> LagMonitor:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    def figures(self) -> tuple[float, float]:
        if not self.lags:
            return 0.0, 0.0
        ordered = sorted(self.lags)
        return ordered[int(0.99 * (len(ordered) - 1))] * 1000, ordered[-1] * 1000


async def _app(workdir: Path, name: str) -> App:
    settings = Settings(_env_file=None, database_path=workdir / f"{name}.sqlite3",  # type: ignore[call-arg]
                        faq_path=workdir / "faq.yaml",
                        directory_csv=PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv",
                        default_timezone="Europe/Kirov")
    return await build_app(settings, SystemClock())


async def _queue(app: App, platform: str, chats: list[int], per_chat: int) -> None:
    """per_chat messages "chat:seq" to every chat, round-robin, in one transaction."""
    rows = [outbox_row(platform, str(chat), Message(f"{chat}:{seq}"), OutboxKind.MESSAGE)
            for seq in range(per_chat) for chat in chats]
    async with app.db.unit() as repos:
        await repos.outbox.add_many(rows, app.clock.now())


def _out_of_order(received: list[tuple[int, str]], chats: list[int], per_chat: int) -> int:
    by_chat: dict[int, list[str]] = {chat: [] for chat in chats}
    for chat, text in received:
        by_chat.setdefault(chat, []).append(text)
    return sum(1 for chat, texts in by_chat.items()
               if texts != [f"{chat}:{seq}" for seq in range(per_chat)])


async def _drain(app: App, sender: Sender, timer: Timer) -> tuple[float, float, LagMonitor]:
    """Flush the whole outbox through a Courier on `timer`; (real s, virtual start, lag)."""
    courier = Courier(app.db, app.clock, app.courier.handler, policy=app.courier.policy,
                      timer=timer)
    courier.add_sender(sender)
    with LagMonitor() as lag:
        virtual_start = timer.monotonic()
        started = time.perf_counter()
        await courier.flush()
        real = time.perf_counter() - started
    async with app.db.unit() as repos:
        counts = await repos.outbox.count_by_status()
    assert set(counts) <= {"sent"}, f"outbox not drained: {counts}"
    return real, virtual_start, lag


def _unpace(sender: Any) -> None:
    sender.limits = UNPACED
    sender.limiter = RateLimiter(UNPACED.overall_per_s)


# Telegram


async def _telegram(workdir: Path, name: str, chats: list[int], per_chat: int,
                    factor: float, *, paced: bool) -> Run:
    app = await _app(workdir, name)
    timer = ScaledTimer(factor)
    fake = FakeTelegram(now=timer.monotonic)
    if paced:
        fake.enforce_limits(global_per_s=TG_CAP, private_per_s=1.0,
                            group_per_minute=GROUP_CAP_PER_MIN)
    bot = Bot("123:TEST", session=recording_session(fake))
    sender = TelegramSender(bot, timer)
    if not paced:
        _unpace(sender)
    try:
        await _queue(app, "telegram", chats, per_chat)
        real, start, lag = await _drain(app, sender, timer)
    finally:
        await bot.session.close()
        await app.close()
    accepted = sorted(t for times in fake.accepted_times.values() for t in times)
    group = len(chats) == 1 and chats[0] < 0
    warmup = 60.0 if group else WARMUP
    return Run(
        platform="telegram group" if group else "telegram", messages=len(chats) * per_chat,
        chats=len(chats), factor=factor, real_s=real,
        virtual_s=accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0,
        delivered=len(fake.sent), too_many=len(fake.too_many),
        too_many_late=sum(1 for t, _, _ in fake.too_many if t > start + warmup),
        out_of_order=_out_of_order([(m.chat_id, m.text) for m in fake.sent], chats, per_chat),
        lag_p99_ms=lag.figures()[0], lag_max_ms=lag.figures()[1],
        cap=GROUP_CAP_PER_MIN if group else TG_CAP,
        own=60.0 / TG_LIMITS.group_interval if group else TG_LIMITS.overall_per_s,
        per=60.0 if group else 1.0)


# VK


async def _vk(workdir: Path, name: str, peers: list[int], per_chat: int, factor: float, *,
              paced: bool) -> Run:
    app = await _app(workdir, name)
    timer = ScaledTimer(factor)
    fake = FakeVk(now=timer.monotonic)
    await fake.start()
    if paced:
        fake.enforce_limits(per_second=VK_CAP)
    http = AiohttpClient()
    api = API(fake.token, http_client=http)
    api.API_URL = api_method_url(fake.base_url)
    sender = VkSender(api, timer)
    if not paced:
        _unpace(sender)
    try:
        await _queue(app, "vk", peers, per_chat)
        real, start, lag = await _drain(app, sender, timer)
    finally:
        await http.close()
        await fake.close()
        await app.close()
    accepted = sorted(t for times in fake.accepted_times.values() for t in times)
    return Run(
        platform="vk", messages=len(peers) * per_chat, chats=len(peers), factor=factor,
        real_s=real, virtual_s=accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0,
        delivered=len(fake.sent), too_many=len(fake.too_many),
        too_many_late=sum(1 for t, _ in fake.too_many if t > start + WARMUP),
        out_of_order=_out_of_order([(m.peer_id, m.text) for m in fake.sent], peers, per_chat),
        lag_p99_ms=lag.figures()[0], lag_max_ms=lag.figures()[1],
        cap=VK_CAP, own=VK_LIMITS.overall_per_s)


# the runs


def _chats(count: int) -> list[int]:
    return [100_001 + n for n in range(count)]  # clear of the fake's special ids (404)


def _factor(env: str, ceiling: float, own_rate: float, most: float) -> float:
    if os.environ.get(env):
        return float(os.environ[env])
    return max(2.0, min(most, round(LOAD * ceiling / own_rate)))


def _ceiling_line(run: Run) -> str:
    return (f"{run.platform:<15} ceiling (unpaced, no limits, real time): "
            f"{run.delivered / run.real_s:7.0f} msgs/s  "
            f"({run.delivered} to {run.chats} chats in {run.real_s:.1f} s)")


def _table(runs: list[Run]) -> None:
    print(f"{'platform':<15} {'msgs':>6} {'chats':>5} {'factor':>6} {'real s':>6} "
          f"{'virt s':>7} {'rate':>9} {'of cap':>6} {'of ours':>7} {'429s':>5} "
          f"{'late':>4}  order kept")
    for r in runs:
        unit = "/min" if r.per == 60 else "/s"
        order = "yes" if r.out_of_order == 0 else f"no ({r.out_of_order} chats out of order)"
        print(f"{r.platform:<15} {r.delivered:>6} {r.chats:>5} {r.factor:>6.0f} "
              f"{r.real_s:>6.1f} {r.virtual_s:>7.1f} {r.rate:>6.2f}{unit:<3} "
              f"{r.rate / r.cap:>6.3f} {r.rate / r.own:>7.3f} {r.too_many:>5} "
              f"{r.too_many_late:>4}  {order}")


def _notes(runs: list[Run]) -> None:
    for r in runs:
        lag = (f"event-loop lag p99 {r.lag_p99_ms:.1f} ms, max {r.lag_max_ms:.1f} ms real "
               f"= {r.lag_p99_ms * r.factor:.0f} / {r.lag_max_ms * r.factor:.0f} ms virtual")
        need = r.rate / r.per * r.factor
        print(f"  {r.platform}: cap {r.cap:g}{'/min' if r.per == 60 else '/s'} (fake), "
              f"ours {r.own:.2f}; real send rate needed {need:.0f}/s; {lag}")


async def _all(workdir: Path) -> list[Run]:
    tg_chats = _chats(TG_CHATS)
    tg_per = max(1, TG_MESSAGES // TG_CHATS)
    vk_peers = _chats(VK_PEERS)
    vk_per = max(1, VK_MESSAGES // VK_PEERS)

    ceiling_tg = await _telegram(workdir, "tg-ceiling", _chats(CEILING_MESSAGES // 10), 10,
                                 1.0, paced=False)
    print(_ceiling_line(ceiling_tg), flush=True)
    ceiling_vk = await _vk(workdir, "vk-ceiling", _chats(CEILING_MESSAGES // 10), 10, 1.0,
                           paced=False)
    print(_ceiling_line(ceiling_vk), flush=True)
    for ceiling in (ceiling_tg, ceiling_vk):
        assert ceiling.delivered == ceiling.messages and ceiling.out_of_order == 0, ceiling

    tg_factor = _factor("BENCH_TG_FACTOR", ceiling_tg.delivered / ceiling_tg.real_s,
                        TG_LIMITS.overall_per_s, 40.0)
    vk_factor = _factor("BENCH_VK_FACTOR", ceiling_vk.delivered / ceiling_vk.real_s,
                        VK_LIMITS.overall_per_s, 20.0)
    print(f"time factors: telegram x{tg_factor:g}, vk x{vk_factor:g}, "
          f"group x{GROUP_FACTOR:g} (virtual = real x factor)", flush=True)
    if VK_MESSAGES < TG_MESSAGES:
        print(f"vk: {vk_per * VK_PEERS} messages to {VK_PEERS} peers (not {TG_MESSAGES} to "
              f"{TG_CHATS}: at {VK_CAP}/s that would be {TG_MESSAGES / VK_CAP:.0f} virtual s); "
              f"BENCH_VK_MESSAGES / BENCH_VK_PEERS to change", flush=True)

    runs: list[Run] = []
    scenarios: list[Callable[[], Awaitable[Run]]] = [
        lambda: _telegram(workdir, "tg", tg_chats, tg_per, tg_factor, paced=True),
        lambda: _vk(workdir, "vk", vk_peers, vk_per, vk_factor, paced=True),
        lambda: _telegram(workdir, "tg-group", [GROUP_CHAT], GROUP_MESSAGES, GROUP_FACTOR,
                          paced=True),
    ]
    for scenario in scenarios:
        run = await scenario()
        print(f"  {run.platform}: {run.delivered} delivered in {run.real_s:.1f} s real",
              flush=True)
        runs.append(run)
    return runs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        runs = asyncio.run(_all(Path(tmp)))
    print()
    _table(runs)
    _notes(runs)
    failures = [r for r in runs if r.delivered != r.messages]
    assert not failures, f"messages lost or duplicated: {failures}"
    short = [f"{r.platform} {r.rate / r.cap:.3f} of cap" for r in runs if r.rate / r.cap < 0.95]
    late = [f"{r.platform} {r.too_many_late}" for r in runs if r.too_many_late]
    broken = [f"{r.platform} {r.out_of_order} chats" for r in runs if r.out_of_order]
    print("targets: rate >= 0.95 of cap: " + ("met" if not short else "MISSED: " + ", ".join(short)))
    print("         no 429 after warm-up: " + ("met" if not late else "MISSED: " + ", ".join(late)))
    print("         order kept: " + ("yes" if not broken else "NO: " + ", ".join(broken)))
