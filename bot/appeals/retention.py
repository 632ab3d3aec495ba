"""The retention job: personal data kept no longer than its term, storage bounded.

Every step works in batches of at most `Housekeeping.batch` rows, each batch its own short
unit of work, with the event loop given back between batches: a citizen's turn waits for
one batch at most (a few milliseconds), never for the whole job (it used to be one
transaction: 1.6 s at 10k stored appeals, 44 s at 100k).

The steps, oldest data first:
- seen updates (kept against redelivery) after `seen_updates`;
- delivered outbox rows after `sent_messages`, except cards; cards lose their text after
  the policy's `retention.sent_messages`;
- a closed appeal `closed_appeals` after it closed (longer than the follow-up window: no
  reply to it is taken any more, it cannot be reopened) is compacted: its delivered rows
  go (a card's chats kept in card_copies), its thread notices and citizen message ids go;
- closed appeals past the policy's `retention.appeals` are anonymised;
- unanswered questions and feedback authors after the policy's `retention.questions`;
- dead letters after their 90 days.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import texts
from bot.appeals.policy import Retention
from bot.appeals.service import FOLLOW_UP_WINDOW
from bot.config import Settings
from bot.dead_letters import DEAD_LETTERS_KEEP
from bot.message import Message, encode
from storage.repositories import Repositories
from storage.store import Store

BLANK = encode(Message(""))


@dataclass(frozen=True, slots=True)
class Housekeeping:
    """The storage bounds of the settings (RETENTION_* in .env.example)."""

    seen_updates: timedelta = timedelta(days=7)
    sent_messages: timedelta = timedelta(days=14)
    closed_appeals: timedelta = timedelta(days=60)
    batch: int = 100

    def __post_init__(self) -> None:
        if self.closed_appeals <= FOLLOW_UP_WINDOW:
            raise ValueError("closed appeals are compacted only after the follow-up window")

    @classmethod
    def of(cls, settings: Settings) -> Housekeeping:
        return cls(seen_updates=timedelta(days=settings.retention_seen_updates_days),
                   sent_messages=timedelta(days=settings.retention_sent_messages_days),
                   closed_appeals=timedelta(days=settings.retention_closed_appeals_days),
                   batch=settings.retention_batch_rows)

    @property
    def appeals_per_batch(self) -> int:
        """An appeal is some ten rows (its outbox, thread, events)."""
        return max(1, self.batch // 10)


@dataclass(slots=True)
class RetentionRun:
    """Rows changed per step and the units of work the run took."""

    changed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    slowest: dict[str, float] = field(default_factory=dict)  # a step's longest unit, seconds

    @property
    def total(self) -> int:
        return sum(self.changed.values())


# A batch: what it changed, and whether more is left for the next one.
Step = Callable[[Repositories], Awaitable[tuple[int, bool]]]


async def run_retention(db: Store, terms: Retention, keep: Housekeeping,
                        now: datetime) -> RetentionRun:
    run = RetentionRun()

    async def batches(name: str, step: Step) -> None:
        more = True
        while more:
            started = time.perf_counter()
            async with db.unit() as repos:
                changed, more = await step(repos)
            took = time.perf_counter() - started
            run.slowest[name] = max(run.slowest.get(name, 0.0), took)
            run.changed[name] = run.changed.get(name, 0) + changed
            run.batches += 1
            await asyncio.sleep(0)  # whoever waits for the writer goes first
            await db.keep_wal_small()  # years of history at once: the WAL stays bounded

    rows, appeals = keep.batch, keep.appeals_per_batch

    async def seen_updates(repos: Repositories) -> tuple[int, bool]:
        gone = await repos.dialog.forget_updates_before(now - keep.seen_updates, rows)
        return gone, gone >= rows

    cursor: tuple[str, int] | None = None

    async def sent_messages(repos: Repositories) -> tuple[int, bool]:
        nonlocal cursor
        changed, cursor = await repos.outbox.prune_sent(
            now - keep.sent_messages, now - terms.sent_messages, BLANK, cursor, rows)
        return changed, cursor is not None

    async def compaction(repos: Repositories) -> tuple[int, bool]:
        found = await repos.privacy.appeals_to_compact(now - keep.closed_appeals, appeals)
        await repos.privacy.compact_appeals(found)
        await repos.appeals.prune_thread([appeal_id for appeal_id, _ in found])
        return len(found), len(found) >= appeals

    async def anonymisation(repos: Repositories) -> tuple[int, bool]:
        ids = await repos.privacy.closed_appeals_before(now - terms.appeals, appeals)
        await repos.privacy.drop_messages(ids, [], BLANK)
        await repos.privacy.anonymise_appeals(ids, texts.RETENTION_TEXT, now)
        return len(ids), len(ids) >= appeals

    async def questions(repos: Repositories) -> tuple[int, bool]:
        removed, anonymised = await repos.privacy.forget_questions_before(
            now - terms.questions, rows)
        return removed + anonymised, max(removed, anonymised) >= rows

    async def dead_letters(repos: Repositories) -> tuple[int, bool]:
        return await repos.dead_letters.forget_before(now - DEAD_LETTERS_KEEP), False

    await batches("seen_updates", seen_updates)
    await batches("sent_messages", sent_messages)
    await batches("compacted_appeals", compaction)
    await batches("anonymised_appeals", anonymisation)
    await batches("questions", questions)
    await batches("dead_letters", dead_letters)
    return run
