"""Drain the outbox to many chats against the limit-enforcing fake platforms.

The real Courier, TelegramSender / VkSender and outbox (SQLite) against tests/fake_telegram
(in process, through aiogram) and tests/fake_vk (HTTP on 127.0.0.1), both enforcing the
platform limits. Time is compressed: the fakes, the senders and the courier share one
ScaledTimer, so "virtual seconds" are the platform's seconds.

Targets: messages/s at least 0.95 of the platform cap, no 429 (VK: error 6) after the
warm-up (2 virtual s; the group: its first virtual minute), every chat's messages in order.
Messages are queued round-robin (seq 0 to every chat, then seq 1, ...). The rate is
(accepted - 1) / (first to last accepted), in virtual time.

Compression multiplies every real stall by the factor, so:
- the ceiling is printed first: the same pipeline unpaced (no limits, real time), the
  most this machine delivers, and the share of it each paced run needs (above ~50% the
  machine, not the pacing, sets the rate: lower the factor);
- the cyclic GC is held off during the paced drains (a 250 ms collection at x20 would be
  5 s of platform time, then a burst);
- the event-loop lag and the spread of the gaps between accepted sends are printed in
  virtual ms, and a control run per platform at a low factor shows how the 429s scale
  with it: what shrinks with the factor is the harness, what stays is the code.

    python -m benchmarks delivery
    BENCH_TG_FACTOR=30 BENCH_VK_MESSAGES=10000 BENCH_VK_PEERS=1000 python -m benchmarks delivery
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
from dataclasses import dataclass, field
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
TG_FACTOR = float(os.environ.get("BENCH_TG_FACTOR", "5"))
VK_FACTOR = float(os.environ.get("BENCH_VK_FACTOR", "4"))
GROUP_FACTOR = float(os.environ.get("BENCH_GROUP_FACTOR", "60"))
CONTROL_FACTOR = float(os.environ.get("BENCH_CONTROL_FACTOR", "5"))  # telegram; vk: 4
CONTROL_MESSAGES, VK_CONTROL_MESSAGES, CEILING_MESSAGES = 1000, 400, 2000
WARMUP = 2.0  # virtual seconds
TG_CAP, VK_CAP, GROUP_CAP_PER_MIN = 30, 20, 20  # what the fakes enforce
GROUP_CHAT = -100500
UNPACED = Limits(overall_per_s=1e6, private_interval=0.0, group_interval=0.0)


@dataclass
class Run:
    platform: str
    chats: int
    factor: float
    real_s: float
    accepted: list[float]  # virtual times of the accepted sends
    delivered: int
    expected: int
    too_many: list[float]  # virtual times of the 429s
    start: float  # virtual time the drain began
    out_of_order: int  # chats whose texts are not seq 0..n-1 in order
    lags: list[float]  # event-loop lag samples, real s
    cap: float  # what the fake allows (per s; per minute for the group)
    own: float  # what our sender is configured to (same unit)
    per: float = 1.0  # 60 for per-minute figures
    warmup: float = WARMUP
    per_chat_429: int = 0  # of too_many: the chat's own window was full (else the token's)
    gaps: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.accepted.sort()
        self.gaps = [b - a for a, b in zip(self.accepted, self.accepted[1:], strict=False)]

    @property
    def virtual_s(self) -> float:
        return self.accepted[-1] - self.accepted[0] if len(self.accepted) > 1 else 0.0

    @property
    def rate(self) -> float:
        return len(self.gaps) / self.virtual_s * self.per if self.virtual_s else 0.0

    @property
    def late(self) -> int:
        return sum(1 for t in self.too_many if t > self.start + self.warmup)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))] if ordered else 0.0


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


async def _drain(app: App, sender: Sender, timer: Timer,
                 paced: bool) -> tuple[float, float, list[float]]:
    """Flush the whole outbox through a Courier on `timer`; (real s, virtual start, lags)."""
    courier = Courier(app.db, app.clock, app.courier.handler, policy=app.courier.policy,
                      timer=timer)
    courier.add_sender(sender)
    gc.collect()
    if paced:
        gc.disable()
    try:
        with LagMonitor() as lag:
            virtual_start = timer.monotonic()
            started = time.perf_counter()
            await courier.flush()
            real = time.perf_counter() - started
    finally:
        gc.enable()
    async with app.db.unit() as repos:
        counts = await repos.outbox.count_by_status()
    assert set(counts) <= {"sent"}, f"outbox not drained: {counts}"
    return real, virtual_start, lag.lags


def _unpace(sender: Any) -> None:
    sender.limits = UNPACED
    sender.limiter = RateLimiter(UNPACED.overall_per_s)


async def _telegram(workdir: Path, name: str, chats: list[int], per_chat: int,
                    factor: float, *, paced: bool = True) -> Run:
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
        real, start, lags = await _drain(app, sender, timer, paced)
    finally:
        await bot.session.close()
        await app.close()
    group = len(chats) == 1 and chats[0] < 0
    window = 60.0 if group else 1.0
    per_chat_429 = sum(1 for t, _, chat in fake.too_many
                       if any(t - window < a <= t for a in fake.accepted_times.get(chat, [])))
    return Run(
        platform="telegram group" if group else f"telegram x{factor:g}", chats=len(chats),
        factor=factor, real_s=real,
        accepted=[t for times in fake.accepted_times.values() for t in times],
        delivered=len(fake.sent), expected=len(chats) * per_chat,
        too_many=[t for t, _, _ in fake.too_many], start=start,
        out_of_order=_out_of_order([(m.chat_id, m.text) for m in fake.sent], chats, per_chat),
        lags=lags, cap=GROUP_CAP_PER_MIN if group else TG_CAP,
        own=60.0 / TG_LIMITS.group_interval if group else TG_LIMITS.overall_per_s,
        per=60.0 if group else 1.0, warmup=60.0 if group else WARMUP,
        per_chat_429=per_chat_429)


async def _vk(workdir: Path, name: str, peers: list[int], per_chat: int, factor: float, *,
              paced: bool = True) -> Run:
    app = await _app(workdir, name)
    timer = ScaledTimer(factor)
    fake = FakeVk(now=timer.monotonic)
    await fake.start()
    if paced:
        fake.enforce_limits(per_second=VK_CAP)
    http = AiohttpClient()
    api = API(fake.token, http_client=http)
    api.API_URL = fake.base_url + "/method/"  # as handlers.vk.api_method_url makes it
    sender = VkSender(api, timer)
    if not paced:
        _unpace(sender)
    try:
        await _queue(app, "vk", peers, per_chat)
        real, start, lags = await _drain(app, sender, timer, paced)
    finally:
        await http.close()
        await fake.close()
        await app.close()
    return Run(
        platform=f"vk x{factor:g}", chats=len(peers), factor=factor, real_s=real,
        accepted=[t for times in fake.accepted_times.values() for t in times],
        delivered=len(fake.sent), expected=len(peers) * per_chat,
        too_many=[t for t, _ in fake.too_many], start=start,
        out_of_order=_out_of_order([(m.peer_id, m.text) for m in fake.sent], peers, per_chat),
        lags=lags, cap=VK_CAP, own=VK_LIMITS.overall_per_s)


def _chats(count: int) -> list[int]:
    return [100_001 + n for n in range(count)]  # clear of the fake's special ids (404)




def _table(runs: list[Run]) -> None:
    print(f"{'platform':<15} {'msgs':>6} {'chats':>5} {'real s':>6} {'virt s':>7} "
          f"{'rate':>10} {'of cap':>6} {'of ours':>7} {'429s':>5} {'late':>4} "
          f"{'per 1k':>6}  order kept")
    for r in runs:
        unit = "/min" if r.per == 60 else "/s"
        order = "yes" if r.out_of_order == 0 else f"no ({r.out_of_order} chats out of order)"
        print(f"{r.platform:<15} {r.delivered:>6} {r.chats:>5} {r.real_s:>6.1f} "
              f"{r.virtual_s:>7.1f} {r.rate:>6.2f}{unit:<4} {r.rate / r.cap:>6.3f} "
              f"{r.rate / r.own:>7.3f} {len(r.too_many):>5} {r.late:>4} "
              f"{1000 * r.late / max(r.delivered, 1):>6.1f}  {order}")


def _notes(runs: list[Run]) -> None:
    print("virtual ms: event-loop lag p99/max (real ms x factor); gaps between accepted "
          "sends p1/p50/p99 (the configured interval is 1000/ours)")
    for r in runs:
        lag99, lagmax = _pct(r.lags, 0.99) * 1000, max(r.lags, default=0.0) * 1000
        gaps = "/".join(f"{_pct(r.gaps, q) * 1000:.0f}" for q in (0.01, 0.5, 0.99))
        interval = 1000 * r.per / r.own
        need = r.rate / r.per * r.factor
        kinds = (f"; 429s: {len(r.too_many) - r.per_chat_429} token-wide, "
                 f"{r.per_chat_429} per-chat" if r.too_many else "")
        print(f"  {r.platform:<15} x{r.factor:<4g} needs {need:4.0f} sends/s real; lag "
              f"{lag99:.1f}/{lagmax:.1f} ms real = {lag99 * r.factor:.0f}/"
              f"{lagmax * r.factor:.0f} virtual; gaps {gaps} (interval {interval:.0f})"
              f"{kinds}")


async def _all(workdir: Path) -> list[Run]:
    ceiling_tg = await _telegram(workdir, "tg-ceiling", _chats(CEILING_MESSAGES // 10), 10,
                                 1.0, paced=False)
    ceiling_vk = await _vk(workdir, "vk-ceiling", _chats(CEILING_MESSAGES // 10), 10, 1.0,
                           paced=False)
    for c in (ceiling_tg, ceiling_vk):
        assert c.delivered == c.expected and c.out_of_order == 0, c.platform
        print(f"{c.platform.split()[0]:<9} ceiling (unpaced, no limits, real time): "
              f"{c.delivered / c.real_s:5.0f} msgs/s ({c.delivered} to {c.chats} chats)",
              flush=True)
    tg_factor, vk_factor = TG_FACTOR, VK_FACTOR
    print(f"time factors (virtual = real x factor): telegram x{tg_factor:g} (control "
          f"x{CONTROL_FACTOR:g}), vk x{vk_factor:g} (control x{CONTROL_FACTOR * 0.8:g}), "
          f"group x{GROUP_FACTOR:g}; GC held off during the paced drains", flush=True)
    for c, need in ((ceiling_tg, TG_LIMITS.overall_per_s * tg_factor),
                    (ceiling_vk, VK_LIMITS.overall_per_s * vk_factor)):
        share = need / (c.delivered / c.real_s)
        print(f"{c.platform.split()[0]:<9} paced run needs {need:.0f} sends/s real = "
              f"{share:.0%} of the ceiling" + ("  (too close: lower the factor)"
                                                if share > 0.5 else ""), flush=True)
    vk_per = max(1, VK_MESSAGES // VK_PEERS)
    if VK_MESSAGES < TG_MESSAGES:
        print(f"vk: {vk_per * VK_PEERS} messages to {VK_PEERS} peers, not {TG_MESSAGES} to "
              f"{TG_CHATS} ({TG_MESSAGES / VK_LIMITS.overall_per_s:.0f} virtual s at "
              f"{VK_LIMITS.overall_per_s:g}/s); BENCH_VK_MESSAGES / BENCH_VK_PEERS to change",
              flush=True)
    runs = []
    for scenario in (
        _telegram(workdir, "tg", _chats(TG_CHATS), max(1, TG_MESSAGES // TG_CHATS),
                  tg_factor),
        _telegram(workdir, "tg-control", _chats(CONTROL_MESSAGES // 10), 10, CONTROL_FACTOR),
        _vk(workdir, "vk", _chats(VK_PEERS), vk_per, vk_factor),
        _vk(workdir, "vk-control", _chats(VK_CONTROL_MESSAGES // 10), 10,
            CONTROL_FACTOR * 0.8),
        _telegram(workdir, "tg-group", [GROUP_CHAT], GROUP_MESSAGES, GROUP_FACTOR),
    ):
        run = await scenario
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
    wrong = [r.platform for r in runs if r.delivered != r.expected]
    assert not wrong, f"messages lost or duplicated: {wrong}"
    short = [f"{r.platform} {r.rate / r.cap:.3f}" for r in runs if r.rate / r.cap < 0.95]
    late = [f"{r.platform} {r.late}" for r in runs if r.late]
    broken = [f"{r.platform} {r.out_of_order} chats" for r in runs if r.out_of_order]
    print("targets: rate >= 0.95 of cap: " + ("met" if not short else "MISSED: " + ", ".join(short)))
    print("         no 429 after warm-up: " + ("met" if not late else "MISSED: " + ", ".join(late)))
    print("         order kept: " + ("yes" if not broken else "NO: " + ", ".join(broken)))
