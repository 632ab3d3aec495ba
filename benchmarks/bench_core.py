"""N simulated citizens each file an appeal through the core (Dialog.handle) on SQLite, to
an institution with a working inbox (Котельничская ЦРБ: its admin's private chat, bound by
an invite accepted through the dialog; a ministry operator from the settings), so every
appeal writes its card into the outbox. Issue 15's `core` benchmark.

Printed side by side in one run, next to the same number of messages (6 per citizen)
written as one transaction each, with the writes a turn makes (the dedupe row in
seen_updates, the dialog_state upsert, the outbox reply row; the first message also makes
the citizen's users row, the last the appeal row, its event and the card row):

- through aiosqlite: `BEGIN IMMEDIATE`, one `await execute()` per statement, `COMMIT`,
  20 citizens (BENCH_CONCURRENCY) at a time, each transaction under one asyncio.Lock as
  in storage.db.Database;
- through plain sqlite3, synchronously, one message after the other;
- each twice: with SQLite's automatic checkpoint inside the commit, as plain code has
  it, and with it off, as the core has it (storage/checkpoints.py moves checkpoints to a
  connection of their own): the second floor is the stricter comparison.

Each on a fresh database made by storage.db.Database.open (the real schema and pragmas).
The payloads are the core run's own reply and card payloads, so the rows are as large.

    python -m benchmarks core            # 300 citizens, 20 at a time
    BENCH_CITIZENS=2000 python -m benchmarks core
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from benchmarks.pg import fetch_all, scratch_database, unavailable
from bot.app import App, build_app
from bot.appeals.staff_power import create_invite
from bot.clock import SystemClock
from bot.config import PROJECT_ROOT, Settings
from bot.dialog.types import Incoming
from bot.heap import settle
from storage.db import BUSY_TIMEOUT_MS, Database
from storage.records import Role, to_db

CITIZENS = int(os.environ.get("BENCH_CITIZENS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))

TARGET_RATIO = 0.4  # core >= 0.4 x the one-transaction aiosqlite figure
TARGET_P99_MS = 20.0  # at 20 concurrent citizens

KOTELNICH = "kir-crb-kotelnich"
ADMIN = "900001"  # the admin's private chat: the institution's inbox
OPERATOR = "900002"

SCRIPT: list[dict[str, str]] = [
    {"text": "/appeal"},
    {"text": "котельничская црб"},
    {"text": "В регистратуре не берут трубку третий день подряд"},
    {"payload": "cat:registry"},
    {"payload": "consent:yes"},
    {"payload": "confirm:send"},
]
MESSAGES = CITIZENS * len(SCRIPT)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# the core


@dataclass
class CoreRun:
    elapsed: float
    latencies: list[float]
    filed: int
    trips: int | None  # writer round trips during the run, if storage counts them
    reply_payloads: list[str]  # one citizen's reply rows, in order (for the baselines)
    card_payload: str


def _incoming(n: int, i: int, step: dict[str, str]) -> Incoming:
    return Incoming(platform="telegram", chat_id=str(n), user_id=str(n),
                    user_name=f"Гражданин {n}", update_id=f"{n}-{i}",
                    text=step.get("text", ""), payload=step.get("payload"))


async def _staff(app: App) -> None:
    """The institution's admin accepts an invite in a private chat, through the dialog
    (the chat becomes the inbox); the operator came from OPERATORS_TELEGRAM at build_app."""
    async with app.db.unit() as repos:
        token = await create_invite(repos, "admin", KOTELNICH, app.clock.now())
    replies = await app.dialog.handle(Incoming(
        platform="telegram", chat_id=ADMIN, user_id=ADMIN, user_name="Админ Котельнич",
        text=f"/start inv_{token}", update_id="admin-invite"))
    assert replies, "the invite got no answer"
    async with app.db.unit() as repos:
        inboxes = await repos.people.inbox_chats(KOTELNICH)
        operators = await repos.people.staff_chats(Role.OPERATOR)
    assert [(c.platform, c.chat_id) for c in inboxes] == [("telegram", ADMIN)], inboxes
    assert [(c.platform, c.chat_id) for c in operators] == [("telegram", OPERATOR)], operators


async def _dialog_run(workdir: Path, url: str | None = None) -> CoreRun:
    """The core on SQLite, or on the PostgreSQL database at `url`."""
    path = workdir / "core.sqlite3"
    settings = Settings(_env_file=None, database_path=path,  # type: ignore[call-arg]
                        database_url=url, faq_path=workdir / "faq.yaml",
                        directory_csv=PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv",
                        operators_telegram=[OPERATOR])
    app = await build_app(settings, SystemClock())
    await _staff(app)
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def citizen(n: int) -> None:
        async with semaphore:
            for i, step in enumerate(SCRIPT):
                incoming = _incoming(n, i, step)
                started = time.perf_counter()
                replies = await app.dialog.handle(incoming)
                latencies.append(time.perf_counter() - started)
                assert replies, step

    app.directory.current.search("котельничская црб")  # warm the lemmatiser like a live bot
    settle()  # as bot.runner.run_bot does before serving (bot/heap.py)
    trips_before = getattr(app.db, "trips", None)
    started = time.perf_counter()
    await asyncio.gather(*(citizen(n) for n in range(CITIZENS)))
    elapsed = time.perf_counter() - started
    trips_after = getattr(app.db, "trips", None)
    trips = (trips_after - trips_before
             if isinstance(trips_before, int) and isinstance(trips_after, int) else None)
    await app.close()

    query = _fetch_sqlite(path) if url is None else _fetch_pg(url)
    appeals = await query(
        "SELECT a.id, count(o.id), sum(CASE WHEN o.chat_id = $1 THEN 1 ELSE 0 END) "
        "FROM appeals a LEFT JOIN outbox o ON o.appeal_id = a.id AND o.kind = 'card' "
        "GROUP BY a.id", ADMIN)
    uncarded = [a for a, cards, to_inbox in appeals if cards < 1 or to_inbox != 1]  # type: ignore[operator]
    assert not uncarded, f"{len(uncarded)} of {len(appeals)} appeals have no card " \
                         f"for the inbox in the outbox (e.g. {uncarded[:5]})"
    replies = [str(p) for (p,) in await query(
        "SELECT payload FROM outbox WHERE kind = 'reply' AND chat_id = '0' ORDER BY id")]
    ((card,),) = await query("SELECT o.payload FROM outbox o JOIN appeals a ON a.id = "
                             "o.appeal_id WHERE o.kind = 'card' AND a.chat_id = '0'")
    return CoreRun(elapsed, latencies, len(appeals), trips, replies, str(card))


Query = Callable[..., Awaitable[list[tuple[object, ...]]]]


def _fetch_sqlite(path: Path) -> Query:
    async def query(sql: str, *args: object) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(sql.replace("$1", "?"), args).fetchall()
        finally:
            conn.close()
    return query


def _fetch_pg(url: str) -> Query:
    async def query(sql: str, *args: object) -> list[tuple[object, ...]]:
        return await fetch_all(url, sql, *args)
    return query


# the baselines: the same messages, one transaction each


SEEN = "INSERT OR IGNORE INTO seen_updates (platform, update_key, seen_at) VALUES (?, ?, ?)"
USER = ("INSERT INTO users (platform, platform_user_id, chat_id, display_name, created_at) "
        "VALUES (?, ?, ?, ?, ?)")
STATE = ("INSERT INTO dialog_state (platform, chat_id, user_id, state, data, updated_at) "
         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(platform, chat_id, user_id) DO UPDATE SET "
         "state = excluded.state, data = excluded.data, updated_at = excluded.updated_at")
OUTBOX = ("INSERT INTO outbox (key, platform, chat_id, payload, appeal_id, institution_id, "
          "kind, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
APPEAL = ("INSERT INTO appeals (number, citizen_id, platform, chat_id, institution_id, "
          "category, text, status, created_at, updated_at, first_response_due, due_at) "
          "VALUES (?, (SELECT id FROM users WHERE platform = 'telegram' AND platform_user_id = ?), "
          "'telegram', ?, ?, 'registry', ?, 'new', ?, ?, ?, ?)")
EVENT = ("INSERT INTO appeal_events (appeal_id, actor_id, kind, detail, created_at) "
         "VALUES (?, ?, 'created', '{}', ?)")
STATES = ["appeal_institution", "appeal_category", "appeal_text", "appeal_consent",
          "appeal_confirm", "appeal_confirm"]


class Floor:
    """The statements of one message, the same for aiosqlite and sqlite3: (sql, params)
    lists, with the appeal's id filled in after its INSERT."""

    def __init__(self, run: CoreRun) -> None:
        self.replies = run.reply_payloads or ['{"text": ""}']
        self.card = run.card_payload

    def before(self, n: int, i: int, stamp: str) -> list[tuple[str, tuple[object, ...]]]:
        chat = str(n)
        data = json.dumps({"institution_id": KOTELNICH, "category": "registry",
                           "text": SCRIPT[2]["text"], "step": i}, ensure_ascii=False)
        statements: list[tuple[str, tuple[object, ...]]] = [
            (SEEN, ("telegram", f"{n}-{i}", stamp))]
        if i == 0:
            statements.append((USER, ("telegram", chat, chat, f"Гражданин {n}", stamp)))
        statements += [
            (STATE, ("telegram", chat, chat, STATES[i], data, stamp)),
            (OUTBOX, (uuid.uuid4().hex, "telegram", chat, self.replies[i % len(self.replies)],
                      None, None, "reply", stamp, stamp)),
        ]
        return statements

    @staticmethod
    def appeal(n: int, stamp: str) -> tuple[str, tuple[object, ...]]:
        return (APPEAL, (f"bench-{n:07d}", str(n), str(n), KOTELNICH, SCRIPT[2]["text"],
                         stamp, stamp, stamp, stamp))

    def after(self, appeal_id: int, stamp: str) -> list[tuple[str, tuple[object, ...]]]:
        return [(EVENT, (appeal_id, None, stamp)),
                (OUTBOX, (uuid.uuid4().hex, "telegram", ADMIN, self.card, appeal_id, KOTELNICH,
                          "card", stamp, stamp))]


async def _fresh(path: Path) -> None:
    """The real schema (Database.open runs the migrations) and the one institution."""
    from directory.model import Institution

    db = await Database.open(path)
    async with db.unit() as repos:
        await repos.institutions.replace_all(
            [Institution(KOTELNICH, "КОГБУЗ «Котельничская ЦРБ»")], datetime.now(UTC))
    await db.close()


def _pragmas(inline_checkpoints: bool) -> list[str]:
    """The writer's pragmas; SQLite's automatic checkpoint inside the commit that crosses
    1,000 WAL pages (plain code), or off as storage/checkpoints.py has it for the core."""
    pragmas = [f"busy_timeout = {BUSY_TIMEOUT_MS}", "synchronous = NORMAL",
               "cache_size = -65536", "foreign_keys = ON"]
    return pragmas if inline_checkpoints else [*pragmas, "wal_autocheckpoint = 0"]


async def _aiosqlite_floor(path: Path, run: CoreRun,
                           inline_checkpoints: bool = True) -> tuple[float, list[float]]:
    """(elapsed, each message's latency: from asking for the lock to its commit)."""
    await _fresh(path)
    floor = Floor(run)
    conn = await aiosqlite.connect(path, isolation_level=None)
    for pragma in _pragmas(inline_checkpoints):
        await conn.execute(f"PRAGMA {pragma}")
    lock = asyncio.Lock()
    semaphore = asyncio.Semaphore(CONCURRENCY)
    latencies: list[float] = []

    async def citizen(n: int) -> None:
        async with semaphore:
            for i in range(len(SCRIPT)):
                asked = time.perf_counter()
                stamp = to_db(datetime.now(UTC))
                async with lock:
                    await conn.execute("BEGIN IMMEDIATE")
                    for sql, params in floor.before(n, i, stamp):
                        await conn.execute(sql, params)
                    if i == len(SCRIPT) - 1:
                        sql, params = floor.appeal(n, stamp)
                        cur = await conn.execute(sql, params)
                        assert cur.lastrowid is not None
                        for sql, params in floor.after(cur.lastrowid, stamp):
                            await conn.execute(sql, params)
                    await conn.execute("COMMIT")
                latencies.append(time.perf_counter() - asked)

    started = time.perf_counter()
    await asyncio.gather(*(citizen(n) for n in range(CITIZENS)))
    elapsed = time.perf_counter() - started
    _check_floor(await conn.execute_fetchall("SELECT count(*) FROM outbox WHERE kind = 'card'"))
    await conn.close()
    return elapsed, latencies


def _sqlite3_floor(path: Path, run: CoreRun, inline_checkpoints: bool = True) -> float:
    asyncio.run(_fresh(path))
    floor = Floor(run)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in _pragmas(inline_checkpoints):
        conn.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    for n in range(CITIZENS):
        for i in range(len(SCRIPT)):
            stamp = to_db(datetime.now(UTC))
            conn.execute("BEGIN IMMEDIATE")
            for sql, params in floor.before(n, i, stamp):
                conn.execute(sql, params)
            if i == len(SCRIPT) - 1:
                sql, params = floor.appeal(n, stamp)
                appeal_id = conn.execute(sql, params).lastrowid
                assert appeal_id is not None
                for sql, params in floor.after(appeal_id, stamp):
                    conn.execute(sql, params)
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    _check_floor(conn.execute("SELECT count(*) FROM outbox WHERE kind = 'card'").fetchall())
    conn.close()
    return elapsed


def _check_floor(rows: object) -> None:
    (count,) = next(iter(rows))  # type: ignore[call-overload]
    assert count == CITIZENS, f"baseline wrote {count} cards for {CITIZENS} appeals"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        run = asyncio.run(_dialog_run(workdir))
        aio_elapsed, aio_latencies = asyncio.run(
            _aiosqlite_floor(workdir / "floor_aiosqlite.sqlite3", run))
        sync_elapsed = _sqlite3_floor(workdir / "floor_sqlite3.sqlite3", run)
        aio_off, off_latencies = asyncio.run(_aiosqlite_floor(
            workdir / "floor_aiosqlite_off.sqlite3", run, inline_checkpoints=False))
        sync_off = _sqlite3_floor(workdir / "floor_sqlite3_off.sqlite3", run,
                                  inline_checkpoints=False)
    latencies = run.latencies
    messages = len(latencies)
    assert messages == MESSAGES, (messages, MESSAGES)
    core_rate = messages / run.elapsed
    aio_rate, aio_off_rate = MESSAGES / aio_elapsed, MESSAGES / aio_off
    sync_rate, sync_off_rate = MESSAGES / sync_elapsed, MESSAGES / sync_off
    p50 = statistics.median(latencies) * 1000
    p99 = _percentile(latencies, 0.99) * 1000
    ratio, strict = core_rate / aio_rate, core_rate / aio_off_rate
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"citizens: {CITIZENS} ({CONCURRENCY} at a time), messages: {messages}, "
          f"appeals filed: {run.filed}, each with its card in the outbox (inbox chat "
          f"{ADMIN}, operator {OPERATOR})")
    print(f"core (Dialog.handle):        {core_rate:8.0f} messages/s   p50 {p50:6.2f} ms   "
          f"p99 {p99:6.2f} ms   {run.elapsed / CITIZENS * 1000:6.2f} ms per appeal")
    print("1 tx per message, SQLite's automatic checkpoint in the commit (plain code):")
    print(f"  aiosqlite:  {aio_rate:8.0f} messages/s   ({CONCURRENCY} at a time, one lock)   "
          f"p50 {statistics.median(aio_latencies) * 1000:6.2f} ms   "
          f"p99 {_percentile(aio_latencies, 0.99) * 1000:6.2f} ms")
    print(f"  sqlite3:    {sync_rate:8.0f} messages/s   (synchronous)")
    print("1 tx per message, checkpoints off the commit (as the core has them):")
    print(f"  aiosqlite:  {aio_off_rate:8.0f} messages/s   p50 "
          f"{statistics.median(off_latencies) * 1000:6.2f} ms   "
          f"p99 {_percentile(off_latencies, 0.99) * 1000:6.2f} ms")
    print(f"  sqlite3:    {sync_off_rate:8.0f} messages/s")
    print(f"core / aiosqlite: {ratio:.2f} (plain), {strict:.2f} (checkpoints off)   "
          f"core / sqlite3: {core_rate / sync_rate:.3f}, {core_rate / sync_off_rate:.3f}")
    if run.trips is not None:
        print(f"round trips per message (writer): {run.trips / messages:.2f}")
    print(f"target core >= {TARGET_RATIO} x aiosqlite one-transaction figure: "
          f"{ratio:.2f} -> {_met(ratio >= TARGET_RATIO)}; against the stricter floor "
          f"(checkpoints off): {strict:.2f} -> {_met(strict >= TARGET_RATIO)}")
    verdict = (_met(p99 <= TARGET_P99_MS) if CONCURRENCY == 20
               else f"not judged: measured at {CONCURRENCY} concurrent")
    print(f"target p99 <= {TARGET_P99_MS:.0f} ms at 20 concurrent: {p99:.2f} ms -> {verdict} "
          f"(the one-transaction aiosqlite floor itself: p99 "
          f"{_percentile(off_latencies, 0.99) * 1000:.2f} ms with 20 waiting on one writer)")
    print(f"peak RSS: {peak_rss_mb:.0f} MiB")
    _postgresql(core_rate)
    assert run.filed == CITIZENS, f"only {run.filed} of {CITIZENS} appeals were filed"


def _postgresql(sqlite_rate: float) -> None:
    """The same core run on PostgreSQL (issue 16's backend), next to the SQLite figure."""
    why_not = unavailable()
    if why_not:
        print(f"core on PostgreSQL: skipped, {why_not}")
        return
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as url:
        run = asyncio.run(_dialog_run(Path(tmp), url))
    assert run.filed == CITIZENS, f"only {run.filed} of {CITIZENS} appeals were filed"
    rate = len(run.latencies) / run.elapsed
    p99 = _percentile(run.latencies, 0.99) * 1000
    print(f"core on PostgreSQL (one process, the server on the same 2 cores): {rate:8.0f} "
          f"messages/s   p50 {statistics.median(run.latencies) * 1000:6.2f} ms   "
          f"p99 {p99:6.2f} ms   ({rate / sqlite_rate:.2f} of SQLite's; target p99 <= "
          f"{TARGET_P99_MS:.0f} ms: {_met(p99 <= TARGET_P99_MS)})")
