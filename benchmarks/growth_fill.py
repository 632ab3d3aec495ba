"""The growth benchmark's databases: filled fast with plain sqlite3 into the real
schema and cached under benchmarks/.cache (benchmarks/bench_growth.py measures them)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_core import SCRIPT
from bot.app import build_app
from bot.appeals.staff_power import grant_role
from bot.clock import FixedClock
from bot.config import PROJECT_ROOT, Settings
from bot.dialog.types import Incoming
from storage.db import migration_scripts
from storage.records import to_db

CACHE = Path(__file__).resolve().parent / ".cache"
FILL_VERSION = 4  # bump when the fill below changes
NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # Friday 10:00 in Moscow: digests are due
OPERATOR, ADMIN0 = 9001, 2001
INBOXES = 8  # institutions with an admin's private chat as inbox; the rest: the operator


def growth_settings(path: Path, workdir: Path) -> Settings:
    return Settings(_env_file=None, database_path=path, faq_path=workdir / "faq.yaml",  # type: ignore[call-arg]
                    directory_csv=PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv",
                    flood_messages_per_minute=0, appeals_per_day=0)


def db_stamp(moment: datetime) -> str:
    return to_db(moment)  # as the bot writes its times (whole seconds)


def _cache_path(size: int) -> Path:
    scripts = migration_scripts()
    digest = hashlib.sha256("".join(sql for _, _, sql in scripts).encode()).hexdigest()[:10]
    return CACHE / f"growth-{size}-schema{len(scripts)}-{digest}-fill{FILL_VERSION}.sqlite3"


# the fill

async def _templates(workdir: Path) -> dict[str, Any]:
    """A real filing through Dialog.handle, to an institution with an inbox: the outbox
    payloads, events and thread rows the bot writes for one appeal."""
    path = workdir / "template.sqlite3"
    app = await build_app(growth_settings(path, workdir), FixedClock(NOW))
    async with app.db.unit() as repos:
        # SCRIPT files to Kotelnich
        await repos.people.bind_inbox("kir-crb-kotelnich", "telegram", str(ADMIN0), False, NOW)
    for n, step in enumerate(SCRIPT):
        await app.dialog.handle(Incoming(platform="telegram", chat_id="5", user_id="5",
                                         update_id=str(n), message_id=str(n), **step))
    await app.close()
    with sqlite3.connect(path) as conn:
        replies = [r[0] for r in conn.execute(
            "SELECT payload FROM outbox WHERE kind = 'reply' ORDER BY id")]
        card = conn.execute("SELECT payload FROM outbox WHERE kind = 'card'").fetchone()[0]
        event = conn.execute("SELECT detail FROM appeal_events").fetchone()[0]
    answer_text = ("Здравствуйте! По вашему обращению проведена проверка: в регистратуре "
                   "заменили телефонную станцию, добавлена вторая линия и запись через "
                   "портал госуслуг. Приносим извинения за неудобства. Если вопрос не решён, "
                   "нажмите «Вопрос не решён», обращение вернётся в работу.") * 2
    answer = json.dumps({"t": "Ответ на обращение № 2026-000001:\n\n" + answer_text,
                         "b": [[[f"{i} ⭐", f"rate:1:{i}"] for i in range(1, 6)],
                               [["Вопрос не решён", "reopen:1"]]], "appeal": 1},
                        ensure_ascii=False)
    return {"replies": replies, "card": card, "card_edit": card.replace("новое, ждёт ответа",
                                                                          "закрыто"),
            "answer": answer, "answer_text": answer_text, "created_detail": event}


async def _schema(path: Path, workdir: Path) -> tuple[list[str], list[str], dict[str, int]]:
    """The real schema, directory and staff through the bot: (inbox institutions, other
    institutions, user ids of the staff)."""
    app = await build_app(growth_settings(path, workdir), FixedClock(NOW))
    staff: dict[str, int] = {}
    async with app.db.unit() as repos:
        institutions = [i.id for i in await repos.institutions.list()]
        inboxes = institutions[:INBOXES]
        for n, inst in enumerate(inboxes):
            user = await grant_role(repos, platform="telegram", user_id=str(ADMIN0 + n),
                                    chat_id=str(ADMIN0 + n), role="admin",
                                    institution_id=inst, now=NOW)
            await repos.people.bind_inbox(inst, "telegram", str(ADMIN0 + n), False, NOW)
            staff[f"admin{n}"] = user.id
        user = await grant_role(repos, platform="telegram", user_id=str(OPERATOR),
                                chat_id=str(OPERATOR), role="operator", institution_id=None,
                                now=NOW)
        staff["operator"] = user.id
    await app.close()
    return inboxes, institutions[INBOXES:], staff


def _fill(path: Path, size: int, tpl: dict[str, Any], inboxes: list[str], others: list[str],
          staff: dict[str, int]) -> dict[str, Any]:
    rng = random.Random(size)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # straight into the file, not via a huge WAL
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN")
    first_user = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM users").fetchone()[0]
    n_citizens = max(1000, size // 3)
    conn.executemany(
        "INSERT INTO users (id, platform, platform_user_id, chat_id, display_name, created_at) "
        "VALUES (?, 'telegram', ?, ?, ?, ?)",
        [(first_user + i, str(100_000 + i), str(100_000 + i), f"Гражданин {i}",
          db_stamp(NOW - timedelta(days=1400))) for i in range(n_citizens)])
    admin_of = {inst: staff[f"admin{n}"] for n, inst in enumerate(inboxes)}
    institutions = inboxes * 3 + others  # the inbox institutions get more of the appeals
    replies, card, card_edit, answer = tpl["replies"], tpl["card"], tpl["card_edit"], tpl["answer"]
    appeals, events, thread, outbox, seen = [], [], [], [], []
    due_ids: list[int] = []
    counts = {"closed": 0, "answered": 0, "in_progress": 0, "new": 0, "overdue": 0}
    outbox_id = msg_id = 0
    insert_appeals = (
        "INSERT INTO appeals (id, number, citizen_id, platform, chat_id, institution_id, "
        "category, text, status, assignee_id, rating, created_at, updated_at, "
        "first_response_due, due_at, first_response_at, answered_at, closed_at, "
        "next_reminder_at, reminder_stage, overdue_at, answers_given) "
        "VALUES (?, ?, ?, 'telegram', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

    def flush() -> None:
        conn.executemany(insert_appeals, appeals)
        conn.executemany("INSERT INTO appeal_events (appeal_id, actor_id, kind, detail, "
                         "created_at) VALUES (?, ?, ?, ?, ?)", events)
        conn.executemany("INSERT INTO appeal_messages (appeal_id, kind, platform, chat_id, "
                         "message_id, author_id, text, created_at) "
                         "VALUES (?, ?, 'telegram', ?, ?, ?, ?, ?)", thread)
        conn.executemany("INSERT INTO outbox (id, platform, chat_id, payload, appeal_id, kind, "
                         "status, attempts, not_before, created_at, sent_at, message_id, key, "
                         "institution_id) VALUES (?, 'telegram', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                         "?, ?)", outbox)
        conn.executemany("INSERT INTO seen_updates (platform, update_key, seen_at) "
                         "VALUES ('telegram', ?, ?)", seen)
        for batch in (appeals, events, thread, outbox, seen):
            batch.clear()

    categories = ["registry", "appointment", "quality", "staff", "medicines", "other"]
    texts = ["В регистратуре не берут трубку третий день подряд, записаться невозможно.",
             "Врач-терапевт не принял по записи, сказали прийти завтра, очередь два часа.",
             "Нет льготного препарата в аптеке уже месяц, просим помочь с получением."]
    def draw() -> tuple[str, datetime]:
        roll = rng.random()
        if roll < 0.94:
            return "closed", NOW - timedelta(days=rng.uniform(31, 4 * 365))
        if roll < 0.97:
            return "answered", NOW - timedelta(days=rng.uniform(3, 30))
        if roll < 0.99:  # about a third of them past the 30-day deadline
            return "in_progress", NOW - timedelta(days=rng.uniform(0, 45))
        return "new", NOW - timedelta(days=rng.uniform(0, 3))

    # numbered in the order they were filed, as the bot numbers them: a period's rows lie
    # together in the tables (retention then empties whole pages, as it does in the bot)
    drawn = sorted((draw() for _ in range(size)), key=lambda pair: pair[1])
    for appeal_id, (status, created) in enumerate(drawn, start=1):
        counts[status] += 1
        inst = institutions[appeal_id % len(institutions)]
        citizen = first_user + rng.randrange(n_citizens)
        chat = str(100_000 + citizen - first_user)
        first_due = created + timedelta(hours=24)
        due = created + timedelta(days=30)
        is_open = status in ("new", "in_progress")
        overdue = is_open and due < NOW
        counts["overdue"] += overdue
        answered_at = created + timedelta(days=rng.uniform(1, 20)) if not is_open else None
        first_at = (created + timedelta(hours=rng.uniform(1, 30))
                    if status != "new" else None)
        closed_at = answered_at + timedelta(days=rng.uniform(0, 5)) if status == "closed" else None
        next_reminder = None
        if is_open:
            # 1% of the open appeals are due a reminder now; the rest later
            next_reminder = (NOW - timedelta(minutes=1) if rng.random() < 0.01
                             else NOW + timedelta(hours=rng.uniform(1, 72)))
            if next_reminder < NOW:
                due_ids.append(appeal_id)
        assignee = admin_of.get(inst) if status != "new" else None
        appeals.append((
            appeal_id, f"{created.year}-{appeal_id:06d}", citizen, chat, inst,
            rng.choice(categories), rng.choice(texts), status, assignee,
            rng.randint(1, 5) if status == "closed" and rng.random() < 0.6 else None,
            db_stamp(created), db_stamp(closed_at or answered_at or first_at or created),
            db_stamp(first_due), db_stamp(due), first_at and db_stamp(first_at),
            answered_at and db_stamp(answered_at), closed_at and db_stamp(closed_at),
            next_reminder and db_stamp(next_reminder), 0,
            db_stamp(due) if overdue else None, 1 if answered_at else 0))
        sc = db_stamp(created)
        events.append((appeal_id, citizen, "created", tpl["created_detail"], sc))
        # the thread opens with appeals.text (no row); notices get rows once delivered
        inbox_chat = str(ADMIN0 + inboxes.index(inst)) if inst in admin_of else str(OPERATOR)
        msg_id += 1
        thread.append((appeal_id, "card", inbox_chat, str(msg_id), None, "", sc))
        rows = [(chat, p, None, "reply") for p in replies[:-1]]
        rows.append((chat, replies[-1], appeal_id, "reply"))
        rows.append((inbox_chat, card, appeal_id, "card"))
        if first_at is not None:
            events.append((appeal_id, assignee, "taken", "{}", db_stamp(first_at)))
            rows.append((inbox_chat, card_edit, appeal_id, "card_edit"))
        if answered_at is not None:
            sa = db_stamp(answered_at)
            events.append((appeal_id, assignee, "answered", "{}", sa))
            thread.append((appeal_id, "staff", inbox_chat, None, assignee, tpl["answer_text"], sa))
            rows.append((chat, answer, appeal_id, "citizen"))
            rows.append((inbox_chat, card_edit, appeal_id, "card_edit"))
        if closed_at is not None:
            events.append((appeal_id, citizen, "closed", '{"reason": "rated"}', db_stamp(closed_at)))
        for chat_id, payload, a_id, kind in rows:
            outbox_id += 1
            pending = is_open and kind == "card_edit" and rng.random() < 0.1
            outbox.append((outbox_id, chat_id, payload, a_id, kind,
                           "pending" if pending else "sent", 1, sc, sc,
                           None if pending else sc, None if pending else str(outbox_id),
                           f"{outbox_id:032x}", inst if kind == "card" else None))
            if a_id is not None and kind in ("reply", "citizen"):  # as the courier marks it
                thread.append((appeal_id, "notice", chat_id, str(outbox_id), None, "", sc))
        for step in range(len(SCRIPT)):
            seen.append((f"{appeal_id}-{step}", sc))
        if len(appeals) >= 20_000:
            flush()
    flush()
    # FAQ: questions nobody answered (in clusters of wordings) and feedback on the answers
    questions = [(f"как записаться к врачу вариант {i % 3000} номер {i}",
                  f"запис врач вариант {i % 3000}", "telegram",
                  db_stamp(NOW - timedelta(days=rng.uniform(0, 180)))) for i in range(size // 5)]
    conn.executemany("INSERT INTO faq_unanswered (question, normalized, platform, created_at) "
                     "VALUES (?, ?, ?, ?)", questions)
    feedback = [(f"entry-{i % 300}", int(rng.random() < 0.7), "telegram", str(100_000 + i),
                 db_stamp(NOW - timedelta(days=rng.uniform(0, 180))), f"ans-{i}")
                for i in range(size // 5)]
    conn.executemany("INSERT INTO faq_feedback (entry_id, helpful, platform, user_id, "
                     "created_at, answer_key) VALUES (?, ?, ?, ?, ?, ?)", feedback)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")  # as the bot keeps it
    conn.close()
    return {"counts": counts, "due_ids": due_ids}


def filled(size: int) -> tuple[Path, dict[str, Any]]:
    path = _cache_path(size)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    CACHE.mkdir(exist_ok=True)
    ignore = CACHE / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    for old in CACHE.glob(f"growth-{size}-*"):
        old.unlink()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        tpl = asyncio.run(_templates(workdir))
        partial = path.with_suffix(".partial")
        for leftover in CACHE.glob(partial.name + "*"):
            leftover.unlink()
        inboxes, others, staff = asyncio.run(_schema(partial, workdir))
        meta = _fill(partial, size, tpl, inboxes, others, staff)
    meta["inboxes"] = inboxes
    meta["fill_s"] = time.perf_counter() - started
    partial.rename(path)
    for leftover in CACHE.glob(partial.name + "-*"):
        leftover.unlink()
    meta_path.write_text(json.dumps(meta))
    return path, meta


# the measurements



@contextmanager
def working_copy(size: int) -> Iterator[tuple[Path, Path, dict[str, Any]]]:
    """(a copy of the cached database of `size` appeals, its folder, the fill's meta): each
    run measures a copy, removed after it."""
    cached, meta = filled(size)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        workdir = Path(tmp)
        work = workdir / "bot.sqlite3"
        shutil.copyfile(cached, work)
        yield work, workdir, meta
