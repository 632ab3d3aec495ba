"""Issue 12, item 14: building the directory index and reloading the FAQ happen off the
event loop, so the bot keeps answering while they run.

A ticker task sleeps a millisecond at a time and records the longest gap between its
ticks while the work runs. Work done on the loop shows up as one gap as long as the work
itself (the control case proves the ticker sees that); work in a worker thread leaves
only gaps of a few milliseconds (the interpreter hands the GIL over every 5 ms).

The garbage collector is held while the work is measured: a full collection stops every
thread, wherever the work runs, for a time that grows with the test process's heap, so
it would make the measure depend on which tests ran before, not on where the work runs.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import yaml

from benchmarks.bench_directory import national_directory
from bot.directory_holder import DirectoryHolder
from directory import Directory, Institution
from faq import FaqLimits, ReloadingFaq, load_faq
from storage.db import Database
from tests.faq_helpers import SEED

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
INSTITUTIONS = 10_000  # a few tenths of a second to index: long enough to see, short to run


@dataclass(frozen=True, slots=True)
class Ticks:
    duration: float  # seconds the work took
    longest_gap: float  # the longest the event loop was unavailable meanwhile

    def responsive(self) -> bool:
        return self.longest_gap < self.duration / 4


async def ticks_during(work: Callable[[], Awaitable[T]]) -> tuple[T, Ticks]:
    stop = asyncio.Event()
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    gc.collect()
    gc.disable()
    try:
        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0.005)  # the ticker is running
        started = time.perf_counter()
        result = await work()
        duration = time.perf_counter() - started
        stop.set()
        await ticker
    finally:
        gc.enable()
    return result, Ticks(duration, max(gaps))


async def test_the_ticker_sees_work_done_on_the_loop() -> None:
    """Control: the same build on the loop leaves the ticker waiting the whole time."""
    institutions = national_directory()[:INSTITUTIONS]

    async def on_the_loop() -> Directory:
        return Directory.from_institutions(institutions)

    directory, ticks = await ticks_during(on_the_loop)
    assert len(directory) == INSTITUTIONS
    assert not ticks.responsive() and ticks.longest_gap > 0.1


async def test_the_directory_index_is_built_off_the_loop(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.unit() as repos:
            await repos.institutions.replace_all(national_directory()[:INSTITUTIONS], NOW)
        holder = DirectoryHolder()
        rebuilt, ticks = await ticks_during(lambda: holder.refresh(db))
        assert rebuilt and len(holder.current) == INSTITUTIONS
        assert ticks.duration > 0.1, "too little work to tell"
        assert ticks.responsive(), ticks
        # A re-import picked up by the running bot: the same, with the old directory serving.
        async with db.unit() as repos:
            await repos.institutions.replace_all(
                [*national_directory()[:INSTITUTIONS], Institution("x-new", "Новая больница")],
                datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
        old = holder.current
        refresh = asyncio.create_task(holder.refresh(db))
        await asyncio.sleep(0.02)
        assert holder.current is old and "x-new" not in holder.current  # still serving
        assert await refresh and "x-new" in holder.current
    finally:
        await db.close()


def big_faq(count: int) -> str:
    seed = load_faq(SEED)
    entries = [{"id": f"e{i}_{e.id}", "question": f"{e.question} (вариант {i})",
                "alt": list(e.alt), "answer": e.answer}
               for i in range(count // len(seed) + 1) for e in seed][:count]
    return yaml.safe_dump({"entries": entries}, allow_unicode=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_changed_faq_is_reloaded_off_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    clock = Clock()
    faq = ReloadingFaq(path, check_every=5, clock=clock, limits=FaqLimits())
    old = faq.matcher
    path.write_text(big_faq(1_000), encoding="utf-8")
    clock.now += 10

    async def reloaded() -> None:
        served = faq.matcher  # notices the change, starts the reload in a thread
        assert served is old  # ...and answers with the old content meanwhile
        await faq.settled()

    _, ticks = await ticks_during(reloaded)
    assert faq.matcher is not old and len(faq.matcher) == 1_000 and faq.errors == []
    assert ticks.duration > 0.1, "too little work to tell"
    assert ticks.responsive(), ticks


async def test_a_forced_faq_reload_runs_off_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    faq = ReloadingFaq(path, check_every=3600)
    path.write_text(big_faq(1_000), encoding="utf-8")
    errors, ticks = await ticks_during(faq.areload)
    assert errors == [] and len(faq.matcher) == 1_000
    assert ticks.duration > 0.1, "too little work to tell"
    assert ticks.responsive(), ticks
